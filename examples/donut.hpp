// A user-defined target: a 2-D "donut" density,
//
//   log π(x) = -(|x| - r)² / (2 w²)
//
// A target is any trivially copyable struct with `dim()` and `logdensity_grad(x, grad)` returning
// log π(x) up to a constant, where x and grad are views indexed by x[j] (`strided` on the GPU,
// `contiguous` on the CPU; templating on both lets CPU loops vectorise). Marked MC_HD, the same
// functor runs in CUDA kernels once a .cu file instantiates it (donut_cuda.cu).
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/targets.hpp"

struct donut {
  double radius = 3.0, width = 0.3;

  MC_HD std::size_t dim() const { return 2; }

  template <class X, class G>
  MC_HD double logdensity_grad(X x, G grad) const {
    const double norm = std::sqrt(x[0] * x[0] + x[1] * x[1]);
    const double excess = norm - radius;
    const double d_norm = -excess / (width * width);  // d log π / d|x|
    grad[0] = d_norm * x[0] / norm;
    grad[1] = d_norm * x[1] / norm;
    return -0.5 * excess * excess / (width * width);
  }
};

/// What the runners need to know of the donut beside the functor: names and where chains start.
inline manychains::target_info donut_info() {
  manychains::target_info info;
  info.spec = "donut";
  info.dim = 2;
  info.parameter_names = {"x", "y"};
  info.init_center = {0.0, 0.0};
  info.init_radius = {4.0, 4.0};
  return info;
}
