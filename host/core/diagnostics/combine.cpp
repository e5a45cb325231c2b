// The combine steps of the diagnostics, from chain-sized partial statistics: R-hat and nested R-hat
// from per-chain moments, ESS from chain-averaged autocovariances (Geyer's initial positive +
// monotone sequence, exactly as ArviZ's `_ess`). Host code, called by both backends' pipelines.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

/// sqrt(1 + between / within) style ratios with the degenerate cases defined: 0/0 -> 1, x/0 -> inf.
double ratio_or_limit(double between, double within) {
  if (within > 0) return between / within;
  return between > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

}  // namespace

double rhat_from_moments(const chain_moments* m, std::size_t chains, std::size_t draws) {
  MC_EXPECTS(chains >= 2 && draws >= 2, "R-hat needs at least 2 (split) chains of 2 draws");
  const double n = static_cast<double>(draws);
  double grand = 0, within = 0;
  for (std::size_t c = 0; c < chains; ++c) {
    grand += m[c].mean;
    within += m[c].var;
  }
  grand /= static_cast<double>(chains);
  within /= static_cast<double>(chains);
  double between = 0;
  for (std::size_t c = 0; c < chains; ++c) between += (m[c].mean - grand) * (m[c].mean - grand);
  between = n * (between / static_cast<double>(chains - 1));
  if (!(within > 0)) return between > 0 ? std::numeric_limits<double>::infinity() : 1.0;
  return std::sqrt((between / within + n - 1) / n);
}

double rhat_nested_from_moments(const chain_moments* m, std::size_t chains, std::size_t draws,
                                std::size_t superchains) {
  MC_EXPECTS(superchains >= 2, "nested R-hat needs at least 2 superchains (--superchains K, K >= 2)");
  MC_EXPECTS(chains % superchains == 0, "nested R-hat: " + std::to_string(superchains) +
                                            " superchains do not divide " + std::to_string(chains) + " chains");
  MC_EXPECTS(draws >= 1, "nested R-hat needs at least 1 draw per chain");
  const std::size_t per = chains / superchains;
  std::vector<double> super_mean(superchains, 0.0);
  double within_super = 0;
  for (std::size_t k = 0; k < superchains; ++k) {
    double mk = 0, wk = 0;
    for (std::size_t j = 0; j < per; ++j) {
      mk += m[k * per + j].mean;
      wk += m[k * per + j].var;
    }
    mk /= static_cast<double>(per);
    wk = draws > 1 ? wk / static_cast<double>(per) : 0.0;
    double bk = 0;
    if (per > 1) {
      for (std::size_t j = 0; j < per; ++j) bk += (m[k * per + j].mean - mk) * (m[k * per + j].mean - mk);
      bk /= static_cast<double>(per - 1);
    }
    super_mean[k] = mk;
    within_super += wk + bk;
  }
  within_super /= static_cast<double>(superchains);
  double overall = 0;
  for (double v : super_mean) overall += v;
  overall /= static_cast<double>(superchains);
  double between_super = 0;
  for (double v : super_mean) between_super += (v - overall) * (v - overall);
  between_super /= static_cast<double>(superchains - 1);
  return std::sqrt(1.0 + ratio_or_limit(between_super, within_super));
}

double ess_combine(const double* chain_means, std::size_t chains, std::size_t n, bool constant, autocov_source& src) {
  const double size = static_cast<double>(chains) * static_cast<double>(n);
  if (constant) return size;
  MC_EXPECTS(n >= 2 && chains >= 1, "ESS needs chains of at least 2 draws");
  // Chain-averaged autocovariances, fetched lazily in doubling blocks of lags.
  std::vector<double> acov;
  const auto acov_at = [&](std::size_t t) {
    if (t >= acov.size()) {
      std::size_t end = std::max<std::size_t>(8, 2 * acov.size());
      while (end <= t) end *= 2;
      end = std::min(end, n);
      const std::size_t begin = acov.size();
      acov.resize(end);
      src.mean_autocov(begin, end, acov.data() + begin);
    }
    return acov[t];
  };
  const double nd = static_cast<double>(n);
  const double mean_var = acov_at(0) * nd / (nd - 1.0);
  double var_plus = mean_var * (nd - 1.0) / nd;
  if (chains > 1) {
    double m = 0;
    for (std::size_t c = 0; c < chains; ++c) m += chain_means[c];
    m /= static_cast<double>(chains);
    double v = 0;
    for (std::size_t c = 0; c < chains; ++c) v += (chain_means[c] - m) * (chain_means[c] - m);
    var_plus += v / static_cast<double>(chains - 1);
  }
  const auto rho = [&](std::size_t t) { return 1.0 - (mean_var - acov_at(t)) / var_plus; };

  std::vector<double> rho_t(n, 0.0);
  double rho_even = 1.0;
  rho_t[0] = rho_even;
  double rho_odd = rho(1);
  rho_t[1] = rho_odd;
  // Geyer's initial positive sequence.
  long long t = 1;
  const long long nn = static_cast<long long>(n);
  while (t < nn - 3 && (rho_even + rho_odd) > 0.0) {
    rho_even = rho(static_cast<std::size_t>(t + 1));
    rho_odd = rho(static_cast<std::size_t>(t + 2));
    if ((rho_even + rho_odd) >= 0) {
      rho_t[t + 1] = rho_even;
      rho_t[t + 2] = rho_odd;
    }
    t += 2;
  }
  const long long max_t = t - 2;
  if (rho_even > 0) rho_t[static_cast<std::size_t>(max_t + 1)] = rho_even;
  // Geyer's initial monotone sequence.
  t = 1;
  while (t <= max_t - 2) {
    if ((rho_t[t + 1] + rho_t[t + 2]) > (rho_t[t - 1] + rho_t[t])) {
      rho_t[t + 1] = (rho_t[t - 1] + rho_t[t]) / 2.0;
      rho_t[t + 2] = rho_t[t + 1];
    }
    t += 2;
  }
  double sum = 0;
  for (long long i = 0; i <= max_t; ++i) sum += rho_t[i];
  double tau = -1.0 + 2.0 * sum + (max_t + 1 < nn ? rho_t[max_t + 1] : 0.0);
  tau = std::max(tau, 1.0 / std::log10(size));
  const double ess = size / tau;
  for (double r : rho_t)
    if (std::isnan(r)) return std::nan("");
  return ess;
}

}  // namespace manychains
