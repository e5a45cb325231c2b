/// \file pipeline.hpp
/// The per-parameter diagnostics pipeline, one for both backends: which transforms run in which
/// order, and how their chain-sized partial statistics combine. It is templated on the backend
/// that holds the draws and runs the transforms and reductions where they are (the host,
/// host/diagnostics; a CUDA device, kernels/diagnostics.cu); every formula is from formulas.hpp
/// and the combine steps (rhat_from_moments, ess_combine) from host/core/diagnostics. Not public API.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/formulas.hpp"

namespace manychains::diagnostics_detail {

/// The series a backend keeps, one buffer each: the parameter's draws (chains × draws), their
/// split chains (2 chains × draws/2), and the transform of the moment (2 chains × draws/2).
enum class series { full, split, work };

/// Per-chain partial statistics of a series: each chain's mean and M2 = Σ (x - mean)².
struct chain_sums {
  std::vector<double> mean, m2;
};

inline std::vector<chain_moments> moments_from_sums(const chain_sums& s, std::size_t n) {
  std::vector<chain_moments> m(s.mean.size());
  for (std::size_t c = 0; c < m.size(); ++c) m[c] = {s.mean[c], n > 1 ? s.m2[c] / static_cast<double>(n - 1) : 0.0};
  return m;
}

/// The diagnostics of one parameter of `chains` × `draws` draws held by `b` as series::full.
/// A Backend provides:
///   chain_sums sums(series s)           per-chain mean and M2 of s
///   void find_not_finite(name)          throws input_error naming the first non-finite draw, if any
///   void split()                        split = the split chains of full
///   void sort(series s)                 sorts full or split; sorted_at reads the result
///   double sorted_at(std::size_t k)     the k-th smallest value of the last sort
///   void rank_z()                       work = the z-scaled ranks of split (from the last sort)
///   void folded_rank_z(double median)   work = the z-scaled ranks of |split - median|
///   void indicator(double q)            work = (split <= q)
///   chain_sums squared_deviations(double mean)
///                                       work = split chains of (full - mean)²; returns the
///                                       per-chain sums of (full - mean)² over all draws
///   double ess(series s, std::optional<bool> constant)
///                                       ESS of split-shaped s through ess_combine; `constant`
///                                       when the pipeline already knows ArviZ's constant test
template <class Backend>
parameter_diagnostics diagnose_with(Backend& b, std::size_t chains, std::size_t draws, const diagnose_options& options,
                                    const std::string& name) {
  namespace f = diagnostics_formula;
  parameter_diagnostics d;
  d.name = name;
  const std::size_t size = chains * draws;

  // A non-finite draw makes its chain's sums non-finite (finite sums prove every draw finite).
  const chain_sums full = b.sums(series::full);
  for (std::size_t c = 0; c < chains; ++c)
    if (!std::isfinite(full.mean[c]) || !std::isfinite(full.m2[c])) {
      b.find_not_finite(name);
      break;
    }
  const f::pooled_moments pooled = f::pool_chain_moments(full.mean.data(), full.m2.data(), chains, draws);
  d.mean = pooled.mean;
  d.sd = pooled.sd;
  if (options.superchains > 0) {
    const auto m = moments_from_sums(full, draws);
    d.rhat_nested = rhat_nested_from_moments(m.data(), chains, draws, options.superchains);
  }

  // Quantiles of all draws, from whichever sort holds them all.
  const auto quantile = [&](double prob, std::size_t n) {
    if (n == 1) return b.sorted_at(0);
    const f::type7_position pos = f::type7_locate(n, prob);
    return f::type7_between(b.sorted_at(pos.k - 1), b.sorted_at(pos.k), pos.gamma);
  };
  double q_lo = 0, q_hi = 0;
  const auto all_quantiles = [&](std::size_t n) {
    d.q5 = quantile(0.05, n);
    d.q50 = quantile(0.50, n);
    d.q95 = quantile(0.95, n);
    q_lo = options.tail_prob_low == 0.05 ? d.q5 : quantile(options.tail_prob_low, n);
    q_hi = options.tail_prob_high == 0.95 ? d.q95 : quantile(options.tail_prob_high, n);
  };
  // With an even draw count the split chains hold every draw: one sort serves both.
  const bool split_holds_all = draws % 2 == 0;
  if (draws < 4 || !split_holds_all) {
    b.sort(series::full);
    all_quantiles(size);
    if (draws < 4) return d;  // R-hat, ESS and MCSE undefined (diagnostics.hpp)
  }

  const std::size_t half = draws / 2, chains2 = 2 * chains, ssize = chains2 * half;
  const auto rhat_of = [&](const chain_sums& s) {
    const auto m = moments_from_sums(s, half);
    return rhat_from_moments(m.data(), chains2, half);
  };
  b.split();
  b.sort(series::split);
  if (split_holds_all) all_quantiles(ssize);
  const double lowest = b.sorted_at(0), highest = b.sorted_at(ssize - 1);
  const bool split_constant = f::is_constant_range(lowest, highest);
  const double median = f::median_between(b.sorted_at((ssize - 1) / 2), b.sorted_at(ssize / 2));

  // Bulk: the z-scaled ranks (constant exactly when the draws are).
  b.rank_z();
  d.rhat_bulk = rhat_of(b.sums(series::work));
  d.ess_bulk = b.ess(series::work, split_constant);
  // Folded: the z-scaled ranks of |x - median|.
  b.folded_rank_z(median);
  d.rhat_folded = rhat_of(b.sums(series::work));
  d.rhat = std::max(*d.rhat_bulk, *d.rhat_folded);
  d.rhat_classic = rhat_of(b.sums(series::split));

  // Tail: the indicators of the two quantiles (constant when no draw or every draw is below).
  b.indicator(q_lo);
  const double ess_lo = b.ess(series::work, q_lo < lowest || q_lo >= highest);
  b.indicator(q_hi);
  d.ess_tail = std::min(ess_lo, b.ess(series::work, q_hi < lowest || q_hi >= highest));

  d.ess_mean = b.ess(series::split, split_constant);
  d.mcse_mean = f::mcse_mean(d.sd, *d.ess_mean);

  // sd: the ESS of (x - mean)² on split chains, and its first two moments over all draws.
  const chain_sums sq = b.squared_deviations(d.mean);
  d.ess_sd = b.ess(series::work, std::nullopt);
  const f::pooled_moments v = f::pool_chain_moments(sq.mean.data(), sq.m2.data(), chains, draws);
  const double mean_v2 = f::pool_mean_square(sq.mean.data(), sq.m2.data(), chains, draws);
  d.mcse_sd = f::mcse_sd_delta(v.mean, mean_v2, *d.ess_sd);
  return d;
}

}  // namespace manychains::diagnostics_detail
