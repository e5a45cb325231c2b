/// \file noisy_mixture.hpp
/// Noise-conditional score of an isotropic Gaussian mixture: p(x) = Σ_k w_k N(x; μ_k, v_k I)
/// convolved with N(0, σ² I) is exactly Σ_k w_k N(x; μ_k, (v_k + σ²) I), whose score is
/// Σ_k r_k(x) (μ_k − x) / (v_k + σ²) with r_k the posterior responsibilities. Host-device.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/score/mixture_score.hpp"

namespace manychains {

template <class T>
struct noisy_gaussian_mixture {
  const T* weights;    ///< K, summing to 1
  const T* means;      ///< K×d row-major
  const T* variances;  ///< K isotropic variances v_k
  std::size_t k, dim;

  MC_HD_INLINE T log_component(const T* x, std::size_t c, T var) const {
    T r2 = 0;
    for (std::size_t i = 0; i < dim; ++i) {
      const T u = x[i] - means[c * dim + i];
      r2 += u * u;
    }
    return log(weights[c]) - T(0.5) * r2 / var - T(0.5) * T(dim) * log(var);
  }

  MC_HD_INLINE void score(const T* x, T sigma, T* out) const {
    const T s2 = sigma * sigma;
    mixture_score<T>(
        k, dim, out, [&](std::size_t c) { return log_component(x, c, variances[c] + s2); },
        [&](std::size_t c, T r, T* g) {
          const T var = variances[c] + s2;
          for (std::size_t i = 0; i < dim; ++i) g[i] += r * (means[c * dim + i] - x[i]) / var;
        });
  }
};

}  // namespace manychains
