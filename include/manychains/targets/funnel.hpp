/// \file funnel.hpp
/// Neal's funnel: v ~ N(0, 3²), x_i | v ~ N(0, e^v) for i = 1..d-1; coordinates (v, x_1, …).
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"

namespace manychains {

template <class T>
struct funnel_ref {
  std::size_t n;

  MC_HD_INLINE std::size_t dim() const { return n; }

  template <class X, class G>
  MC_HD T logdensity_grad(X x, G grad) const {
    using std::exp;
    const T v = x[0];
    const T inv_var = exp(-v);
    T sum_sq = 0;
    MC_SIMD_SUM(sum_sq)
    for (std::size_t i = 1; i < n; ++i) {
      sum_sq += x[i] * x[i];
      grad[i] = -x[i] * inv_var;
    }
    const T m = T(n - 1);
    grad[0] = -v / T(9) + T(0.5) * sum_sq * inv_var - T(0.5) * m;
    return -v * v / T(18) - T(0.5) * sum_sq * inv_var - T(0.5) * m * v;
  }
};

}  // namespace manychains
