/// \file mh_kernel.hpp
/// Random-walk Metropolis (RWM) and MALA as Metropolis-Hastings kernels whose accept step takes its
/// uniform from outside, so that two chains can share it (coupling/coupled_step.hpp).
///
/// Conventions are those of langevin.hpp: with a diagonal preconditioner s and step size ε the
/// proposal is y = m(x) + ε s ∘ ξ, ξ ~ N(0, I), with mean m(x) = x (RWM) or
/// m(x) = x + (ε²/2) s² ∘ ∇log π(x) (MALA). A proposal whose log-density (or, for MALA, gradient)
/// is not finite is rejected and counted as a divergence. One step reads ⌈d/4⌉ 4-word blocks of
/// normals and one block for the accept uniform (word y), so a stream's position depends only on
/// the step count.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/langevin.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// The two kernels that can be coupled.
enum class coupled_sampler { rwm, mala };

/// Kernel parameters: a trivially copyable view (`scale` points at d values in the backend's memory).
template <class T>
struct mh_kernel {
  coupled_sampler kind;
  std::size_t dim;
  T step_size;
  const T* scale;
};

/// Coordinate j of the proposal mean m(x) of the chain in `s`.
template <class T>
MC_HD_INLINE T proposal_mean(const mh_kernel<T>& k, const chain_slot<T>& s, std::size_t j) {
  if (k.kind == coupled_sampler::rwm) return s.x[j];
  const T sj = k.scale[j];
  return s.x[j] + T(0.5) * k.step_size * k.step_size * sj * sj * s.grad[j];
}

/// Accepts or rejects the proposal in s.proposal (log-density `proposal_logp`, gradient in
/// s.proposal_grad) with the given uniform u ∈ (0, 1). `forward_logq` is -|ξ|²/2 for the ξ that
/// produced the proposal (only MALA uses it).
template <class T>
MC_HD_INLINE step_info<T> mh_accept(const mh_kernel<T>& k, const chain_slot<T>& s, T forward_logq,
                                    T proposal_logp, T u) {
  using std::exp;
  using std::isfinite;
  using std::log;
  step_info<T> info{T(0), false, false};
  bool finite = isfinite(proposal_logp);
  T log_ratio = proposal_logp - *s.logp;
  if (k.kind == coupled_sampler::mala) {
    const T half_eps2 = T(0.5) * k.step_size * k.step_size;
    T reverse_sq = 0;  // |x - m(y)|² in the (ε s)-scaled metric
    for (std::size_t j = 0; j < k.dim && finite; ++j) {
      const T gy = s.proposal_grad[j];
      finite = isfinite(gy);
      const T sj = k.scale[j];
      const T r = (s.x[j] - s.proposal[j] - half_eps2 * sj * sj * gy) / (k.step_size * sj);
      reverse_sq += r * r;
    }
    log_ratio += T(-0.5) * reverse_sq - forward_logq;
  }
  if (!finite) {
    info.divergent = true;
    return info;
  }
  info.accept_prob = log_ratio >= 0 ? T(1) : (isfinite(log_ratio) ? exp(log_ratio) : T(0));
  info.accepted = log(u) < log_ratio;
  if (info.accepted) {
    for (std::size_t j = 0; j < k.dim; ++j) {
      s.x[j] = s.proposal[j];
      s.grad[j] = s.proposal_grad[j];
    }
    *s.logp = proposal_logp;
  }
  return info;
}

/// One uncoupled RWM or MALA step of a pointwise target.
template <class T, class Target, class Stream>
MC_HD_INLINE step_info<T> mh_step(const Target& target, const mh_kernel<T>& k, const chain_slot<T>& s,
                                  Stream& rng) {
  T z[4];
  T sum_z2 = 0;
  for (std::size_t j = 0; j < k.dim; ++j) {
    if (j % 4 == 0) normal4<T>(rng, z);
    const T zj = z[j % 4];
    s.proposal[j] = proposal_mean(k, s, j) + k.step_size * k.scale[j] * zj;
    sum_z2 += zj * zj;
  }
  const T proposal_logp = target.logdensity_grad(as_const(s.proposal), s.proposal_grad);
  const T u = uniform_open01<T>(rng.next4().y);
  return mh_accept(k, s, T(-0.5) * sum_z2, proposal_logp, u);
}

}  // namespace manychains
