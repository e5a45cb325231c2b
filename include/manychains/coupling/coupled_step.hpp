/// \file coupled_step.hpp
/// One step of a pair of coupled RWM or MALA chains (Jacob, O'Leary & Atchadé 2020, §4): the two
/// Gaussian proposals N(m(x), ε² L Lᵀ) and N(m(y), ε² L Lᵀ) are drawn from their
/// reflection-maximal coupling, and both accept steps use one common uniform. Each chain, taken
/// alone, moves by its uncoupled kernel (mh_kernel.hpp: for MALA, langevin.hpp's propose and
/// accept, whatever the preconditioner); once the chains are equal they stay equal, bit for bit,
/// because they then compute the same numbers from the same inputs.
///
/// Reflection-maximal coupling, in the whitened coordinates of the proposal, ξ = L⁻¹(x' − m(x))/ε:
/// with Δ = L⁻¹(m(x) − m(y))/ε, draw ξ ~ N(0, I) and propose x' = m(x) + ε L ξ. With probability
/// min(1, φ(ξ + Δ)/φ(ξ)) the second proposal is x' itself (copied, so equal bit for bit); otherwise
/// it is m(y) + ε L η with η = ξ − 2 (e·ξ) e, e = Δ/|Δ|, the reflection of ξ. Both η's are N(0, I).
///
/// Stream use per step: ⌈d/4⌉ blocks of normals (chain X's, drawn as langevin_step draws them),
/// then one block whose word x is the common accept uniform (langevin_step's) and word y the
/// coupling's uniform. So chain X of a pair moves exactly as langevin_step would move it with the
/// same stream.
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

/// Writes Δ = L⁻¹(m(a) − m(b))/ε into `delta`: L⁻¹(x_a − x_b)/ε, plus (ε/2) Lᵀ(∇_a − ∇_b) for MALA
/// (its mean is m(x) = x + (ε²/2) L Lᵀ ∇log π(x)). Exactly 0 when the chains are equal.
template <class T>
MC_HD_INLINE void whitened_mean_difference(const mh_kernel<T>& k, const chain_slot<T>& a, const chain_slot<T>& b,
                                           strided<T> delta) {
  const bool mala = k.kind == coupled_sampler::mala;
  const T half_eps = T(0.5) * k.step_size, inv_eps = T(1) / k.step_size;
  if (!k.pre.chol) {
    for (std::size_t j = 0; j < k.dim; ++j) {
      const T sj = k.pre.scale[j];
      delta[j] = (a.x[j] - b.x[j]) * inv_eps / sj + (mala ? half_eps * sj * (a.grad[j] - b.grad[j]) : T(0));
    }
    return;
  }
  const T* chol = k.pre.chol;
  for (std::size_t i = 0; i < k.dim; ++i) {  // forward substitution: v = L⁻¹(x_a − x_b)
    T r = a.x[i] - b.x[i];
    for (std::size_t j = 0; j < i; ++j) r -= chol[i * k.dim + j] * delta[j];
    delta[i] = r / chol[i * k.dim + i];
  }
  for (std::size_t i = 0; i < k.dim; ++i) {  // Δ_i needs only v_i of v, so Δ overwrites v in order
    T drift = 0;
    if (mala)
      for (std::size_t j = i; j < k.dim; ++j) drift += chol[j * k.dim + i] * (a.grad[j] - b.grad[j]);
    delta[i] = delta[i] * inv_eps + half_eps * drift;
  }
}

/// Chain X's normals: drawn from the stream as langevin_step draws them, and kept in `xi`.
template <class T, class Stream>
struct recorded_normals {
  Stream& rng;
  strided<T> xi;
  std::size_t dim;
  MC_HD_INLINE void operator()(T z[4], std::size_t k0) const {
    normal4<T>(rng, z);
    for (std::size_t i = 0; i < 4 && k0 + i < dim; ++i) xi[k0 + i] = z[i];
  }
};

/// Chain Y's normals η, already computed in `eta`.
template <class T>
struct given_normals {
  strided<T> eta;
  std::size_t dim;
  MC_HD_INLINE void operator()(T z[4], std::size_t k0) const {
    for (std::size_t i = 0; i < 4; ++i) z[i] = k0 + i < dim ? eta[k0 + i] : T(0);
  }
};

/// One coupled step of chains a and b. When the proposals coincide the target is evaluated once.
/// b.proposal holds ξ (then η) and b.proposal_grad holds Δ until b's proposal is drawn and evaluated.
template <class T, class Target, class Stream>
MC_HD_INLINE coupled_step_info<T> coupled_mh_step(const Target& target, const mh_kernel<T>& k,
                                                  const chain_slot<T>& a, const chain_slot<T>& b,
                                                  Stream& rng) {
  using std::log;
  const strided<T> xi = b.proposal, delta = b.proposal_grad;
  whitened_mean_difference(k, a, b, delta);
  const T forward_a = mh_propose_from(k, a, recorded_normals<T, Stream>{rng, xi, k.dim});
  const words4 w = rng.next4();
  const T u = uniform_open01<T>(w.x);
  T delta_xi = 0, delta2 = 0;
  for (std::size_t j = 0; j < k.dim; ++j) {
    delta_xi += delta[j] * xi[j];
    delta2 += delta[j] * delta[j];
  }
  coupled_step_info<T> info;
  // log φ(ξ + Δ) − log φ(ξ) = −(2 Δ·ξ + |Δ|²)/2
  info.same_proposal = delta2 == T(0) || log(uniform_open01<T>(w.y)) < T(-0.5) * (T(2) * delta_xi + delta2);
  const T c = info.same_proposal ? T(-1) : T(2) * delta_xi / delta2;  // η = ξ − c Δ: ξ + Δ, or the reflection
  for (std::size_t j = 0; j < k.dim; ++j) xi[j] = xi[j] - c * delta[j];
  const T forward_b = mh_propose_from(k, b, given_normals<T>{xi, k.dim});
  const T logp_a = evaluate_proposal(target, a);
  T logp_b;
  if (info.same_proposal) {
    logp_b = logp_a;
    for (std::size_t j = 0; j < k.dim; ++j) {
      b.proposal[j] = a.proposal[j];
      b.proposal_grad[j] = a.proposal_grad[j];
    }
  } else {
    logp_b = evaluate_proposal(target, b);
  }
  info.x = mh_accept(k, a, forward_a, logp_a, u);
  info.y = mh_accept(k, b, forward_b, logp_b, u);
  return info;
}

}  // namespace manychains
