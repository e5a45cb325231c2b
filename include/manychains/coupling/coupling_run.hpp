/// \file coupling_run.hpp
/// Host API of the L-lag coupling estimator: run many independent pairs of coupled chains on a
/// backend and collect their meeting times. The per-pair work is continue_lag_pair (lag_pair.hpp),
/// a segment of steps at a time, on the CPU (OpenMP over pairs, cpu_coupling.hpp) or on a CUDA
/// device (one thread per unfinished pair, cuda/detail/coupling_pairs.cuh). Pair p draws from subsequence `first_pair + p` of the seed's Philox
/// stream, so the meeting times depend neither on the backend nor on thread counts.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "manychains/coupling/lag_pair.hpp"
#include "manychains/devices.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// A coupling run's settings, fully resolved (resolve_coupling_settings fills the defaults).
struct coupling_settings {
  coupled_sampler sampler = coupled_sampler::mala;
  std::size_t lag = 1;
  std::size_t pairs = 1024;
  std::uint64_t max_steps = 100000;  ///< steps of the leading chain X; pairs apart then are not met
  double step_size = 0;              ///< 0: the default for the sampler and dimension
  std::vector<double> scale;         ///< diagonal preconditioner; empty: 0.5 × the start radius
  /// Dense preconditioner L (M⁻¹ = L Lᵀ), d×d row-major lower-triangular, as `sample` adapts it;
  /// empty: the diagonal `scale`. When given, it is the kernel's preconditioner and `scale` is unused.
  std::vector<double> chol;
  std::vector<double> init_center;   ///< start box; empty: the target's
  std::vector<double> init_radius;
  std::uint64_t seed = 0;
  std::uint64_t first_pair = 0;      ///< global index of the first pair (its stream)
  /// Read between segments of pair_segment_steps steps: once set, the run stops early and its
  /// result says `interrupted` (its meeting times are then not the estimator's). Null: never.
  const std::atomic<bool>* stop = nullptr;
  /// Called often with (pairs finished, pairs), from the calling thread only (Python's signal
  /// handlers run there); must not throw. Empty: not called.
  std::function<void(std::size_t, std::size_t)> poll;
};

/// The longest segment: steps of X a pair runs between two looks at `stop` (the CPU's every
/// segment; the CUDA backend's segments grow from 32 steps to this).
inline constexpr std::uint64_t pair_segment_steps = 1024;

/// Meeting times and work done.
struct coupling_result {
  std::vector<std::uint64_t> meeting_time;  ///< τ per pair; for a pair not met, max_steps
  std::vector<std::uint8_t> met;            ///< 1 where the pair met within max_steps
  std::vector<double> x_accept_prob;        ///< per pair: the sum of X's acceptance probabilities
  std::size_t unmet = 0;
  std::uint64_t x_steps = 0;       ///< steps of the leading chains, all pairs ("pair-steps")
  std::uint64_t chain_steps = 0;   ///< chain updates: a lead step counts 1, a coupled step 2
  double accept_rate = 0;          ///< mean acceptance probability of the leading chains
  std::uint64_t divergent = 0;
  double seconds = 0;
  std::string device;              ///< "cpu" or the CUDA device's name
  bool interrupted = false;        ///< stopped by settings.stop before every pair finished
};

/// The default step size: 2.38/√d for RWM, d^(-1/4) for MALA (the first step size of `sample`).
double default_coupling_step_size(coupled_sampler sampler, std::size_t dim);

/// Fills the empty fields of `s` from the target and checks them; throws input_error naming the
/// option at fault (lag ≥ 1, pairs ≥ 1, positive step size and scales, vectors of length d, a
/// lower-triangular d×d factor with a positive diagonal).
/// Batched targets (logistic) are refused: the coupled kernels need a pointwise target.
coupling_settings resolve_coupling_settings(coupling_settings s, const any_target& target);

/// The same for a pointwise target described by `info` (a user's functor: cpu_coupling.hpp).
coupling_settings resolve_coupling_settings(coupling_settings s, const target_info& info);

/// Runs the pairs on the CPU (run_coupling_cpu_for, cpu_coupling.hpp, for a user's functor).
template <class T>
coupling_result run_coupling_cpu(const any_target& target, const coupling_settings& settings);

/// Runs them on the CUDA device; throws device_error when CUDA cannot be used.
template <class T>
coupling_result run_coupling_cuda(const any_target& target, const coupling_settings& settings);

/// Runs them on the chosen backend (`automatic`: CUDA where usable, else the CPU).
template <class T>
coupling_result run_coupling(device_choice choice, const any_target& target, const coupling_settings& settings);

/// Collects per-pair outcomes (in pair order) into a result; throws input_error for a bad start.
coupling_result collect_outcomes(const std::vector<pair_outcome>& outcomes, const coupling_settings& settings,
                                 const std::string& target_spec);

}  // namespace manychains
