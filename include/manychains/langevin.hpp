/// \file langevin.hpp
/// Unadjusted (ULA) and Metropolis-adjusted (MALA) Langevin steps, as host-device functions.
///
/// With a preconditioner L (M⁻¹ = L Lᵀ; diagonal L = diag(s) by default) and step size ε, both
/// propose y = x + (ε²/2) L Lᵀ ∇log π(x) + ε L z with z ~ N(0, I). MALA accepts y with
/// probability min(1, π(y) q(x|y) / (π(x) q(y|x))); ULA always moves. A proposal whose log-density
/// or gradient is not finite is rejected and counted as a divergence, for both.
///
/// A step is split into `langevin_propose` and `langevin_accept` so that batched targets can
/// evaluate all chains' proposals at once in between; `langevin_step` fuses the three for
/// pointwise targets. `langevin_propose_from` and `langevin_accept_with` take the normals and the
/// uniform from outside instead of the stream: the coupled chains of `converge`
/// (coupling/coupled_step.hpp) move by these same functions. Each step reads one 4-word block per 4 dimensions, plus one block for the
/// accept test (MALA only), so a chain's stream position depends only on the step count.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "manychains/config.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/strided.hpp"

namespace manychains {

enum class sampler_kind { mala, ula };

/// One chain's storage: current position, its gradient, the proposal and its gradient, as
/// `strided` (GPU) or `contiguous` (CPU) views.
template <class T, template <class> class View = strided>
struct chain_slot {
  View<T> x, grad, proposal, proposal_grad;
  T* logp;          ///< cached log-density at x
  View<T> scratch;  ///< the proposal's whitened increment w (y = x + L w)
};

/// The proposal's covariance factor: M⁻¹ = L Lᵀ. Diagonal (L = diag(scale)) when `chol` is null,
/// else `chol` is the lower-triangular L, d×d row-major, and costs O(d²) a step.
template <class T>
struct preconditioner {
  const T* scale;
  const T* chol;
};

/// What a step did; summed over chains by the runner.
template <class T>
struct step_info {
  T accept_prob;  ///< MALA's acceptance probability (also computed, not used, by ULA)
  bool accepted;
  bool divergent;
};

/// Stream blocks one step reads: one per 4 dimensions, plus MALA's accept test.
MC_HD_INLINE std::uint64_t blocks_per_step(std::size_t dim, sampler_kind kind) {
  return (dim + 3) / 4 + (kind == sampler_kind::mala ? 1 : 0);
}

/// (Lᵀ v)_k for a dense (lower-triangular) L.
template <class T, class V>
MC_HD_INLINE T dense_transpose_times(const T* chol, V v, std::size_t dim, std::size_t k) {
  T sum = 0;
  for (std::size_t j = k; j < dim; ++j) sum += chol[j * dim + k] * v[j];
  return sum;
}

// The diagonal and dense cases run as separate loops, so that the diagonal ones vectorise.

/// out = x + L w, diagonal or dense (the last part of every proposal).
template <class T, class X, class W, class Out>
MC_HD_INLINE void add_factor_times(const preconditioner<T>& pre, X x, W w, Out out, std::size_t dim) {
  if (!pre.chol) {
    for (std::size_t i = 0; i < dim; ++i) out[i] = x[i] + pre.scale[i] * w[i];
  } else {
    for (std::size_t i = 0; i < dim; ++i) {
      T step = 0;
      for (std::size_t k = 0; k <= i; ++k) step += pre.chol[i * dim + k] * w[k];
      out[i] = x[i] + step;
    }
  }
}

/// The standard normals of a proposal drawn from a stream, four per block: `sample`'s source.
/// A source is called once per block of four coordinates, starting at coordinate k0, in order.
template <class Stream>
struct stream_normals {
  Stream& rng;
  template <class T>
  MC_HD_INLINE void operator()(T z[4], std::size_t /*k0*/) const {
    normal4<T>(rng, z);
  }
};

/// Adds ε z to the whitened increment w, z ~ N(0, I) from `normals`, four per block; returns |z|².
template <class T, class W, class Normals>
MC_HD_INLINE T add_noise_from(W w, std::size_t dim, T step_size, Normals&& normals) {
  T sum_z2 = 0;
  for (std::size_t k0 = 0; k0 < dim; k0 += 4) {  // four normals per stream block
    T z[4];
    normals(z, k0);
    const std::size_t used = dim - k0 < 4 ? dim - k0 : 4;
    T block_z2 = 0;  // short sums, independent across blocks, keep the adds in flight together
    for (std::size_t i = 0; i < used; ++i) {
      block_z2 += z[i] * z[i];
      w[k0 + i] += step_size * z[i];
    }
    sum_z2 += block_z2;
  }
  return sum_z2;
}

/// add_noise_from with the normals drawn from the chain's stream (the CPU's batched dense step
/// draws them apart from the rest of the proposal).
template <class T, class W, class Stream>
MC_HD_INLINE T add_langevin_noise(W w, std::size_t dim, T step_size, Stream& rng) {
  return add_noise_from(w, dim, step_size, stream_normals<Stream>{rng});
}

/// Draws the proposal y = x + L w, w = (ε²/2) Lᵀ ∇log π(x) + ε z, into slot.proposal and keeps w
/// in slot.scratch for the reverse move; returns the forward log proposal density −|z|²/2 (up to
/// a constant shared with the reverse move). The normals z come from `normals` (stream_normals,
/// or a coupling's); slot.proposal is written only after the last of them has been taken.
template <class T, template <class> class View, class Normals>
MC_HD_INLINE T langevin_propose_from(const chain_slot<T, View>& slot, std::size_t dim, const preconditioner<T>& pre,
                                     T step_size, Normals&& normals) {
  const T half_eps2 = T(0.5) * step_size * step_size;
  if (!pre.chol) {
    for (std::size_t k = 0; k < dim; ++k) slot.scratch[k] = half_eps2 * pre.scale[k] * slot.grad[k];
  } else {
    for (std::size_t k = 0; k < dim; ++k) slot.scratch[k] = half_eps2 * dense_transpose_times(pre.chol, slot.grad, dim, k);
  }
  const T sum_z2 = add_noise_from(slot.scratch, dim, step_size, normals);
  add_factor_times(pre, slot.x, slot.scratch, slot.proposal, dim);
  return T(-0.5) * sum_z2;
}

/// langevin_propose_from with the normals drawn from the chain's stream.
template <class T, template <class> class View, class Stream>
MC_HD_INLINE T langevin_propose(const chain_slot<T, View>& slot, std::size_t dim, const preconditioner<T>& pre,
                                T step_size, Stream& rng) {
  return langevin_propose_from(slot, dim, pre, step_size, stream_normals<Stream>{rng});
}

/// |z'|² of the reverse move x = y + (ε²/2) L Lᵀ ∇log π(y) + ε L z'. Since x − y = −L w,
/// z' = −(w + (ε²/2) Lᵀ ∇log π(y)) / ε needs no solve. Not finite when ∇log π(y) is not.
template <class T, template <class> class View>
MC_HD_INLINE T reverse_norm2(const chain_slot<T, View>& slot, std::size_t dim, const preconditioner<T>& pre,
                             T step_size) {
  const T half_eps2 = T(0.5) * step_size * step_size, inv_eps = T(1) / step_size;
  T sum = 0;
  if (!pre.chol) {
    MC_SIMD_SUM(sum)
    for (std::size_t k = 0; k < dim; ++k) {
      const T r = (slot.scratch[k] + half_eps2 * pre.scale[k] * slot.proposal_grad[k]) * inv_eps;
      sum += r * r;
    }
  } else {
    for (std::size_t k = 0; k < dim; ++k) {
      const T r = (slot.scratch[k] + half_eps2 * dense_transpose_times(pre.chol, slot.proposal_grad, dim, k)) * inv_eps;
      sum += r * r;
    }
  }
  return sum;
}

/// The Metropolis decision log u < log_ratio (`always`: ULA, accept whatever u), moving the chain
/// to its evaluated proposal when accepted.
template <class T, template <class> class View>
MC_HD_INLINE step_info<T> metropolis_update(const chain_slot<T, View>& slot, std::size_t dim, T log_ratio,
                                            T proposal_logp, bool always, T u) {
  using std::exp;
  using std::isfinite;
  using std::log;
  step_info<T> info{T(0), false, false};
  info.accept_prob = log_ratio >= 0 ? T(1) : (isfinite(log_ratio) ? exp(log_ratio) : T(0));
  info.accepted = always || log(u) < log_ratio;
  if (info.accepted) {
    for (std::size_t j = 0; j < dim; ++j) {
      slot.x[j] = slot.proposal[j];
      slot.grad[j] = slot.proposal_grad[j];
    }
    *slot.logp = proposal_logp;
  }
  return info;
}

/// The accept test given the reverse move's |z'|² (however it was computed: the CPU's dense path
/// gets Lᵀ ∇log π(y) for all chains from one matrix product) and the uniform u ∈ (0, 1) from
/// outside (two coupled chains share one; ULA ignores it).
template <class T, template <class> class View>
MC_HD_INLINE step_info<T> langevin_decide_with(const chain_slot<T, View>& slot, std::size_t dim, T reverse_sq,
                                               T forward_logq, T proposal_logp, sampler_kind kind, T u) {
  using std::isfinite;
  if (!(isfinite(proposal_logp) && isfinite(reverse_sq))) return step_info<T>{T(0), false, true};
  const T log_ratio = proposal_logp - *slot.logp + T(-0.5) * reverse_sq - forward_logq;
  return metropolis_update(slot, dim, log_ratio, proposal_logp, kind == sampler_kind::ula, u);
}

/// langevin_decide_with, its uniform read from the chain's stream.
template <class T, template <class> class View, class Stream>
MC_HD_INLINE step_info<T> langevin_decide(const chain_slot<T, View>& slot, std::size_t dim, T reverse_sq,
                                          T forward_logq, T proposal_logp, sampler_kind kind, Stream& rng) {
  // MALA always reads its uniform, so the stream position never depends on the outcome.
  const T u = kind == sampler_kind::mala ? uniform_open01<T>(rng.next4().x) : T(0);
  return langevin_decide_with(slot, dim, reverse_sq, forward_logq, proposal_logp, kind, u);
}

/// Accepts or rejects the proposal whose log-density `proposal_logp` and gradient
/// (slot.proposal_grad) have been evaluated, with the uniform u given from outside.
template <class T, template <class> class View>
MC_HD_INLINE step_info<T> langevin_accept_with(const chain_slot<T, View>& slot, std::size_t dim,
                                               const preconditioner<T>& pre, T step_size, T forward_logq,
                                               T proposal_logp, sampler_kind kind, T u) {
  return langevin_decide_with(slot, dim, reverse_norm2(slot, dim, pre, step_size), forward_logq, proposal_logp,
                              kind, u);
}

/// langevin_accept_with, its uniform read from the chain's stream.
template <class T, template <class> class View, class Stream>
MC_HD_INLINE step_info<T> langevin_accept(const chain_slot<T, View>& slot, std::size_t dim,
                                          const preconditioner<T>& pre, T step_size, T forward_logq,
                                          T proposal_logp, sampler_kind kind, Stream& rng) {
  return langevin_decide(slot, dim, reverse_norm2(slot, dim, pre, step_size), forward_logq, proposal_logp, kind,
                         rng);
}

/// Evaluates a pointwise target at the proposal, writing its gradient into slot.proposal_grad.
template <class T, template <class> class View, class Target>
MC_HD_INLINE T evaluate_proposal(const Target& target, const chain_slot<T, View>& slot) {
  return target.logdensity_grad(as_const(slot.proposal), slot.proposal_grad);
}

/// One full Langevin step for a pointwise target: propose, evaluate, accept.
template <class T, template <class> class View, class Target, class Stream>
MC_HD_INLINE step_info<T> langevin_step(const Target& target, const chain_slot<T, View>& slot,
                                        const preconditioner<T>& pre, T step_size, sampler_kind kind,
                                        Stream& rng) {
  const std::size_t dim = target.dim();
  const T forward_logq = langevin_propose(slot, dim, pre, step_size, rng);
  const T proposal_logp = evaluate_proposal(target, slot);
  return langevin_accept(slot, dim, pre, step_size, forward_logq, proposal_logp, kind, rng);
}

/// The same step with a diagonal preconditioner given as its scale vector.
template <class T, template <class> class View, class Target, class Stream>
MC_HD_INLINE step_info<T> langevin_step(const Target& target, const chain_slot<T, View>& slot, const T* scale,
                                        T step_size, sampler_kind kind, Stream& rng) {
  return langevin_step(target, slot, preconditioner<T>{scale, nullptr}, step_size, kind, rng);
}

}  // namespace manychains
