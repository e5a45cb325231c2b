// All diagnostics of a parameter in one pass over shared transforms, the per-statistic wrappers,
// and the (chains, draws, dim) entry point.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

using namespace diagnostics_detail;

double sd_all(const double* x, std::size_t size, double mean) {
  if (size < 2) return 0.0;
  double ss = 0;
  for (std::size_t i = 0; i < size; ++i) ss += (x[i] - mean) * (x[i] - mean);
  return std::sqrt(ss / static_cast<double>(size - 1));
}

double mean_all(const double* x, std::size_t size) { return chain_mean(x, size); }

/// ESS of the indicator split(x) <= q.
double ess_indicator(const std::vector<double>& split, std::size_t chains2, std::size_t half, double q) {
  std::vector<double> ind(split.size());
  for (std::size_t i = 0; i < split.size(); ++i) ind[i] = split[i] <= q ? 1.0 : 0.0;
  return ess_plain(ind.data(), chains2, half);
}

/// ArviZ `_mcse_sd`: ESS of the squared deviations, then the delta method.
void sd_stats(const double* x, std::size_t chains, std::size_t draws, double* ess_sd_out, double* mcse_sd_out) {
  const std::size_t size = chains * draws;
  const double m = mean_all(x, size);
  std::vector<double> c2(size);
  for (std::size_t i = 0; i < size; ++i) c2[i] = (x[i] - m) * (x[i] - m);
  const auto s = split_chains(c2.data(), chains, draws);
  const double ess = ess_plain(s.data(), 2 * chains, draws / 2);
  double evar = 0, e4 = 0;
  for (double v : c2) {
    evar += v;
    e4 += v * v;
  }
  evar /= static_cast<double>(size);
  e4 /= static_cast<double>(size);
  *ess_sd_out = ess;
  if (!(evar > 0)) {
    *mcse_sd_out = 0.0;  // every draw equal
    return;
  }
  const double varvar = (e4 - evar * evar) / ess;
  *mcse_sd_out = std::sqrt(varvar / evar / 4);
}

}  // namespace

double ess_bulk(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "bulk ESS");
  check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  const auto z = z_scale(s.data(), s.size());
  return ess_plain(z.data(), 2 * chains, draws / 2);
}

double ess_quantile(const double* x, std::size_t chains, std::size_t draws, double prob) {
  check_min_draws(chains, draws, "quantile ESS");
  check_finite(x, chains, draws, "x");
  MC_EXPECTS(prob > 0 && prob < 1, "quantile ESS: the probability must be in (0, 1)");
  const double q = quantile_type7(x, chains * draws, prob);
  return ess_indicator(split_chains(x, chains, draws), 2 * chains, draws / 2, q);
}

double ess_tail(const double* x, std::size_t chains, std::size_t draws, double prob_low, double prob_high) {
  return std::min(ess_quantile(x, chains, draws, prob_low), ess_quantile(x, chains, draws, prob_high));
}

double ess_mean(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "ESS");
  check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  return ess_plain(s.data(), 2 * chains, draws / 2);
}

double ess_sd(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "ESS of the sd");
  check_finite(x, chains, draws, "x");
  double ess = 0, mcse = 0;
  sd_stats(x, chains, draws, &ess, &mcse);
  return ess;
}

double mcse_mean(const double* x, std::size_t chains, std::size_t draws) {
  const double ess = ess_mean(x, chains, draws);
  const std::size_t size = chains * draws;
  return sd_all(x, size, mean_all(x, size)) / std::sqrt(ess);
}

double mcse_sd(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "MCSE of the sd");
  check_finite(x, chains, draws, "x");
  double ess = 0, mcse = 0;
  sd_stats(x, chains, draws, &ess, &mcse);
  return mcse;
}

