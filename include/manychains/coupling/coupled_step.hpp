/// \file coupled_step.hpp
/// One step of a pair of coupled RWM or MALA chains (Jacob, O'Leary & Atchadé 2020, §4): the two
/// Gaussian proposals N(m(x), ε²S²) and N(m(y), ε²S²), S = diag(s), are drawn from their
/// reflection-maximal coupling, and both accept steps use one common uniform. Each chain, taken
/// alone, moves by its uncoupled kernel (mh_kernel.hpp); once the chains are equal they stay
/// equal, bit for bit, because they then compute the same numbers from the same inputs.
///
/// Reflection-maximal coupling, in the standardised coordinates ξ = (y' - m)/(ε s): with
/// Δ = (m(x) - m(y))/(ε s), draw ξ ~ N(0, I) and set x' = m(x) + ε s ξ. With probability
/// min(1, φ(ξ + Δ)/φ(ξ)) the second proposal is x' itself (copied, so equal bit for bit); otherwise
/// it is m(y) + ε s η with η = ξ - 2 (e·ξ) e, e = Δ/|Δ|, the reflection of ξ. Both η's are N(0, I).
///
/// Stream use per step: ⌈d/4⌉ blocks of normals, then one block whose word x is the coupling's
/// uniform and word y the common accept uniform.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/coupling/mh_kernel.hpp"

namespace manychains {

/// What a coupled step did.
template <class T>
struct coupled_step_info {
  step_info<T> x, y;     ///< each chain's accept step
  bool same_proposal;    ///< the coupling proposed the same point to both chains
};

/// Whether the two chains are at the same point (bit for bit).
template <class T>
MC_HD_INLINE bool same_position(const chain_slot<T>& a, const chain_slot<T>& b, std::size_t dim) {
  for (std::size_t j = 0; j < dim; ++j)
    if (!(a.x[j] == b.x[j])) return false;
  return true;
}

/// Draws the two proposals from the reflection-maximal coupling into a.proposal and b.proposal;
/// writes the forward log proposal densities -|ξ|²/2 of each and returns whether they are equal.
template <class T, class Stream>
MC_HD_INLINE bool reflection_maximal_proposals(const mh_kernel<T>& k, const chain_slot<T>& a,
                                               const chain_slot<T>& b, Stream& rng, T* forward_a,
                                               T* forward_b, T* accept_uniform) {
  using std::log;
  T z[4];
  T xi2 = 0, delta_xi = 0, delta2 = 0;
  for (std::size_t j = 0; j < k.dim; ++j) {  // pass 1: ξ, x' and the sums; ξ waits in b.proposal
    if (j % 4 == 0) normal4<T>(rng, z);
    const T xi = z[j % 4];
    const T sigma = k.step_size * k.scale[j];
    const T ma = proposal_mean(k, a, j);
    const T delta = (ma - proposal_mean(k, b, j)) / sigma;
    a.proposal[j] = ma + sigma * xi;
    b.proposal[j] = xi;
    xi2 += xi * xi;
    delta_xi += delta * xi;
    delta2 += delta * delta;
  }
  const words4 w = rng.next4();
  *accept_uniform = uniform_open01<T>(w.y);
  *forward_a = T(-0.5) * xi2;
  // log φ(ξ + Δ) - log φ(ξ) = -(2 Δ·ξ + |Δ|²)/2
  const bool same = delta2 == T(0) || log(uniform_open01<T>(w.x)) < T(-0.5) * (T(2) * delta_xi + delta2);
  if (same) {
    for (std::size_t j = 0; j < k.dim; ++j) b.proposal[j] = a.proposal[j];
    *forward_b = T(-0.5) * (xi2 + T(2) * delta_xi + delta2);  // -|ξ + Δ|²/2
    return true;
  }
  const T c = T(2) * delta_xi / delta2;  // η = ξ - c Δ
  for (std::size_t j = 0; j < k.dim; ++j) {
    const T sigma = k.step_size * k.scale[j];
    const T mb = proposal_mean(k, b, j);
    const T delta = (proposal_mean(k, a, j) - mb) / sigma;
    const T eta = b.proposal[j] - c * delta;
    b.proposal[j] = mb + sigma * eta;
  }
  *forward_b = T(-0.5) * xi2;  // a reflection keeps |η| = |ξ|
  return false;
}

/// One coupled step of chains a and b. When the proposals coincide the target is evaluated once.
template <class T, class Target, class Stream>
MC_HD_INLINE coupled_step_info<T> coupled_mh_step(const Target& target, const mh_kernel<T>& k,
                                                  const chain_slot<T>& a, const chain_slot<T>& b,
                                                  Stream& rng) {
  T forward_a, forward_b, u;
  coupled_step_info<T> info;
  info.same_proposal = reflection_maximal_proposals(k, a, b, rng, &forward_a, &forward_b, &u);
  const T logp_a = target.logdensity_grad(as_const(a.proposal), a.proposal_grad);
  T logp_b;
  if (info.same_proposal) {
    logp_b = logp_a;
    for (std::size_t j = 0; j < k.dim; ++j) b.proposal_grad[j] = a.proposal_grad[j];
  } else {
    logp_b = target.logdensity_grad(as_const(b.proposal), b.proposal_grad);
  }
  info.x = mh_accept(k, a, forward_a, logp_a, u);
  info.y = mh_accept(k, b, forward_b, logp_b, u);
  return info;
}

}  // namespace manychains
