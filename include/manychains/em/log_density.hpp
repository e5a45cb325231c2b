/// \file log_density.hpp
/// Per-point E-step math, shared by the CPU loop and the CUDA kernels: a component's Gaussian
/// log-density from its precision Cholesky factor, log-sum-exp over components, responsibilities.
///
///   log N(x; μ_k, Σ_k) = -½ (d log 2π + ‖(x - μ_k)ᵀ U_k‖²) + log det U_k,   Σ_k⁻¹ = U_k U_kᵀ
/// (the formula of scikit-learn's `_estimate_log_gaussian_prob`).
#pragma once

#include <cmath>

#include "manychains/config.hpp"
#include "manychains/em/types.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// log(2π).
constexpr double em_log_2pi = 1.8378770664093454835606594728112;

/// log N(x; μ_k, Σ_k) for one point `x` (d values) and component k. `y` is scratch of d values
/// (used by full and tied only).
template <class T>
MC_EM_HD T em_component_log_density(const gmm_ref<T>& m, strided<const T> x, int k, T* y) {
  const int d = m.dim;
  const T* mu = m.means + k * d;
  T sq = T(0);
  if (m.type == covariance_type::full || m.type == covariance_type::tied) {
    const T* u = m.prec_chol + (m.type == covariance_type::full ? k * d * d : 0);
    for (int j = 0; j < d; ++j) y[j] = T(0);
    // y = (x - μ)ᵀ U, U upper triangular: row i touches j ≥ i. Four rows per pass over y, so y
    // goes through memory a quarter as often. The host starts rows at a multiple of 4 (the zeros
    // below the diagonal add exact zeros): vector loads and stores of y at the same 4-aligned
    // offsets forward in the CPU's store buffer, ragged starts stall it.
    int i = 0;
    for (; i + 4 <= d; i += 4) {
      const T a0 = x[i] - mu[i], a1 = x[i + 1] - mu[i + 1], a2 = x[i + 2] - mu[i + 2], a3 = x[i + 3] - mu[i + 3];
      const T *r0 = u + i * d, *r1 = r0 + d, *r2 = r1 + d, *r3 = r2 + d;
      for (int j = i; j < d; ++j) y[j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
    }
    for (; i < d; ++i) {
      const T a = x[i] - mu[i];
      const T* r = u + i * d;
      for (int j = MC_DEVICE_CODE ? i : i & ~3; j < d; ++j) y[j] += a * r[j];
    }
    for (int j = 0; j < d; ++j) sq += y[j] * y[j];
  } else if (m.type == covariance_type::diag) {
    const T* u = m.prec_chol + k * d;
    for (int i = 0; i < d; ++i) {
      const T t = (x[i] - mu[i]) * u[i];
      sq += t * t;
    }
  } else {  // spherical
    for (int i = 0; i < d; ++i) {
      const T t = x[i] - mu[i];
      sq += t * t;
    }
    sq *= m.prec_chol[k] * m.prec_chol[k];
  }
  return T(-0.5) * (T(d) * T(em_log_2pi) + sq) + m.log_det[k];
}

/// log Σ_k exp(v[k]) over K values, stable for large |v|; -inf when all are -inf.
template <class T>
MC_EM_HD T em_log_sum_exp(strided<const T> v, int K) {
  using std::exp;
  using std::log;
  T top = v[0];
  for (int k = 1; k < K; ++k) top = v[k] > top ? v[k] : top;
  if (!(top > T(-INFINITY))) return top;
  T s = T(0);
  for (int k = 0; k < K; ++k) s += exp(v[k] - top);
  return top + log(s);
}

/// Weighted log-probabilities log w_k + log N(x; μ_k, Σ_k) of one point into `out` (K values).
template <class T>
MC_EM_HD void em_weighted_log_probs(const gmm_ref<T>& m, strided<const T> x, strided<T> out, T* y) {
  for (int k = 0; k < m.components; ++k) out[k] = m.log_weights[k] + em_component_log_density(m, x, k, y);
}

/// The E-step for one point: writes its responsibilities p(k | x) into `resp` (K values) and
/// returns log p(x) = log Σ_k w_k N(x; μ_k, Σ_k).
template <class T>
MC_EM_HD T em_point_responsibilities(const gmm_ref<T>& m, strided<const T> x, strided<T> resp, T* y) {
  using std::exp;
  em_weighted_log_probs(m, x, resp, y);
  const T log_px = em_log_sum_exp(as_const(resp), m.components);
  for (int k = 0; k < m.components; ++k) resp[k] = exp(resp[k] - log_px);
  return log_px;
}

/// Σ_k r_k log r_k of one point's responsibilities (K values) in the accumulator type A, with
/// 0 log 0 = 0 (a responsibility that underflowed adds nothing, as in scikit-learn's bound).
template <class A, class T>
MC_EM_HD A em_point_r_log_r(strided<const T> resp, int K) {
  using std::log;
  A s = A(0);
  for (int k = 0; k < K; ++k) {
    const A r = A(resp[k]);
    if (r > A(0)) s += r * log(r);
  }
  return s;
}

/// Index of the centre (K×d, row-major) nearest to x in Euclidean distance; `best_sq` gets the
/// squared distance. Used by k-means++ and Lloyd iterations.
template <class T, class C>
MC_EM_HD int em_nearest_centre(strided<const T> x, const C* centres, int K, int d, C* best_sq) {
  int best = 0;
  C best_d = C(0);
  for (int k = 0; k < K; ++k) {
    C s = C(0);
    for (int i = 0; i < d; ++i) {
      const C t = C(x[i]) - centres[k * d + i];
      s += t * t;
    }
    if (k == 0 || s < best_d) {
      best_d = s;
      best = k;
    }
  }
  *best_sq = best_d;
  return best;
}

}  // namespace manychains