namespace diagnostics_detail {

parameter_diagnostics diagnose_with_table(const double* x, std::size_t chains, std::size_t draws,
                                          const diagnose_options& options, const std::string& name,
                                          const std::vector<double>* z_table) {
  MC_EXPECTS(chains >= 1 && draws >= 1, "parameter " + name + ": no draws to diagnose");
  check_finite(x, chains, draws, name.c_str());
  parameter_diagnostics d;
  d.name = name;
  const std::size_t size = chains * draws;
  d.mean = mean_all(x, size);
  d.sd = sd_all(x, size, d.mean);
  if (options.superchains > 0) d.rhat_nested = rhat_nested(x, chains, draws, options.superchains);

  if (draws < 4) {
    // R-hat, ESS and MCSE are left undefined (see diagnostics.hpp); quantiles from a full sort.
    std::vector<double> sorted(x, x + size);
    std::sort(sorted.begin(), sorted.end());
    d.q5 = quantile_from_sorted(sorted.data(), size, 0.05);
    d.q50 = quantile_from_sorted(sorted.data(), size, 0.50);
    d.q95 = quantile_from_sorted(sorted.data(), size, 0.95);
    return d;
  }

  const std::size_t half = draws / 2, chains2 = 2 * chains;
  const auto split = split_chains(x, chains, draws);
  const std::size_t ssize = split.size();
  const sorted_draws sorted = sort_draws(split.data(), ssize);
  std::vector<double> own_table;
  if (!z_table || z_table->size() != ssize) {
    own_table = rank_z_table(ssize);
    z_table = &own_table;
  }

  // Quantiles of all draws: with an even draw count the split draws are all the draws.
  std::vector<double> all_sorted;
  const double* qs = sorted.values.data();
  if (ssize != size) {
    all_sorted.assign(x, x + size);
    std::sort(all_sorted.begin(), all_sorted.end());
    qs = all_sorted.data();
  }
  d.q5 = quantile_from_sorted(qs, size, 0.05);
  d.q50 = quantile_from_sorted(qs, size, 0.50);
  d.q95 = quantile_from_sorted(qs, size, 0.95);

  std::vector<double> z(ssize);
  z_from_sorted(sorted.values.data(), sorted.order.data(), ssize, z_table->data(), z.data());
  d.rhat_bulk = rhat_plain(z.data(), chains2, half);
  d.ess_bulk = ess_plain(z.data(), chains2, half);
  folded_z(sorted, median_from_sorted(sorted.values.data(), ssize), z_table->data(), z.data());
  d.rhat_folded = rhat_plain(z.data(), chains2, half);
  d.rhat = std::max(*d.rhat_bulk, *d.rhat_folded);
  d.rhat_classic = rhat_plain(split.data(), chains2, half);

  const double q_lo = options.tail_prob_low == 0.05 ? d.q5 : quantile_from_sorted(qs, size, options.tail_prob_low);
  const double q_hi = options.tail_prob_high == 0.95 ? d.q95 : quantile_from_sorted(qs, size, options.tail_prob_high);
  d.ess_tail = std::min(ess_indicator(split, chains2, half, q_lo), ess_indicator(split, chains2, half, q_hi));

  d.ess_mean = ess_plain(split.data(), chains2, half);
  d.mcse_mean = d.sd / std::sqrt(*d.ess_mean);
  double esd = 0, msd = 0;
  sd_stats(x, chains, draws, &esd, &msd);
  d.ess_sd = esd;
  d.mcse_sd = msd;
  return d;
}

}  // namespace diagnostics_detail

parameter_diagnostics diagnose_parameter(const double* x, std::size_t chains, std::size_t draws,
                                         const diagnose_options& options, const std::string& name) {
  return diagnostics_detail::diagnose_with_table(x, chains, draws, options, name, nullptr);
}

template <class T>
std::vector<parameter_diagnostics> diagnose_draws(const T* draws, std::size_t chains, std::size_t n_draws,
                                                  std::size_t dim, const std::vector<std::string>& names,
                                                  const diagnose_options& options) {
  if (options.superchains > 0) {
    MC_EXPECTS(options.superchains >= 2, "--superchains must be at least 2");
    MC_EXPECTS(chains % options.superchains == 0,
               std::to_string(options.superchains) + " superchains do not divide " + std::to_string(chains) +
                   " chains (chains [k*M, (k+1)*M) form superchain k)");
  }
  std::vector<parameter_diagnostics> out(dim);
  std::vector<std::string> errors(dim);
  // The z of each tie-free rank is the same for every parameter: one table for all.
  const std::vector<double> table = n_draws >= 4 ? rank_z_table(2 * chains * (n_draws / 2)) : std::vector<double>{};
  const auto name_of = [&](std::size_t j) { return j < names.size() ? names[j] : "x[" + std::to_string(j) + "]"; };
  // Parameters go in groups that share one sweep over the draws (a cache line holds 8 doubles, so
  // one parameter at a time would read all the draws once per parameter), with at least two
  // groups per thread to balance the load.
  const std::size_t threads = static_cast<std::size_t>(omp_get_max_threads());
  const std::size_t group = std::max<std::size_t>(1, std::min<std::size_t>(8, dim / (2 * threads)));
  const std::size_t n_groups = (dim + group - 1) / group, size = chains * n_draws;
#pragma omp parallel for schedule(dynamic, 1)
  for (std::ptrdiff_t gg = 0; gg < static_cast<std::ptrdiff_t>(n_groups); ++gg) {
    const std::size_t first = static_cast<std::size_t>(gg) * group, count = std::min(group, dim - first);
    std::vector<double> columns(count * size);  // parameter k of the group at [k·size, (k+1)·size)
    for (std::size_t i = 0; i < size; ++i)
      for (std::size_t k = 0; k < count; ++k) columns[k * size + i] = static_cast<double>(draws[i * dim + first + k]);
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t j = first + k;
      try {
        out[j] = diagnose_with_table(&columns[k * size], chains, n_draws, options, name_of(j), &table);
      } catch (const std::exception& e) {
        errors[j] = e.what();
      }
    }
  }
  for (const auto& e : errors)
    if (!e.empty()) throw input_error(e);
  return out;
}

template std::vector<parameter_diagnostics> diagnose_draws<float>(const float*, std::size_t, std::size_t,
                                                                  std::size_t, const std::vector<std::string>&,
                                                                  const diagnose_options&);
template std::vector<parameter_diagnostics> diagnose_draws<double>(const double*, std::size_t, std::size_t,
                                                                   std::size_t, const std::vector<std::string>&,
                                                                   const diagnose_options&);

parameter_summary to_summary(const parameter_diagnostics& d) {
  parameter_summary r;
  r.name = d.name;
  r.mean = d.mean;
  r.sd = d.sd;
  r.q5 = d.q5;
  r.q50 = d.q50;
  r.q95 = d.q95;
  r.mcse_mean = d.mcse_mean;
  r.ess_bulk = d.ess_bulk;
  r.ess_tail = d.ess_tail;
  r.rhat = d.rhat;
  r.rhat_nested = d.rhat_nested;
  return r;
}

}  // namespace manychains
