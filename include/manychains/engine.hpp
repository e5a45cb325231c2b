/// \file engine.hpp
/// The interface between the runner (warm-up, adaptation, thinning, outputs) and a backend that
/// advances a block of chains. The CPU backend (host/cpu) and the CUDA backend (kernels/) both
/// implement it over the same host-device step functions.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "manychains/adaptation.hpp"
#include "manychains/langevin.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// The chains an engine owns, by global index: [first, last). Chain c draws from subsequence c of
/// the run's Philox stream whatever process or device runs it.
struct chain_range {
  std::uint64_t first = 0, last = 0;
  std::size_t size() const { return static_cast<std::size_t>(last - first); }
};

/// Where an engine records each kept draw's sampler statistics, indexed like the draws without
/// the dimension: [c * draws_per_chain + draw] (ArviZ's sample_stats). Null pointers: keep none.
struct draw_stats_ref {
  double* logp = nullptr;             ///< log-density at the kept state
  double* accept_prob = nullptr;      ///< mean acceptance probability over the thinning interval
  std::uint8_t* divergent = nullptr;  ///< 1 when any step of the interval diverged
  bool wanted() const { return logp && accept_prob && divergent; }
};

/// One call's worth of steps, all chains, one step size and diagonal preconditioner.
template <class T>
struct segment_request {
  sampler_kind kind = sampler_kind::mala;
  std::size_t steps = 1;
  T step_size = T(0.1);
  std::vector<T> scale;        ///< diagonal preconditioner: the proposal's per-dimension scale
  std::vector<T> chol;         ///< dense preconditioner L (d×d lower, row-major); empty: diagonal
  T* draws = nullptr;          ///< host buffer (chains, draws_per_chain, dim); null: keep none
  std::size_t draws_per_chain = 0;
  std::size_t first_draw = 0;  ///< index, within a chain, of the first draw kept by this call
  std::size_t thin = 1;        ///< keep the state after every thin-th step
  draw_stats_ref stats;        ///< per kept draw statistics (only where `draws` is set)
};

/// Per-chain totals over a segment's steps. The runner sums them in a fixed order, so results
/// never depend on thread counts.
struct segment_result {
  std::vector<double> accept_prob;  ///< sum of MALA acceptance probabilities
  std::vector<std::uint64_t> accepted;
  std::vector<std::uint64_t> divergent;
};

/// A segment's totals summed over all chains: what warm-up adaptation reads.
struct pooled_totals {
  double accept_prob = 0;
  std::uint64_t accepted = 0, divergent = 0;
};

/// Sums per-chain totals in chain order, so that the result never depends on thread counts.
inline pooled_totals sum_over_chains(const segment_result& r) {
  pooled_totals p;
  for (std::size_t c = 0; c < r.accept_prob.size(); ++c) {
    p.accept_prob += r.accept_prob[c];
    p.accepted += r.accepted[c];
    p.divergent += r.divergent[c];
  }
  return p;
}

template <class T>
class chain_engine {
 public:
  virtual ~chain_engine() = default;
  /// "cpu" or the CUDA device's name.
  virtual std::string device_name() const = 0;
  virtual std::size_t dim() const = 0;
  virtual chain_range chains() const = 0;
  /// Log-density at the given positions (chains × dim, chain-major); used to screen starts.
  virtual std::vector<T> logdensity(const std::vector<T>& positions) = 0;
  /// Sets the positions (chain-major) and each chain's stream position (in 4-word blocks), and
  /// caches log-density and gradient.
  virtual void initialize(const std::vector<T>& positions, const std::vector<std::uint64_t>& stream_blocks) = 0;
  /// Advances every chain `request.steps` steps.
  virtual segment_result run(const segment_request<T>& request) = 0;
  /// run(), summed over chains. The CUDA engine sums on the device and copies three numbers
  /// instead of three per-chain arrays (warm-up calls this once per step).
  virtual pooled_totals run_pooled(const segment_request<T>& request) { return sum_over_chains(run(request)); }
  /// Warm-up: up to `steps` single steps of every chain (no draws kept), each at `a.step`, each
  /// observed by `a` (which adapts the step of the next). Ends early once `stop` is set. The CUDA
  /// engine keeps `a` on the device and queues the steps without waiting for any of them.
  virtual void run_adapting(segment_request<T> request, std::size_t steps, step_adaptation& a,
                            const std::atomic<bool>* stop) {
    request.steps = 1;
    for (std::size_t k = 0; k < steps && !(stop && stop->load()); ++k) {
      request.step_size = static_cast<T>(a.step);
      const pooled_totals p = run_pooled(request);
      a.observe(p.accept_prob, p.divergent);
    }
  }
  /// Current positions, chain-major (chains × dim).
  virtual std::vector<T> positions() = 0;
};

/// A CPU engine (OpenMP over chains) for any built-in target.
template <class T>
std::unique_ptr<chain_engine<T>> make_cpu_engine(const any_target& target, chain_range chains,
                                                 std::uint64_t seed);

}  // namespace manychains
