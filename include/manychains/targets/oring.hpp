/// \file oring.hpp
/// The Challenger O-ring model of Dalal, Fowlkes & Hoadley (1989):
///   P(failure | t) = logistic(α + β t) on the raw launch temperature t (°F),
///   prior: e^α ~ Exponential(mean b), i.e. p(α) = e^α exp(-e^α / b) / b; flat on β.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"
#include "manychains/targets/logit.hpp"

namespace manychains {

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
      T resid;
      lp += logit_row_loglik(alpha + beta * temp[i], fail[i], &resid);
      g_alpha += resid;
      g_beta += resid * temp[i];
    }
    grad[0] = g_alpha;
    grad[1] = g_beta;
    return lp;
  }
};

}  // namespace manychains
