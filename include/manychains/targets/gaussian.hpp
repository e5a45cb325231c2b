/// \file gaussian.hpp
/// Multivariate normal target N(mean, Σ). Σ is either D R D with D = diag(scale) and R the
/// equicorrelation matrix (1-ρ) I + ρ 11ᵀ (evaluated in O(d) by Sherman-Morrison), or a full
/// covariance given through its precision matrix (O(d²)).
#pragma once

#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// Device-copyable view. Parameters lie in one array: mean (d), scale (d), then, for a full
/// covariance, the precision matrix (d×d, row-major).
template <class T>
struct gaussian_ref {
  std::size_t n;
  T rho;                  ///< equicorrelation (ignored with a full precision)
  bool full_precision;
  const T* params;

  MC_HD_INLINE std::size_t dim() const { return n; }

  template <class G>
  MC_HD T logdensity_grad(strided<const T> x, G grad) const {
    const T* mean = params;
    const T* scale = params + n;
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
    for (std::size_t j = 0; j < n; ++j) {
      const T u = (x[j] - mean[j]) / scale[j];
      sum_u += u;
      sum_u2 += u * u;
    }
    const T one_minus_rho = T(1) - rho;
    const T c = rho / (one_minus_rho + T(n) * rho);
    for (std::size_t j = 0; j < n; ++j) {
      const T u = (x[j] - mean[j]) / scale[j];
      grad[j] = -(u - c * sum_u) / (one_minus_rho * scale[j]);
    }
    return T(-0.5) * (sum_u2 - c * sum_u * sum_u) / one_minus_rho;
  }
};

}  // namespace manychains
