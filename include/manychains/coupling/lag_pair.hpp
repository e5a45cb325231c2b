/// \file lag_pair.hpp
/// One pair of the L-lag coupling estimator (Biswas, Jacob & Vanetti 2019): X_0 and Y_0 drawn
/// independently from the start distribution, X moved L steps ahead alone, then (X_t, Y_{t-L})
/// moved by the coupled kernel until they meet. The meeting time is τ = inf{t > L : X_t = Y_{t-L}}.
/// Everything a pair does comes from its own stream, so τ depends only on (seed, pair index).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "manychains/config.hpp"
#include "manychains/coupling/coupled_step.hpp"

namespace manychains {

/// The start distribution: center + radius ∘ U(-1, 1), coordinatewise (pointers to d values).
template <class T>
struct start_box {
  const T* center;
  const T* radius;
};

enum class pair_status : int {
  met = 0,        ///< met at meeting_time
  not_met = 1,    ///< still apart after max_steps steps of X: τ > max_steps
  bad_start = 2,  ///< no finite log-density at 100 start draws
};

/// What one pair did. Trivially copyable (the CUDA backend copies an array of these back).
struct pair_outcome {
  std::uint64_t meeting_time = 0;  ///< τ when met; otherwise the number of steps X ran
  pair_status status = pair_status::not_met;
  std::uint64_t x_steps = 0;       ///< steps of X (L lead steps + coupled steps)
  std::uint64_t x_accepted = 0;
  std::uint64_t divergent = 0;     ///< divergent proposals, both chains
  double x_accept_prob = 0;        ///< sum of X's acceptance probabilities
};

/// Draws a start from the box into s.x (redrawing, up to 100 times, where the log-density is not
/// finite) and caches its log-density and gradient. Returns false when no draw was finite.
template <class T, class Target, class Stream>
MC_HD_INLINE bool draw_start(const Target& target, const start_box<T>& box, std::size_t dim,
                             const chain_slot<T>& s, Stream& rng) {
  using std::isfinite;
  for (int attempt = 0; attempt < 100; ++attempt) {
    words4 w{};
    for (std::size_t j = 0; j < dim; ++j) {
      if (j % 4 == 0) w = rng.next4();
      const std::uint32_t word = j % 4 == 0 ? w.x : j % 4 == 1 ? w.y : j % 4 == 2 ? w.z : w.w;
      s.x[j] = box.center[j] + box.radius[j] * (T(2) * uniform_open01<T>(word) - T(1));
    }
    *s.logp = target.logdensity_grad(as_const(s.x), s.grad);
    if (isfinite(*s.logp)) return true;
  }
  return false;
}

/// A pair part of the way through: what a run in segments keeps between them (with the pair's
/// chains and its stream position). Zero bytes are a pair not yet started.
struct lag_pair_progress {
  pair_outcome out;
  std::uint64_t t;  ///< steps of X so far
  int stage;        ///< 0: not started; 1: running; 2: finished (out is final)
};

/// Runs the pair `p` on for at most `budget` more steps of X, from its start (drawn first when
/// not started yet) to its meeting or max_steps. Returns true once the pair is finished. Segments
/// of any lengths give the run in one piece, bit for bit: the same steps from the same stream.
template <class T, class Target, class Stream>
MC_HD_INLINE bool continue_lag_pair(const Target& target, const mh_kernel<T>& k, const start_box<T>& box,
                                    std::uint64_t lag, std::uint64_t max_steps, const chain_slot<T>& x,
                                    const chain_slot<T>& y, Stream& rng, lag_pair_progress& p,
                                    std::uint64_t budget) {
  if (p.stage == 2) return true;
  if (p.stage == 0) {
    if (!draw_start(target, box, k.dim, x, rng) || !draw_start(target, box, k.dim, y, rng)) {
      p.out = pair_outcome{};
      p.out.status = pair_status::bad_start;
      p.stage = 2;
      return true;
    }
    p.stage = 1;
  }
  const std::uint64_t end = budget < max_steps - p.t ? p.t + budget : max_steps;
  bool met = false;
  for (; p.t < lag && p.t < end; ++p.t) {
    const step_info<T> info = mh_step(target, k, x, rng);
    p.out.x_accepted += info.accepted;
    p.out.x_accept_prob += static_cast<double>(info.accept_prob);
    p.out.divergent += info.divergent;
  }
  while (p.t < end && !met) {
    const coupled_step_info<T> info = coupled_mh_step(target, k, x, y, rng);
    ++p.t;
    p.out.x_accepted += info.x.accepted;
    p.out.x_accept_prob += static_cast<double>(info.x.accept_prob);
    p.out.divergent += info.x.divergent + info.y.divergent;
    met = same_position(x, y, k.dim);
  }
  if (!met && p.t < max_steps) return false;
  p.out.status = met ? pair_status::met : pair_status::not_met;
  p.out.meeting_time = p.t;
  p.out.x_steps = p.t;
  p.stage = 2;
  return true;
}

/// Runs one pair until it meets or X has made max_steps steps, in one piece: the reference that
/// runs in segments are held to (the backends themselves call continue_lag_pair).
template <class T, class Target, class Stream>
MC_HD_INLINE pair_outcome run_lag_pair(const Target& target, const mh_kernel<T>& k, const start_box<T>& box,
                                       std::uint64_t lag, std::uint64_t max_steps, const chain_slot<T>& x,
                                       const chain_slot<T>& y, Stream& rng) {
  lag_pair_progress p{};
  continue_lag_pair(target, k, box, lag, max_steps, x, y, rng, p, max_steps);
  return p.out;
}

}  // namespace manychains
