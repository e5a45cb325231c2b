/// \file langevin.hpp
/// Unadjusted (ULA) and Metropolis-adjusted (MALA) Langevin steps, as host-device functions.
///
/// With a diagonal preconditioner s (the square root of the inverse mass) and step size ε, both
/// propose y = x + (ε²/2) s² ∘ ∇log π(x) + ε s ∘ z with z ~ N(0, I). MALA accepts y with
/// probability min(1, π(y) q(x|y) / (π(x) q(y|x))); ULA always moves. A proposal whose log-density
/// or gradient is not finite is rejected and counted as a divergence, for both.
///
/// A step is split into `langevin_propose` and `langevin_accept` so that batched targets can
/// evaluate all chains' proposals at once in between; `langevin_step` fuses the three for
/// pointwise targets. Each step reads one 4-word block per 4 dimensions, plus one block for the
/// accept test (MALA only), so a chain's stream position depends only on the step count.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/strided.hpp"

namespace manychains {

enum class sampler_kind { mala, ula };

/// One chain's storage: current position, its gradient, the proposal and its gradient.
template <class T>
struct chain_slot {
  strided<T> x, grad, proposal, proposal_grad;
  T* logp;  ///< cached log-density at x
};

/// What a step did; summed over chains by the runner.
template <class T>
struct step_info {
  T accept_prob;  ///< MALA's acceptance probability (also computed, not used, by ULA)
  bool accepted;
  bool divergent;
};

/// Draws the proposal into slot.proposal; returns the forward log proposal density -|z|²/2.
template <class T, class Stream>
MC_HD_INLINE T langevin_propose(const chain_slot<T>& slot, std::size_t dim, const T* scale,
                                T step_size, Stream& rng) {
  const T half_eps2 = T(0.5) * step_size * step_size;
  T sum_z2 = 0;
  T z[4];
  for (std::size_t j = 0; j < dim; ++j) {
    if (j % 4 == 0) normal4<T>(rng, z);
    const T zj = z[j % 4];
    const T s = scale[j];
    slot.proposal[j] = slot.x[j] + half_eps2 * s * s * slot.grad[j] + step_size * s * zj;
    sum_z2 += zj * zj;
  }
  return T(-0.5) * sum_z2;
}

/// Accepts or rejects the proposal whose log-density `proposal_logp` and gradient
/// (slot.proposal_grad) have been evaluated.
template <class T, class Stream>
MC_HD_INLINE step_info<T> langevin_accept(const chain_slot<T>& slot, std::size_t dim,
                                          const T* scale, T step_size, T forward_logq,
                                          T proposal_logp, sampler_kind kind, Stream& rng) {
  using std::exp;
  using std::isfinite;
  using std::log;
  step_info<T> info{T(0), false, false};
  const T half_eps2 = T(0.5) * step_size * step_size;
  bool finite = isfinite(proposal_logp);
  T reverse_sq = 0;  // |x - y - (ε²/2) s² ∇log π(y)|² in the s-scaled metric, over ε²
  for (std::size_t j = 0; j < dim && finite; ++j) {
    const T gy = slot.proposal_grad[j];
    finite = isfinite(gy);
    const T s = scale[j];
    const T r = (slot.x[j] - slot.proposal[j] - half_eps2 * s * s * gy) / (step_size * s);
    reverse_sq += r * r;
  }
  // MALA always reads its uniform, so the stream position never depends on the outcome.
  const T u = kind == sampler_kind::mala ? uniform_open01<T>(rng.next4().x) : T(0);
  if (!finite) {
    info.divergent = true;
    return info;
  }
  const T log_ratio = proposal_logp - *slot.logp + T(-0.5) * reverse_sq - forward_logq;
  info.accept_prob = log_ratio >= 0 ? T(1) : (isfinite(log_ratio) ? exp(log_ratio) : T(0));
  info.accepted = kind == sampler_kind::ula || log(u) < log_ratio;
  if (info.accepted) {
    for (std::size_t j = 0; j < dim; ++j) {
      slot.x[j] = slot.proposal[j];
      slot.grad[j] = slot.proposal_grad[j];
    }
    *slot.logp = proposal_logp;
  }
  return info;
}

/// Evaluates a pointwise target at the proposal, writing its gradient into slot.proposal_grad.
template <class T, class Target>
MC_HD_INLINE T evaluate_proposal(const Target& target, const chain_slot<T>& slot) {
  return target.logdensity_grad(as_const(slot.proposal), slot.proposal_grad);
}

/// One full Langevin step for a pointwise target: propose, evaluate, accept.
template <class T, class Target, class Stream>
MC_HD_INLINE step_info<T> langevin_step(const Target& target, const chain_slot<T>& slot,
                                        const T* scale, T step_size, sampler_kind kind,
                                        Stream& rng) {
  const std::size_t dim = target.dim();
  const T forward_logq = langevin_propose(slot, dim, scale, step_size, rng);
  const T proposal_logp = evaluate_proposal(target, slot);
  return langevin_accept(slot, dim, scale, step_size, forward_logq, proposal_logp, kind, rng);
}

}  // namespace manychains
