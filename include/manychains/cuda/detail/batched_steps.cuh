// The two halves of a Langevin step for batched targets, whose log-density and gradient are
// evaluated for all chains at once between them (the logistic engine's GEMMs, a model file's
// kernel): one thread per chain, the per-chain math the CPU backend's langevin_propose /
// langevin_accept.
#pragma once

#include "manychains/cuda/detail/chain_state.cuh"
#include "manychains/cuda/detail/curand_stream.cuh"
#include "manychains/engine.hpp"
#include "manychains/langevin.hpp"

namespace manychains {

template <class T>
__global__ void propose_kernel(device_state_ref<T> s, preconditioner<T> pre, step_source<T> step,
                               std::uint64_t seed, std::uint64_t first_chain) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= s.n) return;
  curand_stream rng(seed, first_chain + c, s.blocks[c]);
  s.forward_logq[c] = langevin_propose(s.slot(c), s.dim, pre, step.get(), rng);
  s.blocks[c] = rng.block;
}

template <class T>
__global__ void accept_kernel(device_state_ref<T> s, preconditioner<T> pre, step_source<T> step, sampler_kind kind,
                              std::uint64_t seed, std::uint64_t first_chain, T* draw_out) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= s.n) return;
  curand_stream rng(seed, first_chain + c, s.blocks[c]);
  const chain_slot<T> slot = s.slot(c);
  s.tally(c, langevin_accept(slot, s.dim, pre, step.get(), s.forward_logq[c], s.proposal_logp[c], kind, rng));
  s.blocks[c] = rng.block;
  if (draw_out)
    for (std::size_t j = 0; j < s.dim; ++j) draw_out[j * s.n + c] = slot.x[j];
}

/// `steps` steps of every chain: propose, `evaluate(x, n, logp, grad)` at all proposals, accept;
/// with `draws`, the state after every thin-th step at draws[(k * dim + j) * n + c].
template <class T, class Evaluate>
void run_batched_steps(device_chain_state<T>& s, const segment_request<T>& r, step_source<T> step,
                       std::size_t steps, T* draws, std::uint64_t seed, std::uint64_t first_chain,
                       Evaluate&& evaluate) {
  const unsigned threads = chain_block_threads(s.n), grid = blocks_for(s.n, threads);
  for (std::size_t k = 0; k < steps; ++k) {
    propose_kernel<T><<<grid, threads>>>(s.ref(), s.pre(), step, seed, first_chain);
    evaluate(s.proposal.data(), s.n, s.proposal_logp.data(), s.proposal_grad.data());
    T* out = draws && (k + 1) % r.thin == 0 ? draws + ((k + 1) / r.thin - 1) * s.dim * s.n : nullptr;
    accept_kernel<T><<<grid, threads>>>(s.ref(), s.pre(), step, r.kind, seed, first_chain, out);
    MC_CUDA_TRY(cudaGetLastError());
  }
}

}  // namespace manychains
