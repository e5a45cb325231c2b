/// \file svgd.hpp
/// Stein variational gradient descent (Liu & Wang 2016): the per-particle interaction sums as
/// host-device functions, shared by the CPU backend (blocked for cache) and the CUDA kernel
/// (source tiles staged in shared memory, as in an N-body code).
///
/// With the RBF kernel k(x, y) = exp(-|x - y|² / h), the update direction of particle i is
///   φ(x_i) = (1/n) Σ_j [k(x_j, x_i) ∇log π(x_j) + ∇_{x_j} k(x_j, x_i)]
///          = (1/n) Σ_j k_ij [∇log π(x_j) + (2/h)(x_i - x_j)].
/// The squared kernel Stein discrepancy (V-statistic, Liu, Lee & Jordan 2016) is
///   KSD² = (1/n²) Σ_i Σ_j k_ij [s_i·s_j + (2/h)(x_i - x_j)·(s_i - s_j) + 2d/h - 4|x_i - x_j|²/h²]
/// with s = ∇log π; it is accumulated in the same pass when asked for.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// Adds the contributions of a tile of `m` source particles (positions `src_x` and scores
/// `src_grad`, both m × dim row-major) to target particle i's unnormalised φ sum `acc`
/// (anything indexable by coordinate). When `ksd` is not null, also adds the KSD² terms of the
/// pairs (i, j) to *ksd; `xi_grad` is then particle i's score.
template <class T, class Acc>
MC_HD void svgd_accumulate_tile(strided<const T> xi, strided<const T> xi_grad, const T* src_x, const T* src_grad,
                                std::size_t m, std::size_t dim, T inv_h, Acc acc, T* ksd) {
  using std::exp;
  for (std::size_t s = 0; s < m; ++s) {
    const T* xj = src_x + s * dim;
    const T* gj = src_grad + s * dim;
    T r2 = 0;
    for (std::size_t k = 0; k < dim; ++k) {
      const T diff = xi[k] - xj[k];
      r2 += diff * diff;
    }
    const T kij = exp(-r2 * inv_h);
    const T c = T(2) * inv_h * kij;
    for (std::size_t k = 0; k < dim; ++k) acc[k] += kij * gj[k] + c * (xi[k] - xj[k]);
    if (ksd) {
      T ss = 0, dd = 0;
      for (std::size_t k = 0; k < dim; ++k) {
        ss += xi_grad[k] * gj[k];
        dd += (xi[k] - xj[k]) * (xi_grad[k] - gj[k]);
      }
      *ksd += kij * (ss + T(2) * inv_h * dd + T(2 * dim) * inv_h - T(4) * r2 * inv_h * inv_h);
    }
  }
}

/// The AdaGrad update of one coordinate (Duchi et al. 2011, as in Liu & Wang's reference code
/// but with the cumulative sum of squares, so that the step decays and the particles settle):
/// hist += φ², x += ε φ / (fudge + √hist). Returns the displacement.
template <class T>
MC_HD_INLINE T adagrad_move(T* x, T* hist, T phi, T step_size, T fudge) {
  using std::sqrt;
  *hist += phi * phi;
  const T dx = step_size * phi / (fudge + sqrt(*hist));
  *x += dx;
  return dx;
}

}  // namespace manychains
