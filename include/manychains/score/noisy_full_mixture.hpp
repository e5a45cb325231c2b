/// \file noisy_full_mixture.hpp
/// Noise-conditional score of a full-covariance Gaussian mixture: p(x) = Σ_k w_k N(x; μ_k, Σ_k)
/// convolved with N(0, σ² I) is exactly Σ_k w_k N(x; μ_k, Σ_k + σ² I). With Σ_k = U_k Λ_k U_kᵀ
/// (eigen-decomposed once on the host), (Σ_k + σ² I)⁻¹ = U_k (Λ_k + σ²)⁻¹ U_kᵀ for every σ, so
/// one table serves all noise levels. Host-device; no per-chain scratch beyond `out`.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/score/mixture_score.hpp"

namespace manychains {

template <class T>
struct noisy_full_mixture {
  const T* weights;      ///< K, summing to 1
  const T* means;        ///< K×d row-major
  const T* basis;        ///< K×d×d: U_k row-major, column j the j-th eigenvector of Σ_k
  const T* eigenvalues;  ///< K×d, positive
  std::size_t k, dim;

  /// u_j = (U_kᵀ (x − μ_k))_j, the j-th coordinate of x − μ_k in component c's eigenbasis.
  MC_HD_INLINE T coordinate(const T* x, std::size_t c, std::size_t j) const {
    const T* u = basis + c * dim * dim;
    T s = 0;
    for (std::size_t l = 0; l < dim; ++l) s += u[l * dim + j] * (x[l] - means[c * dim + l]);
    return s;
  }

  MC_HD_INLINE T log_component(const T* x, std::size_t c, T s2) const {
    T q = 0, log_det = 0;
    for (std::size_t j = 0; j < dim; ++j) {
      const T lam = eigenvalues[c * dim + j] + s2, u = coordinate(x, c, j);
      q += u * u / lam;
      log_det += log(lam);
    }
    return log(weights[c]) - T(0.5) * (q + log_det);
  }

  MC_HD_INLINE void score(const T* x, T sigma, T* out) const {
    const T s2 = sigma * sigma;
    mixture_score<T>(
        k, dim, out, [&](std::size_t c) { return log_component(x, c, s2); },
        [&](std::size_t c, T r, T* g) {  // −r U_k (Λ_k + σ²)⁻¹ u, u recomputed rather than stored
          const T* u = basis + c * dim * dim;
          for (std::size_t j = 0; j < dim; ++j) {
            const T coef = r * coordinate(x, c, j) / (eigenvalues[c * dim + j] + s2);
            for (std::size_t i = 0; i < dim; ++i) g[i] -= coef * u[i * dim + j];
          }
        });
  }
};

}  // namespace manychains
