/// \file mixture.hpp
/// Mixture of isotropic Gaussians: π(x) = Σ_k w_k N(x; μ_k, s_k² I). Multimodal.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// Parameters: log weights (K), scales (K), then means (K×d, row-major).
template <class T>
struct mixture_ref {
  std::size_t n;
  std::size_t components;
  const T* params;

  MC_HD_INLINE std::size_t dim() const { return n; }

  /// Log-sum-exp over components in one pass: the running maximum rescales what has been
  /// accumulated so far, so no per-component scratch is needed.
  template <class X, class G>
  MC_HD T logdensity_grad(X x, G grad) const {
    using std::exp;
    using std::log;
    const T* log_w = params;
    const T* scale = params + components;
    const T* means = params + 2 * components;
    T running_max = T(0), weight_sum = T(0);
    for (std::size_t j = 0; j < n; ++j) grad[j] = T(0);
    for (std::size_t k = 0; k < components; ++k) {
      const T inv_s2 = T(1) / (scale[k] * scale[k]);
      T sq = 0;
      MC_SIMD_SUM(sq)
      for (std::size_t j = 0; j < n; ++j) {
        const T d = x[j] - means[k * n + j];
        sq += d * d;
      }
      const T log_comp = log_w[k] - T(0.5) * sq * inv_s2 - T(n) * log(scale[k]);
      T weight;
      if (k == 0 || log_comp > running_max) {
        const T rescale = k == 0 ? T(0) : exp(running_max - log_comp);
        for (std::size_t j = 0; j < n; ++j) grad[j] *= rescale;
        weight_sum *= rescale;
        running_max = log_comp;
        weight = T(1);
      } else {
        weight = exp(log_comp - running_max);
      }
      weight_sum += weight;
      for (std::size_t j = 0; j < n; ++j) grad[j] -= weight * (x[j] - means[k * n + j]) * inv_s2;
    }
    for (std::size_t j = 0; j < n; ++j) grad[j] /= weight_sum;
    return running_max + log(weight_sum);
  }
};

}  // namespace manychains
