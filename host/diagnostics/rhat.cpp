// R-hat: the combine step from per-chain moments, split / rank-normalised / folded variants, and
// nested R-hat (Margossian et al. 2024).
#include <cmath>
#include <limits>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

std::vector<chain_moments> moments_of(const double* x, std::size_t chains, std::size_t n) {
  std::vector<chain_moments> m(chains);
  for (std::size_t c = 0; c < chains; ++c) {
    m[c].mean = chain_mean(x + c * n, n);
    m[c].var = chain_variance(x + c * n, n, m[c].mean);
  }
  return m;
}

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

double rhat_plain(const double* x, std::size_t chains, std::size_t n) {
  const auto m = moments_of(x, chains, n);
  return rhat_from_moments(m.data(), chains, n);
}

double rhat_split(const double* x, std::size_t chains, std::size_t draws) {
  diagnostics_detail::check_min_draws(chains, draws, "split R-hat");
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  return rhat_plain(s.data(), 2 * chains, draws / 2);
}

double rhat_bulk(const double* x, std::size_t chains, std::size_t draws) {
  diagnostics_detail::check_min_draws(chains, draws, "R-hat");
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  const auto z = z_scale(s.data(), s.size());
  return rhat_plain(z.data(), 2 * chains, draws / 2);
}

double rhat_folded(const double* x, std::size_t chains, std::size_t draws) {
  diagnostics_detail::check_min_draws(chains, draws, "R-hat");
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  const auto sorted = diagnostics_detail::sort_draws(s.data(), s.size());
  std::vector<double> z(s.size());
  diagnostics_detail::folded_z(sorted, diagnostics_detail::median_from_sorted(sorted.values.data(), s.size()),
                               nullptr, z.data());
  return rhat_plain(z.data(), 2 * chains, draws / 2);
}

double rhat_rank(const double* x, std::size_t chains, std::size_t draws) {
  return std::max(rhat_bulk(x, chains, draws), rhat_folded(x, chains, draws));
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

double rhat_nested(const double* x, std::size_t chains, std::size_t draws, std::size_t superchains) {
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto m = moments_of(x, chains, draws);
  return rhat_nested_from_moments(m.data(), chains, draws, superchains);
}

}  // namespace manychains
