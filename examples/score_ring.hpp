// A user-defined score-only target: eight equal Gaussians N(μ_k, v I) on a circle of radius 4,
// given only by its noise-conditional score. Convolved with N(0, σ² I) the mixture stays a
// mixture, with variance v + σ², so
//
//   s(x, σ) = Σ_k r_k(x) (μ_k − x) / (v + σ²),   r_k ∝ exp(−|x − μ_k|² / (2 (v + σ²)))
//
// A score target is any trivially copyable struct with `dim()` and `score(x, sigma, out)`;
// marked MC_HD, the same functor runs in the CUDA kernel once a .cu file instantiates it
// (score_ring_cuda.cu).
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"

struct score_ring {
  double radius = 4.0, variance = 0.04;
  static constexpr int modes = 8;

  MC_HD std::size_t dim() const { return 2; }
  MC_HD double mode_x(int k) const { return radius * cos(2 * M_PI * k / modes); }
  MC_HD double mode_y(int k) const { return radius * sin(2 * M_PI * k / modes); }

  MC_HD void score(const double* x, double sigma, double* out) const {
    const double var = variance + sigma * sigma;
    double max_l = -INFINITY;
    for (int k = 0; k < modes; ++k) {
      const double dx = x[0] - mode_x(k), dy = x[1] - mode_y(k), l = -(dx * dx + dy * dy) / (2 * var);
      max_l = l > max_l ? l : max_l;
    }
    double norm = 0;
    out[0] = out[1] = 0;
    for (int k = 0; k < modes; ++k) {
      const double dx = x[0] - mode_x(k), dy = x[1] - mode_y(k);
      const double r = exp(-(dx * dx + dy * dy) / (2 * var) - max_l);
      norm += r;
      out[0] -= r * dx / var;
      out[1] -= r * dy / var;
    }
    out[0] /= norm;
    out[1] /= norm;
  }
};
