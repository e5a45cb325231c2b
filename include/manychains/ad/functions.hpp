/// \file functions.hpp
/// Functions and log-densities for model code, templated on the scalar S (a float, a double or a
/// dual), written so that each is stable where its naive form is not (softplus, log-logistic).
/// Log-densities carry their normalising constants, as Stan's `_lpdf` functions do.
#pragma once

#include "manychains/ad/dual.hpp"

namespace manychains::ad {

namespace detail {
inline constexpr double log_sqrt_2pi = 0.91893853320467274178;
inline constexpr double log_pi = 1.14472988584940017414;
}  // namespace detail

/// 1 / (1 + e^-x), without overflow.
template <class S>
MC_HD_INLINE S logistic(const S& x) {
  if (x >= 0) return S(1) / (S(1) + exp(-x));
  const S e = exp(x);
  return e / (S(1) + e);
}
template <class S> MC_HD_INLINE S inv_logit(const S& x) { return logistic(x); }

/// log(1 + e^x), without overflow (Stan's log1p_exp); one smooth branch on each side of 0, so
/// the derivative at 0 is σ(0) = ½.
template <class S>
MC_HD_INLINE S softplus(const S& x) { return x > 0 ? S(x + log1p(exp(-x))) : S(log1p(exp(x))); }
template <class S> MC_HD_INLINE S log1p_exp(const S& x) { return softplus(x); }

/// log σ(x) = −softplus(−x).
template <class S>
MC_HD_INLINE S log_logistic(const S& x) { return -softplus(-x); }

template <class S> MC_HD_INLINE S square(const S& x) { return x * x; }

/// log N(y | μ, σ); the result is a dual when any argument is.
template <class Y, class M, class D>
MC_HD_INLINE auto normal_lpdf(const Y& y, const M& mu, const D& sigma) {
  const auto z = (y - mu) / sigma;
  return -0.5 * z * z - log(sigma) - detail::log_sqrt_2pi;
}
/// log N(y | 0, 1).
template <class S>
MC_HD_INLINE S std_normal_lpdf(const S& y) { return -0.5 * y * y - detail::log_sqrt_2pi; }
/// log Cauchy(y | μ, σ).
template <class Y, class M, class D>
MC_HD_INLINE auto cauchy_lpdf(const Y& y, const M& mu, const D& sigma) {
  const auto z = (y - mu) / sigma;
  return -log1p(z * z) - log(sigma) - detail::log_pi;
}
/// log Student-t(y | ν, μ, σ).
template <class Y, class V, class M, class D>
MC_HD_INLINE auto student_t_lpdf(const Y& y, const V& nu, const M& mu, const D& sigma) {
  const auto z = (y - mu) / sigma;
  return lgamma(0.5 * (nu + 1.0)) - lgamma(0.5 * nu) - 0.5 * log(nu) - log(sigma) -
         0.5 * (nu + 1.0) * log1p(z * z / nu) - 0.5 * detail::log_pi;
}
/// log Exponential(y | rate λ), y ≥ 0.
template <class Y, class R>
MC_HD_INLINE auto exponential_lpdf(const Y& y, const R& rate) { return log(rate) - rate * y; }
/// log Gamma(y | shape α, rate β), y > 0.
template <class Y, class A, class B>
MC_HD_INLINE auto gamma_lpdf(const Y& y, const A& alpha, const B& beta) {
  return alpha * log(beta) - lgamma(alpha) + (alpha - 1.0) * log(y) - beta * y;
}
/// log Beta(y | α, β), 0 < y < 1.
template <class Y, class A, class B>
MC_HD_INLINE auto beta_lpdf(const Y& y, const A& a, const B& b) {
  return lgamma(a + b) - lgamma(a) - lgamma(b) + (a - 1.0) * log(y) + (b - 1.0) * log1p(-y);
}
/// log LogNormal(y | μ, σ), y > 0.
template <class Y, class M, class D>
MC_HD_INLINE auto lognormal_lpdf(const Y& y, const M& mu, const D& sigma) {
  return normal_lpdf(log(y), mu, sigma) - log(y);
}
/// log Bernoulli(y | σ(η)), y ∈ {0, 1}: y η − log(1 + e^η).
template <class S>
MC_HD_INLINE S bernoulli_logit_lpmf(double y, const S& eta) { return y * eta - softplus(eta); }
/// log Binomial(k | n, σ(η)), with its constant log C(n, k).
template <class S>
MC_HD_INLINE S binomial_logit_lpmf(double k, double n, const S& eta) {
  const double log_choose = detail::lgamma(n + 1) - detail::lgamma(k + 1) - detail::lgamma(n - k + 1);
  return k * eta - n * softplus(eta) + log_choose;
}
/// log Poisson(k | e^η), with its constant −log k!.
template <class S>
MC_HD_INLINE S poisson_log_lpmf(double k, const S& eta) { return k * eta - exp(eta) - detail::lgamma(k + 1); }
/// log Dirichlet(θ | α) for a simplex θ of size K (α data).
template <class S>
MC_HD_INLINE S dirichlet_lpdf(const S* theta, const double* alpha, int K) {
  S lp = 0;
  double total = 0;
  for (int k = 0; k < K; ++k) {
    lp += (alpha[k] - 1.0) * log(theta[k]) - detail::lgamma(alpha[k]);
    total += alpha[k];
  }
  return lp + detail::lgamma(total);
}

}  // namespace manychains::ad
