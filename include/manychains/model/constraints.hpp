/// \file constraints.hpp
/// Stan's constraint transforms: a parameter is sampled on the unconstrained scale and mapped to
/// its constrained value, with log |Jacobian| added to the log-density. MC_HD, templated on the
/// scalar (double, float or dual), no standard library (NVRTC compiles it too).
#pragma once

#include "manychains/ad/functions.hpp"

namespace manychains::model {

enum class constraint_kind { none = 0, lower = 1, upper = 2, lower_upper = 3, simplex = 4 };

struct constraint {
  constraint_kind kind = constraint_kind::none;
  double lower = 0, upper = 0;
};
inline constexpr constraint lower(double l) { return {constraint_kind::lower, l, 0}; }
inline constexpr constraint upper(double u) { return {constraint_kind::upper, 0, u}; }
inline constexpr constraint bounded(double l, double u) { return {constraint_kind::lower_upper, l, u}; }
inline constexpr constraint positive() { return lower(0); }
inline constexpr constraint unit_interval() { return bounded(0, 1); }
/// K values ≥ 0 summing to 1, from K − 1 unconstrained ones (stick-breaking, as Stan).
inline constexpr constraint simplex() { return {constraint_kind::simplex, 0, 0}; }

/// Unconstrained values a constrained block of `size` values takes.
MC_HD_INLINE int unconstrained_size(constraint c, int size) {
  return c.kind == constraint_kind::simplex ? size - 1 : size;
}

/// Maps `size` constrained values `y` from the unconstrained `x` and returns log |dy/dx|.
template <class S>
MC_HD S constrain(constraint c, const S* x, int size, S* y) {
  using namespace manychains::ad;
  S log_jacobian = 0;
  switch (c.kind) {
    case constraint_kind::none:
      for (int i = 0; i < size; ++i) y[i] = x[i];
      break;
    case constraint_kind::lower:  // y = L + e^x
      for (int i = 0; i < size; ++i) {
        y[i] = c.lower + exp(x[i]);
        log_jacobian += x[i];
      }
      break;
    case constraint_kind::upper:  // y = U − e^x
      for (int i = 0; i < size; ++i) {
        y[i] = c.upper - exp(x[i]);
        log_jacobian += x[i];
      }
      break;
    case constraint_kind::lower_upper:  // y = L + (U − L) σ(x)
      for (int i = 0; i < size; ++i) {
        y[i] = c.lower + (c.upper - c.lower) * logistic(x[i]);
        log_jacobian += ad::detail::log(c.upper - c.lower) + log_logistic(x[i]) + log_logistic(-x[i]);
      }
      break;
    case constraint_kind::simplex: {  // stick-breaking: z_k = σ(x_k − log(K − k)), Stan's
      S rest = 1;
      for (int k = 0; k + 1 < size; ++k) {
        const S shifted = x[k] - ad::detail::log(double(size - 1 - k));
        const S z = logistic(shifted);
        y[k] = rest * z;
        log_jacobian += log_logistic(shifted) + log_logistic(-shifted) + log(rest);
        rest -= y[k];
      }
      y[size - 1] = rest;
      break;
    }
  }
  return log_jacobian;
}

}  // namespace manychains::model
