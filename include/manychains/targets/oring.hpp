/// \file oring.hpp
/// The Challenger O-ring model of Dalal, Fowlkes & Hoadley (1989):
///   P(failure | t) = logistic(α + β t) on the raw launch temperature t (°F),
///   prior: e^α ~ Exponential(mean b), i.e. p(α) = e^α exp(-e^α / b) / b; flat on β.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"
#include "manychains/unit_math.hpp"

namespace manychains {

/// log(1 + e^η) without overflow.
template <class T>
MC_HD_INLINE T softplus(T eta) {
  using std::exp;
  using std::fabs;
  return (eta > 0 ? eta : T(0)) + unit_log1p(exp(-fabs(eta)));
}

/// 1 / (1 + e^-η) without overflow.
template <class T>
MC_HD_INLINE T logistic(T eta) {
  using std::exp;
  if (eta >= 0) return T(1) / (T(1) + exp(-eta));
  const T e = exp(eta);
  return e / (T(1) + e);
}

/// softplus(η) and logistic(η) from one exponential, e^-|η| (bit-equal to the two above).
template <class T>
MC_HD_INLINE void softplus_and_logistic(T eta, T* softplus_out, T* logistic_out) {
  using std::exp;
  using std::fabs;
  const T t = exp(-fabs(eta));
  *softplus_out = (eta > 0 ? eta : T(0)) + unit_log1p(t);
  *logistic_out = eta >= 0 ? T(1) / (T(1) + t) : t / (T(1) + t);
}

/// Parameters: log b, then the n temperatures, then the n 0/1 outcomes.
template <class T>
struct oring_ref {
  std::size_t launches;
  const T* params;

  MC_HD_INLINE std::size_t dim() const { return 2; }

  template <class X, class G>
  MC_HD T logdensity_grad(X x, G grad) const {
    using std::exp;
    const T alpha = x[0], beta = x[1];
    const T log_b = params[0];
    const T* temp = params + 1;
    const T* fail = params + 1 + launches;
    const T e_alpha_over_b = exp(alpha - log_b);
    T lp = alpha - e_alpha_over_b;  // log prior up to the constant -log b
    T g_alpha = T(1) - e_alpha_over_b, g_beta = 0;
    for (std::size_t i = 0; i < launches; ++i) {
      const T eta = alpha + beta * temp[i];
      T sp, lg;
      softplus_and_logistic(eta, &sp, &lg);
      lp += fail[i] * eta - sp;
      const T resid = fail[i] - lg;
      g_alpha += resid;
      g_beta += resid * temp[i];
    }
    grad[0] = g_alpha;
    grad[1] = g_beta;
    return lp;
  }
};

}  // namespace manychains
