/// \file diagnostics.hpp
/// Convergence diagnostics: rank-normalised split R-hat, classic split R-hat, nested R-hat, bulk /
/// tail / mean ESS and MCSE, as small free functions over one parameter's draws, a (chains, draws)
/// array of double in C order (chain-major: x[c * draws + i]).
///
/// Definitions follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021) and reproduce ArviZ
/// 0.23's `rhat(method="rank")`, `ess(method="bulk"|"tail"|"mean"|"sd")`, `mcse(method="mean"|"sd")`
/// to rounding (tests/diagnostics_test.cpp checks 1e-11 relative against stored ArviZ values).
/// Autocovariances are per chain (direct lag sums computed lazily, an FFT once many lags are
/// needed), averaged over chains and truncated by Geyer's initial monotone sequence.
///
/// Statistics that allow it are a per-chain partial step (chain means, variances, lag sums: the
/// MC_HD functions of diagnostics/chain_partials.hpp) followed by a host combine step
/// (rhat_from_moments, ess_combine), so chains split over devices need only the combine to meet.
///
/// Degenerate input (docs/diagnostics.md):
///  - fewer than 4 draws per chain: the free functions throw input_error; diagnose_parameter leaves
///    R-hat, ESS and MCSE empty (printed "-", left out of JSON). ArviZ returns NaN.
///  - one chain: R-hat is computed from its two halves (as Stan's `posterior` does); ArviZ: NaN.
///  - every draw identical: R-hat 1, ESS = number of (split) draws (as ArviZ), MCSE 0.
///  - chains each constant but at different values: R-hat +inf (within-chain variance 0).
///  - a NaN or infinite draw: diagnose_draws throws input_error naming the parameter, chain and draw;
///    the free functions throw input_error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "manychains/summary.hpp"

