/// \file gaussian.hpp
/// Multivariate normal target N(mean, Σ). Σ is either D R D with D = diag(scale) and R the
/// equicorrelation matrix (1-ρ) I + ρ 11ᵀ (evaluated in O(d) by Sherman-Morrison), or a full
/// covariance given through its precision matrix (O(d²)).
#pragma once

#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// Device-copyable view. Parameters lie in one array: mean (d), 1/scale (d, so that a step
/// multiplies rather than divides), then, for a full covariance, the precision matrix (d×d, row-major).
template <class T>
struct gaussian_ref {
  std::size_t n;
  T rho;                  ///< equicorrelation (ignored with a full precision)
  bool full_precision;
  const T* params;

  MC_HD_INLINE std::size_t dim() const { return n; }

  template <class X, class G>
  MC_HD T logdensity_grad(X x, G grad) const {
    const T* mean = params;
    const T* inv_scale = params + n;
    if (full_precision) {
      const T* precision = params + 2 * n;
      T quad = 0;
      for (std::size_t i = 0; i < n; ++i) {
        T row = 0;
        for (std::size_t j = 0; j < n; ++j) row += precision[i * n + j] * (x[j] - mean[j]);
        grad[i] = -row;
        quad += row * (x[i] - mean[i]);
      }
      return T(-0.5) * quad;
    }
    // R⁻¹ = (I - c 11ᵀ) / (1-ρ), c = ρ / (1 - ρ + dρ); u = (x - mean) / scale.
    T sum_u = 0, sum_u2 = 0;
    MC_SIMD_SUM(sum_u, sum_u2)
    for (std::size_t j = 0; j < n; ++j) {
      const T u = (x[j] - mean[j]) * inv_scale[j];
      sum_u += u;
      sum_u2 += u * u;
    }
    const T inv_one_minus_rho = T(1) / (T(1) - rho);
    const T c = rho / (T(1) - rho + T(n) * rho);
    const T shift = c * sum_u;
    for (std::size_t j = 0; j < n; ++j) {
      const T u = (x[j] - mean[j]) * inv_scale[j];
      grad[j] = -(u - shift) * (inv_scale[j] * inv_one_minus_rho);
    }
    return T(-0.5) * (sum_u2 - shift * sum_u) * inv_one_minus_rho;
  }
};

}  // namespace manychains
