/// \file point_sums.hpp
/// Per-point contributions to the M-step sums, shared by the CPU loop and the CUDA kernels:
///   N_k = Σ_n r_nk,  S_k = Σ_n r_nk x_n  (first pass, with the E-step), and the scatter around the
/// new means  Σ_n r_nk (x_n - μ_k)(x_n - μ_k)ᵀ  (second pass), in the accumulator type A.
/// Scattering around the new means (rather than Σ r x xᵀ - N μ μᵀ) keeps float32 stable. The CUDA
/// backend forms the same scatter as a cuBLAS SYRK of the rows √r_nk (x_n - μ_k) (kernels/em.cu).
#pragma once

#include "manychains/config.hpp"
#include "manychains/em/types.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// Number of accumulator values the scatter of a covariance type takes: full K·d·d (upper
/// triangle filled), tied d·d, diag and spherical K·d (spherical is averaged on the host).
MC_HD_INLINE long em_scatter_size(covariance_type type, int K, int d) {
  switch (type) {
    case covariance_type::full: return long(K) * d * d;
    case covariance_type::tied: return long(d) * d;
    default: return long(K) * d;
  }
}

/// Hands one point's first-moment terms, in the accumulator type A, to `sums`: r_k to
/// sums.count(k, ·) (N_k) and r_k x_i to sums.sum(k, i, ·) (S_k). The CPU adds them into arrays
/// (em_add_first_moments), the CUDA E-step into warp-level sums (kernels/em.cu).
template <class A, class T, class Sums>
MC_EM_HD void em_first_moment_terms(int K, int d, strided<const T> resp, strided<const T> x, Sums& sums) {
  for (int k = 0; k < K; ++k) {
    const A r = A(resp[k]);
    sums.count(k, r);
    for (int i = 0; i < d; ++i) sums.sum(k, i, r * A(x[i]));
  }
}

/// First-moment sums held in arrays: nk (K) and sx (K×d).
template <class A>
struct em_moment_arrays {
  A* nk;
  A* sx;
  int d;
  MC_EM_HD void count(int k, A r) const { nk[k] += r; }
  MC_EM_HD void sum(int k, int i, A v) const { sx[k * d + i] += v; }
};

/// Adds one point's r_k and r_k x to nk (K) and sx (K×d).
template <class T, class A>
MC_EM_HD void em_add_first_moments(int K, int d, strided<const T> resp, strided<const T> x, A* nk, A* sx) {
  const em_moment_arrays<A> sums{nk, sx, d};
  em_first_moment_terms<A>(K, d, resp, x, sums);
}

/// Adds one point's contribution to component k's scatter around `means` (K×d). `diff` is scratch
/// of d values. Full and tied fill at least the upper triangle (j ≥ i); only that is read.
template <class T, class A>
MC_EM_HD void em_add_scatter(covariance_type type, int k, int d, A r, strided<const T> x, const A* means, A* scatter,
                          A* diff) {
  const A* mu = means + k * d;
  for (int i = 0; i < d; ++i) diff[i] = A(x[i]) - mu[i];
  if (type == covariance_type::full || type == covariance_type::tied) {
    A* s = scatter + (type == covariance_type::full ? long(k) * d * d : 0);
    for (int i = 0; i < d; ++i) {
      const A ri = r * diff[i];
      A* row = s + i * d;
      // On the host rows start at a multiple of 4 (whole vectors; a few entries below the
      // diagonal are filled but never read).
      for (int j = MC_DEVICE_CODE ? i : i & ~3; j < d; ++j) row[j] += ri * diff[j];
    }
  } else {
    A* s = scatter + long(k) * d;
    for (int i = 0; i < d; ++i) s[i] += r * diff[i] * diff[i];
  }
}

/// Adds one point's contribution to every component's scatter.
template <class T, class A>
MC_EM_HD void em_add_point_scatter(covariance_type type, int K, int d, strided<const T> resp, strided<const T> x,
                                const A* means, A* scatter, A* diff) {
  for (int k = 0; k < K; ++k) {
    const A r = A(resp[k]);
    if (r != A(0)) em_add_scatter(type, k, d, r, x, means, scatter, diff);
  }
}

}  // namespace manychains
