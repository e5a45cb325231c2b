// The CUDA backend of the L-lag coupling estimator: one thread per pair runs run_lag_pair, the
// same host-device function the CPU backend calls, from the pair's start to its meeting (or
// max_steps) in a single launch. State is dimension-major (x[j * pairs + p]) so that
// neighbouring threads touch neighbouring addresses; each pair draws from its own philox_stream.
// A template over the target's ref, instantiated by MANYCHAINS_CUDA_COUPLING (cuda/target.cuh).
#pragma once

#include <vector>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/cuda_try.hpp"

namespace manychains::cuda_detail {


/// Device pointers of the pairs' state: 10 arrays of d × n values (x, grad, proposal,
/// proposal_grad and scratch of chain X, then of chain Y) and 2 × n log-densities.
template <class T>
struct pair_state_ref {
  T* values;
  T* logp;
  std::size_t n, dim;

  __device__ chain_slot<T> slot(std::size_t p, int chain) const {
    const std::size_t block = dim * n;
    T* base = values + static_cast<std::size_t>(5 * chain) * block + p;
    return chain_slot<T>{{base, n}, {base + block, n}, {base + 2 * block, n}, {base + 3 * block, n},
                         logp + chain * n + p, {base + 4 * block, n}};
  }
};

template <class T, class Ref>
__global__ void lag_pairs_kernel(Ref target, pair_state_ref<T> state, mh_kernel<T> kernel, start_box<T> box,
                                 std::uint64_t lag, std::uint64_t max_steps, std::uint64_t seed,
                                 std::uint64_t first_pair, pair_outcome* out) {
  const std::size_t p = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (p >= state.n) return;
  philox_stream rng{seed, first_pair + p, 0};
  out[p] = run_lag_pair(target, kernel, box, lag, max_steps, state.slot(p, 0), state.slot(p, 1), rng);
}

/// Runs the pairs of the resolved settings `s` for `ref` (on the device) into `out`.
template <class T, class Ref>
void run_pairs(const Ref& ref, const coupling_settings& s, std::vector<pair_outcome>& out) {
  const std::size_t n = s.pairs, d = s.scale.size();
  device_buffer<T> scale, chol, center, radius, values(10 * d * n), logp(2 * n);
  scale.upload(std::vector<T>(s.scale.begin(), s.scale.end()));
  if (!s.chol.empty()) chol.upload(std::vector<T>(s.chol.begin(), s.chol.end()));
  center.upload(std::vector<T>(s.init_center.begin(), s.init_center.end()));
  radius.upload(std::vector<T>(s.init_radius.begin(), s.init_radius.end()));
  device_buffer<pair_outcome> outcomes(n);
  const mh_kernel<T> kernel{s.sampler, d, static_cast<T>(s.step_size),
                            preconditioner<T>{scale.data(), s.chol.empty() ? nullptr : chol.data()}};
  const start_box<T> box{center.data(), radius.data()};
  const unsigned threads = 128;
  const unsigned blocks = static_cast<unsigned>((n + threads - 1) / threads);
  lag_pairs_kernel<T, Ref><<<blocks, threads>>>(ref, pair_state_ref<T>{values.data(), logp.data(), n, d}, kernel, box,
                                                s.lag, s.max_steps, s.seed, s.first_pair, outcomes.data());
  MC_CUDA_TRY(cudaGetLastError());
  MC_CUDA_TRY(cudaDeviceSynchronize());
  out = outcomes.download();
}

}  // namespace manychains::cuda_detail