namespace manychains {

/// What diagnose_* computes besides the defaults.
struct diagnose_options {
  double tail_prob_low = 0.05;   ///< tail ESS: lower quantile
  double tail_prob_high = 0.95;  ///< tail ESS: upper quantile
  std::size_t superchains = 0;   ///< > 0: nested R-hat with chains grouped into this many superchains
};

/// Every diagnostic of one parameter. Optional members are empty where undefined (fewer than 4 draws
/// per chain; nested R-hat when not asked for).
struct parameter_diagnostics {
  std::string name;
  double mean = 0, sd = 0, q5 = 0, q50 = 0, q95 = 0;
  std::optional<double> rhat;          ///< rank-normalised split R-hat, max of bulk and folded
  std::optional<double> rhat_bulk, rhat_folded;
  std::optional<double> rhat_classic;  ///< split R-hat on the raw draws
  std::optional<double> rhat_nested;   ///< Margossian et al. (2024), plain (not split, not ranked)
  std::optional<double> ess_bulk, ess_tail, ess_mean, ess_sd;
  std::optional<double> mcse_mean, mcse_sd;
};

// ---- one parameter, (chains, draws) C order ------------------------------------------------------

/// Rank-normalised split R-hat: max(rhat_bulk, rhat_folded).
double rhat_rank(const double* x, std::size_t chains, std::size_t draws);
/// Split R-hat of the rank-normalised (z-scaled) draws.
double rhat_bulk(const double* x, std::size_t chains, std::size_t draws);
/// Split R-hat of the z-scaled |x - median|.
double rhat_folded(const double* x, std::size_t chains, std::size_t draws);
/// Classic split R-hat on the raw draws (Gelman et al., BDA3).
double rhat_split(const double* x, std::size_t chains, std::size_t draws);
/// Nested R-hat: chains [k*M, (k+1)*M) form superchain k, M = chains / superchains (must divide).
double rhat_nested(const double* x, std::size_t chains, std::size_t draws, std::size_t superchains);

/// Bulk ESS: ESS of the z-scaled split chains.
double ess_bulk(const double* x, std::size_t chains, std::size_t draws);
/// Tail ESS: min of the quantile ESS at prob_low and prob_high.
double ess_tail(const double* x, std::size_t chains, std::size_t draws, double prob_low = 0.05,
                double prob_high = 0.95);
/// ESS of the indicator x <= q_p (q_p the type-7 quantile of all draws), on split chains.
double ess_quantile(const double* x, std::size_t chains, std::size_t draws, double prob);
/// ESS of the mean: ESS of the split chains.
double ess_mean(const double* x, std::size_t chains, std::size_t draws);
/// ESS of the sd: ESS of (x - mean)^2 on split chains.
double ess_sd(const double* x, std::size_t chains, std::size_t draws);
/// MCSE of the mean: sd(x) / sqrt(ess_mean).
double mcse_mean(const double* x, std::size_t chains, std::size_t draws);
/// MCSE of the sd (delta method, as ArviZ `mcse(method="sd")`).
double mcse_sd(const double* x, std::size_t chains, std::size_t draws);

/// All of the above for one parameter, sharing the sorts and transforms. `name` is used in errors.
parameter_diagnostics diagnose_parameter(const double* x, std::size_t chains, std::size_t draws,
                                         const diagnose_options& options = {}, const std::string& name = "x");

/// Every parameter of a (chains, draws, dim) C-order array (OpenMP over parameters). Throws
/// input_error naming the parameter on a non-finite draw, or on a superchain count that does not
/// divide the chains.
template <class T>
std::vector<parameter_diagnostics> diagnose_draws(const T* draws, std::size_t chains, std::size_t n_draws,
                                                  std::size_t dim, const std::vector<std::string>& names,
                                                  const diagnose_options& options = {});

/// As diagnose_draws, on the first `n_draws` of each chain of an array whose chains are
/// `chain_capacity` draws apart ((chains, chain_capacity, dim), chain_capacity >= n_draws): what a
/// run still filling its draws diagnoses in place, with no compact copy.
template <class T>
std::vector<parameter_diagnostics> diagnose_draws_prefix(const T* draws, std::size_t chains, std::size_t n_draws,
                                                         std::size_t chain_capacity, std::size_t dim,
                                                         const std::vector<std::string>& names,
                                                         const diagnose_options& options = {});

/// As diagnose_draws, on draws already in device memory (no copy of the draws to the host: device
/// sorts and reductions, host combine). Throws device_error without a usable CUDA device or in a
/// build without CUDA. Agrees with diagnose_draws to ~1e-12 relative.
std::vector<parameter_diagnostics> diagnose_draws_cuda(const double* device_draws, std::size_t chains,
                                                       std::size_t n_draws, std::size_t dim,
                                                       const std::vector<std::string>& names,
                                                       const diagnose_options& options = {});

/// Copies host draws to the device and calls diagnose_draws_cuda.
std::vector<parameter_diagnostics> diagnose_draws_cuda_from_host(const double* host_draws, std::size_t chains,
                                                                 std::size_t n_draws, std::size_t dim,
                                                                 const std::vector<std::string>& names,
                                                                 const diagnose_options& options = {});

/// The summary-table row of a parameter (mean, sd, quantiles, mcse_mean, ess_bulk, ess_tail, rhat,
/// rhat_nested).
parameter_summary to_summary(const parameter_diagnostics& d);

// ---- building blocks: the ArviZ internals, and the partial + combine steps ------------------------

/// Per-chain partial statistics for R-hat: mean and sample variance (ddof 1).
struct chain_moments {
  double mean = 0, var = 0;
};

/// R-hat from per-chain moments of `chains` chains of `draws` draws each (no split): the combine step.
double rhat_from_moments(const chain_moments* moments, std::size_t chains, std::size_t draws);
/// Nested R-hat from per-chain moments (chains of superchain k are [k*M, (k+1)*M)): the combine step.
double rhat_nested_from_moments(const chain_moments* moments, std::size_t chains, std::size_t draws,
                                std::size_t superchains);

/// Source of the chain-averaged autocovariances of a (chains, n) array:
/// out[t - lag_begin] = mean over chains of (1/n) sum_i (x_i - m_c)(x_{i+t} - m_c), t in [lag_begin, lag_end).
class autocov_source {
 public:
  virtual ~autocov_source() = default;
  virtual void mean_autocov(std::size_t lag_begin, std::size_t lag_end, double* out) = 0;
};

/// ESS combine step (ArviZ `_ess`): Geyer's initial positive then monotone sequence over the
/// chain-averaged autocorrelations, which it requests from `acov` lazily, in growing blocks of lags.
/// `chain_means` are the per-chain means; `constant` says every value was equal (ESS = chains*n).
double ess_combine(const double* chain_means, std::size_t chains, std::size_t n, bool constant, autocov_source& acov);

/// ArviZ `_ess` of a (chains, n) array (no split): direct lag sums, then an FFT if many lags are needed.
double ess_plain(const double* x, std::size_t chains, std::size_t n);
/// ArviZ `_rhat` of a (chains, n) array (no split).
double rhat_plain(const double* x, std::size_t chains, std::size_t n);

/// Split chains: (chains, draws) -> (2 chains, draws / 2); with odd draws the middle draw is left out.
std::vector<double> split_chains(const double* x, std::size_t chains, std::size_t draws);
/// Rank normalisation: ranks (ties averaged), Blom's offset 3/8, standard normal quantile.
std::vector<double> z_scale(const double* x, std::size_t size);
/// The standard normal quantile function (Acklam's approximation + one Halley step, ~1e-15).
double normal_quantile(double p);
/// The type-7 quantile as scipy `mquantiles(alphap=1, betap=1)` computes it, of unsorted `x`.
double quantile_type7(const double* x, std::size_t size, double prob);
/// Chain-averaged autocovariances at every lag 0..n-1 of a (chains, n) array (by FFT when n > 64).
std::vector<double> mean_autocov_fft(const double* x, std::size_t chains, std::size_t n);

}  // namespace manychains
