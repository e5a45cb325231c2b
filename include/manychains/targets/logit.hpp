/// \file logit.hpp
/// The Bernoulli-logit likelihood's pieces, once for every target and backend that uses them: the
/// O-ring model (oring.hpp) and logistic regression on the CPU (host/cpu/logistic_cpu.cpp) and on
/// the GPU (kernels/logistic_engine.cuh).
#pragma once

#include <cmath>

#include "manychains/config.hpp"
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

/// One row of a Bernoulli-logit likelihood at linear predictor η with outcome y ∈ {0, 1}: returns
/// the log-likelihood term y η − log(1 + e^η) and writes the residual y − σ(η), the row's weight in
/// the gradient Σ_rows (y − σ(η)) x.
template <class T>
MC_HD_INLINE T logit_row_loglik(T eta, T y, T* residual) {
  T sp, lg;
  softplus_and_logistic(eta, &sp, &lg);
  *residual = y - lg;
  return y * eta - sp;
}

}  // namespace manychains
