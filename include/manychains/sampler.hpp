/// \file sampler.hpp
/// The runner: warm-up with adaptation, then sampling with thinning, over any chain engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "manychains/engine.hpp"
#include "manychains/process_group.hpp"

namespace manychains {

/// The preconditioner warm-up estimates from the chains: diagonal (the cross-chain sd), dense (a
/// Cholesky factor of the cross-chain covariance shrunk toward its diagonal, O(d²) a step), or
/// automatic: diagonal, switched to dense at a window's end when the dense estimate of the
/// previous window whitens the chains' covariance at least `dense_gain` (metric.hpp) times better
/// than the diagonal one; considered only with at least twice as many chains as dimensions and
/// at most `max_auto_dense_dim` dimensions.
enum class metric_kind { automatic, diagonal, dense };
inline constexpr std::size_t max_auto_dense_dim = 1000;

struct sample_settings {
  sampler_kind sampler = sampler_kind::mala;
  std::size_t chains = 1024;
  std::size_t warmup = 1000;
  /// Treat `warmup` as a cap: windows of 100 steps, ended (after a step-size-only quarter) once two
  /// consecutive windows run with the same kind of metric adapt step sizes within 10% (--until-ess
  /// without --warmup).
  bool adaptive_warmup = false;
  std::size_t draws = 1000;  ///< sampling iterations; draws kept = draws / thin (the first block with until_ess)
  std::size_t thin = 1;
  std::optional<double> step_size;  ///< fixed step size; adapted during warm-up when empty
  double target_accept = 0.574;     ///< MALA's optimal acceptance (Roberts & Rosenthal 1998)
  bool adapt_preconditioner = true; ///< re-estimate the preconditioner from the chains' spread
  metric_kind metric = metric_kind::automatic;
  /// ULA's step after warm-up (which runs MALA on the same chains, since ULA has no acceptance to
  /// adapt on): the MALA step, capped so that on a Gaussian whose covariance the adapted metric
  /// matches, ULA's stationary variance 1/(1 − ε²/4) exceeds the truth by at most this fraction.
  double ula_variance_bias = 0.05;
  /// Keep sampling in blocks until every parameter's bulk and tail ESS reach this and R-hat is at
  /// most 1.01, or `max_draws` sampling iterations are done; empty: exactly `draws` iterations.
  std::optional<double> until_ess;
  std::size_t max_draws = 0;  ///< with until_ess: the cap (room for max_draws / thin draws)
  /// Called with (step, positions chain-major as double) before warm-up and about every
  /// `observe_every` steps after it (0: never); used for the TV convergence curve.
  std::size_t observe_every = 0;
  std::function<void(std::size_t, const std::vector<double>&)> observer;
  std::uint64_t seed = 0;
  bool draw_stats = true;    ///< record each kept draw's log-density, acceptance and divergence
  bool save_warmup = false;  ///< keep the warm-up states too (in memory) with their statistics
  /// The processes the run is split over (each engine holding its share of `chains`, by global
  /// index, in process order); null: this engine holds every chain. Adaptation then reads every
  /// process's chains in chain order, so the draws are those of one process, bit for bit.
  /// Not with until_ess (it diagnoses all draws between blocks).
  process_group* group = nullptr;
};

/// Per-draw sampler statistics, (chains, draws) in C order, as ArviZ's sample_stats has them.
struct draw_stats {
  std::vector<double> logp, accept_prob;
  std::vector<std::uint8_t> divergent;
  void resize(std::size_t values) {
    logp.assign(values, 0.0);
    accept_prob.assign(values, 0.0);
    divergent.assign(values, 0);
  }
  bool empty() const { return logp.empty(); }
  draw_stats_ref ref() { return {logp.data(), accept_prob.data(), divergent.data()}; }
};

/// Called after each batch of steps with (steps done, steps in all).
using progress_callback = std::function<void(std::size_t, std::size_t)>;

template <class T>
struct sample_result {
  chain_range chains;
  std::size_t dim = 0;
  std::size_t kept_draws = 0;   ///< per chain (fewer than requested when interrupted)
  std::vector<T> draws;         ///< (chains, kept_draws, dim), C order; empty with external storage
  T* external_draws = nullptr;  ///< the caller's storage, when the run was given one
  const T* draws_data() const { return external_draws ? external_draws : draws.data(); }
  double step_size = 0;          ///< the sampling step
  double warmup_step_size = 0;   ///< the step warm-up adapted (MALA's; differs for ULA)
  /// ULA only: 1/(1 − ε²/4), the stationary variance over the true one on a Gaussian whose
  /// covariance the metric matches (the AR(1) x' = (1 − ε²/2) x + ε z); +inf when ε ≥ 2.
  std::optional<double> ula_variance_inflation;
  bool step_collapsed = false;   ///< the adapted step fell below 1e-4 of its starting value
  std::string metric = "diag";   ///< "diag" or "dense": the preconditioner sampling used
  std::string metric_reason;     ///< why (for --metric auto: the condition numbers compared)
  std::string stop_reason;       ///< with until_ess: why sampling stopped
  std::vector<double> scale;    ///< the adapted preconditioner's per-dimension scale (sd)
  std::vector<double> chol;     ///< the dense preconditioner's Cholesky factor (d×d), if dense
  double warmup_accept_rate = 0, accept_rate = 0;  ///< mean acceptance probability
  std::uint64_t warmup_divergences = 0, divergences = 0;
  std::size_t warmup_steps_done = 0, sampling_steps_done = 0;
  std::string warmup_reason;  ///< how long warm-up ran, and why
  std::size_t metric_snapshots = 0;  ///< positions snapshots per warm-up window pooled into each metric estimate
  bool interrupted = false;
  double seconds = 0;
  draw_stats stats;  ///< per kept draw (chains, kept_draws), with settings.draw_stats
  /// With settings.save_warmup: the warm-up states (chains, warmup_steps_done, dim), their
  /// statistics and each warm-up step's step size.
  std::vector<T> warmup_draws;
  draw_stats warmup_stats;
  std::vector<double> warmup_step_sizes;
};

/// Runs warm-up and sampling on `engine`. Stops early (keeping whole draws) when `stop` becomes
/// true. Throws input_error when no finite starting point is found for some chain.
/// With `draws_storage` (room for chains × draws/thin × dim values, e.g. a memory-mapped file) the
/// draws are written there instead of into the result's vector; an interrupted run leaves the
/// completed draws contiguous at its start.
template <class T>
sample_result<T> run_sampler(chain_engine<T>& engine, const target_info& info, const sample_settings& settings,
                             const std::atomic<bool>* stop = nullptr, const progress_callback& progress = {},
                             T* draws_storage = nullptr);

/// Starting points for `count` chains, walkers or particles: point i is center + radius ∘ U(-1, 1)
/// drawn from stream (seed, first_stream + i), redrawn (up to 100 times) where `logdensity` is not
/// finite; an error names the point as `noun` first_label + i. Returns the points (count × dim) and
/// each stream's position in blocks.
template <class T>
std::pair<std::vector<T>, std::vector<std::uint64_t>> draw_starting_points(
    const target_info& info, std::size_t count, std::uint64_t seed, std::uint64_t first_stream,
    const std::function<std::vector<T>(const std::vector<T>&)>& logdensity, const std::string& noun,
    std::uint64_t first_label);

/// Starting points: center + radius ∘ U(-1, 1) from each chain's own stream, redrawn (up to 100
/// times) where the log-density is not finite. Returns positions and each chain's stream position.
template <class T>
std::pair<std::vector<T>, std::vector<std::uint64_t>> initial_positions(chain_engine<T>& engine,
                                                                        const target_info& info,
                                                                        std::uint64_t seed);

}  // namespace manychains
