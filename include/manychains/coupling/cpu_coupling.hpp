/// \file cpu_coupling.hpp
/// The CPU backend of the coupling estimator for any pointwise target functor (`dim()` and
/// `logdensity_grad(x, grad)`, as for make_cpu_engine_for): OpenMP over pairs, each thread with
/// its own buffers. run_coupling_cpu (the built-in targets) calls the same template.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/philox.hpp"
#include "manychains/target_ref.hpp"

namespace manychains {

namespace coupling_detail {
template <class T>
std::vector<T> converted(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

/// The settings resolved against `info`, after `info` is checked against the target's dimension.
inline coupling_settings resolve_for(std::size_t target_dim, const target_info& info, const coupling_settings& s) {
  check_target_info(info, target_dim);
  return resolve_coupling_settings(s, info);
}
}  // namespace coupling_detail

/// Runs the pairs of `settings` (resolved here against `info`) for any pointwise `target` (a
/// user's functor or a built-in target) on the CPU. `info` gives the target's name, dimension and
/// default start box; it is checked against the target (check_target_info).
template <class T, class Target>
coupling_result run_coupling_cpu_for(const Target& target, const target_info& info, const coupling_settings& settings) {
  using coupling_detail::converted;
  const coupling_settings s = coupling_detail::resolve_for(target_binding<Target>::dim(target), info, settings);
  const host_bound_target<T, Target> bound(target);
  const auto start = std::chrono::steady_clock::now();
  std::vector<pair_outcome> outcomes(s.pairs);
  const std::size_t d = info.dim;
  const std::vector<T> scale = converted<T>(s.scale), chol = converted<T>(s.chol), center = converted<T>(s.init_center),
                       radius = converted<T>(s.init_radius);
  const mh_kernel<T> kernel{s.sampler, d, static_cast<T>(s.step_size),
                            preconditioner<T>{scale.data(), chol.empty() ? nullptr : chol.data()}};
  const start_box<T> box{center.data(), radius.data()};
  const long long n = static_cast<long long>(s.pairs);
  const auto stopped = [&] { return s.stop && s.stop->load(); };
  std::atomic<std::size_t> finished{0};
  const std::thread::id caller = std::this_thread::get_id();
#pragma omp parallel
  {
    // x, grad, proposal, proposal_grad and scratch for each chain
    std::vector<T> buffer(10 * d), logp(2);
    const auto slot = [&](std::size_t chain) {
      T* b = buffer.data() + 5 * d * chain;
      return chain_slot<T>{{b, 1}, {b + d, 1}, {b + 2 * d, 1}, {b + 3 * d, 1}, &logp[chain], {b + 4 * d, 1}};
    };
    const chain_slot<T> x = slot(0), y = slot(1);
    // The calling thread (OpenMP's thread 0) polls; the others only read the stop flag.
    const bool polls = static_cast<bool>(s.poll) && std::this_thread::get_id() == caller;
#pragma omp for schedule(dynamic, 16) nowait
    for (long long p = 0; p < n; ++p) {
      if (stopped()) continue;
      philox_stream rng{s.seed, s.first_pair + static_cast<std::uint64_t>(p), 0};
      lag_pair_progress pair{};  // in segments, so that a stop is seen within one
      while (!continue_lag_pair(bound.ref, kernel, box, s.lag, s.max_steps, x, y, rng, pair, pair_segment_steps) &&
             !stopped())
        if (polls) s.poll(finished.load(), s.pairs);
      outcomes[static_cast<std::size_t>(p)] = pair.out;
      if (pair.stage == 2) ++finished;
      if (polls) s.poll(finished.load(), s.pairs);
    }
    // Out of pairs, the calling thread keeps polling while the others finish theirs.
    while (polls && finished.load() < s.pairs && !stopped()) {
      s.poll(finished.load(), s.pairs);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  coupling_result r = collect_outcomes(outcomes, s, info.spec);
  r.interrupted = finished.load() < s.pairs;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.device = "cpu";
  return r;
}

}  // namespace manychains
