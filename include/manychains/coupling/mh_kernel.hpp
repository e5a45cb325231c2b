/// \file mh_kernel.hpp
/// The two Metropolis-Hastings kernels that `converge` couples, with a preconditioner L
/// (M⁻¹ = L Lᵀ, diagonal or dense: the `preconditioner` of langevin.hpp) and step size ε:
///
/// - MALA is langevin.hpp's own kernel: its proposal and accept step are `langevin_propose_from`
///   and `langevin_accept_with`, the functions `sample` runs, with the normals and the accept
///   uniform handed in so that two chains can share them (coupled_step.hpp).
/// - Random-walk Metropolis (RWM), which `sample` does not offer, proposes y = x + ε L z and
///   accepts with probability min(1, π(y)/π(x)).
///
/// A proposal whose log-density (or, for MALA, gradient) is not finite is rejected and counted as
/// a divergence. One step reads ⌈d/4⌉ 4-word blocks of normals and one block whose word x is the
/// accept uniform, as langevin_step does, so an uncoupled MALA step here is langevin_step.
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

/// Kernel parameters: a trivially copyable view (the preconditioner's arrays live in the
/// backend's memory).
template <class T>
struct mh_kernel {
  coupled_sampler kind;
  std::size_t dim;
  T step_size;
  preconditioner<T> pre;
};

/// RWM's proposal y = x + L w, w = ε z, into s.proposal (w kept in s.scratch); returns −|z|²/2.
/// The normals come from `normals`, as in langevin_propose_from.
template <class T, template <class> class View, class Normals>
MC_HD_INLINE T rwm_propose_from(const chain_slot<T, View>& s, std::size_t dim, const preconditioner<T>& pre,
                                T step_size, Normals&& normals) {
  T sum_z2 = 0;
  for (std::size_t k0 = 0; k0 < dim; k0 += 4) {
    T z[4];
    normals(z, k0);
    const std::size_t used = dim - k0 < 4 ? dim - k0 : 4;
    for (std::size_t i = 0; i < used; ++i) {
      sum_z2 += z[i] * z[i];
      s.scratch[k0 + i] = step_size * z[i];
    }
  }
  add_factor_times(pre, s.x, s.scratch, s.proposal, dim);
  return T(-0.5) * sum_z2;
}

/// The kernel's proposal from the given normals; returns −|z|²/2.
template <class T, template <class> class View, class Normals>
MC_HD_INLINE T mh_propose_from(const mh_kernel<T>& k, const chain_slot<T, View>& s, Normals&& normals) {
  if (k.kind == coupled_sampler::mala) return langevin_propose_from(s, k.dim, k.pre, k.step_size, normals);
  return rwm_propose_from(s, k.dim, k.pre, k.step_size, normals);
}

/// Accepts or rejects the evaluated proposal (log-density `proposal_logp`, gradient in
/// s.proposal_grad) with the given uniform u ∈ (0, 1); `forward_logq` is what the proposal returned.
template <class T, template <class> class View>
MC_HD_INLINE step_info<T> mh_accept(const mh_kernel<T>& k, const chain_slot<T, View>& s, T forward_logq,
                                    T proposal_logp, T u) {
  using std::isfinite;
  if (k.kind == coupled_sampler::mala)
    return langevin_accept_with(s, k.dim, k.pre, k.step_size, forward_logq, proposal_logp, sampler_kind::mala, u);
  if (!isfinite(proposal_logp)) return step_info<T>{T(0), false, true};
  return metropolis_update(s, k.dim, proposal_logp - *s.logp, proposal_logp, false, u);
}

/// One uncoupled step of a pointwise target: for MALA, langevin_step itself.
template <class T, class Target, class Stream>
MC_HD_INLINE step_info<T> mh_step(const Target& target, const mh_kernel<T>& k, const chain_slot<T>& s,
                                  Stream& rng) {
  if (k.kind == coupled_sampler::mala) return langevin_step(target, s, k.pre, k.step_size, sampler_kind::mala, rng);
  const T forward_logq = rwm_propose_from(s, k.dim, k.pre, k.step_size, stream_normals<Stream>{rng});
  const T proposal_logp = evaluate_proposal(target, s);
  return mh_accept(k, s, forward_logq, proposal_logp, uniform_open01<T>(rng.next4().x));
}

}  // namespace manychains
