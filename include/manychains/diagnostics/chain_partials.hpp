/// \file chain_partials.hpp
/// The per-chain partial statistics of the diagnostics, as host-device functions: the CPU oracle
/// loops over chains calling them, the CUDA kernels call the per-term functions inside their
/// reductions. One chain is `n` contiguous doubles.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"

namespace manychains {

/// Mean of one chain, as x_0 + mean(x_i - x_0): exact for a constant chain (so its variance is
/// exactly 0 and R-hat can tell "stuck" from "slow"), and less cancellation for offset data.
MC_HD_INLINE double chain_mean(const double* x, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i] - x[0];
  return x[0] + s / static_cast<double>(n);
}

/// Sample variance (ddof 1) of one chain about its mean `m`; 0 for a single draw.
MC_HD_INLINE double chain_variance(const double* x, std::size_t n, double m) {
  if (n < 2) return 0.0;
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += (x[i] - m) * (x[i] - m);
  return s / static_cast<double>(n - 1);
}

/// One term of the lag-`lag` autocovariance sum: (x_i - m)(x_{i+lag} - m), for i + lag < n.
MC_HD_INLINE double autocov_term(const double* x, std::size_t i, std::size_t lag, double m) {
  return (x[i] - m) * (x[i + lag] - m);
}

/// Autocovariance of one chain at `lag` with ArviZ's normalisation: (1/n) sum_i (x_i - m)(x_{i+lag} - m).
MC_HD_INLINE double chain_autocov(const double* x, std::size_t n, double m, std::size_t lag) {
  double s = 0;
  for (std::size_t i = 0; i + lag < n; ++i) s += autocov_term(x, i, lag, m);
  return s / static_cast<double>(n);
}

/// The standard normal quantile function: Acklam's rational approximation (relative error 1.2e-9)
/// refined by one Halley step on erfc, ~1e-15. Computed on the lower tail and mirrored, so
/// p near 1 loses no accuracy beyond that of p itself. p outside (0, 1) gives -inf / +inf.
MC_HD_INLINE double normal_quantile_hd(double p) {
  if (!(p > 0.0)) return -HUGE_VAL;
  if (!(p < 1.0)) return HUGE_VAL;
  const bool upper = p > 0.5;
  const double q = upper ? 1.0 - p : p;  // exact for p > 0.5 (Sterbenz)
  double x;
  if (q < 0.02425) {
    const double r = sqrt(-2.0 * log(q));
    x = (((((-7.784894002430293e-03 * r - 3.223964580411365e-01) * r - 2.400758277161838e+00) * r -
           2.549732539343734e+00) * r + 4.374664141464968e+00) * r + 2.938163982698783e+00) /
        ((((7.784695709041462e-03 * r + 3.224671290700398e-01) * r + 2.445134137142996e+00) * r +
          3.754408661907416e+00) * r + 1.0);
  } else {
    const double u = q - 0.5, r = u * u;
    x = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r +
           1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * u /
        (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r +
           6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1.0);
  }
  // Halley step on F(x) = Phi(x) - q, x <= 0 here so erfc is accurate.
  const double e = 0.5 * erfc(-x * 0.70710678118654752440) - q;
  const double v = e * 2.50662827463100050242 * exp(0.5 * x * x);
  x = x - v / (1.0 + 0.5 * x * v);
  return upper ? -x : x;
}

}  // namespace manychains
