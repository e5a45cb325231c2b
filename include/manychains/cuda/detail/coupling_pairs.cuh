// The CUDA backend of the L-lag coupling estimator: one thread per unfinished pair continues it
// (continue_lag_pair, the host-device function the CPU backend calls too) for a
// segment of steps; then the pairs still running are packed into a shorter list for the next
// segment. Meeting times spread widely (on the O-ring a warp's slowest pair takes ~9x its mean),
// so a warp kept to the end would idle most of its lanes. State is dimension-major
// (x[j * pairs + p]); each pair draws from its own philox_stream, so segments change nothing.
// A template over the target's ref, instantiated by MANYCHAINS_CUDA_COUPLING (cuda/target.cuh).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/sequence.h>

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

/// Threads a block. With at least 3 blocks an SM (at most 170 registers a thread) the kernel
/// keeps 12 warps an SM resident without spilling; left free, ptxas gave some targets 252-254.
inline constexpr unsigned lag_pairs_threads = 128;

/// One segment: the pairs active[0, count) each run on for at most `budget` steps of X.
template <class T, class Ref>
__global__ void __launch_bounds__(lag_pairs_threads, 3)
    lag_pairs_kernel(Ref target, pair_state_ref<T> state, mh_kernel<T> kernel, start_box<T> box, std::uint64_t lag,
                     std::uint64_t max_steps, std::uint64_t seed, std::uint64_t first_pair,
                     const std::uint32_t* active, std::size_t count, std::uint64_t budget,
                     lag_pair_progress* progress, std::uint64_t* blocks) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  const std::size_t p = active[i];
  philox_stream rng{seed, first_pair + p, blocks[p]};
  lag_pair_progress pair = progress[p];
  continue_lag_pair(target, kernel, box, lag, max_steps, state.slot(p, 0), state.slot(p, 1), rng, pair, budget);
  progress[p] = pair;
  blocks[p] = rng.block;
}

/// Whether pair p is still running (for packing the active list).
struct pair_unfinished {
  const lag_pair_progress* progress;
  __device__ bool operator()(std::uint32_t p) const { return progress[p].stage != 2; }
};

/// Steps of X in the first segment; each next one is twice as long, up to pair_segment_steps.
inline constexpr std::uint64_t first_segment_steps = 32;

/// Runs the pairs of the resolved settings `s` for `ref` (on the device) into `out`. Returns
/// false when s.stop ended the run before every pair finished.
template <class T, class Ref>
bool run_pairs(const Ref& ref, const coupling_settings& s, std::vector<pair_outcome>& out) {
  const std::size_t n = s.pairs, d = s.scale.size();
  device_buffer<T> scale, chol, center, radius, values(10 * d * n), logp(2 * n);
  scale.upload(std::vector<T>(s.scale.begin(), s.scale.end()));
  if (!s.chol.empty()) chol.upload(std::vector<T>(s.chol.begin(), s.chol.end()));
  center.upload(std::vector<T>(s.init_center.begin(), s.init_center.end()));
  radius.upload(std::vector<T>(s.init_radius.begin(), s.init_radius.end()));
  device_buffer<lag_pair_progress> progress(n);
  device_buffer<std::uint64_t> blocks(n);
  device_buffer<std::uint32_t> active(n), packed(n);  // pairs <= 2^31 (the CLI's limit)
  progress.zero();  // zero bytes: not started
  blocks.zero();
  thrust::sequence(thrust::device, thrust::device_pointer_cast(active.data()),
                   thrust::device_pointer_cast(active.data()) + n, std::uint32_t(0));
  const mh_kernel<T> kernel{s.sampler, d, static_cast<T>(s.step_size),
                            preconditioner<T>{scale.data(), s.chol.empty() ? nullptr : chol.data()}};
  const start_box<T> box{center.data(), radius.data()};
  const pair_state_ref<T> state{values.data(), logp.data(), n, d};
  const unsigned threads = lag_pairs_threads;
  std::uint32_t *now = active.data(), *next = packed.data();
  std::size_t count = n;
  for (std::uint64_t budget = first_segment_steps; count > 0;
       budget = std::min(2 * budget, pair_segment_steps)) {
    const unsigned grid = static_cast<unsigned>((count + threads - 1) / threads);
    lag_pairs_kernel<T, Ref><<<grid, threads>>>(ref, state, kernel, box, s.lag, s.max_steps, s.seed, s.first_pair,
                                                now, count, budget, progress.data(), blocks.data());
    MC_CUDA_TRY(cudaGetLastError());
    const auto from = thrust::device_pointer_cast(now);
    const auto to = thrust::device_pointer_cast(next);
    // copy_if keeps the order, so pairs stay in index order and reads stay close together.
    count = static_cast<std::size_t>(
        thrust::copy_if(thrust::device, from, from + count, to, pair_unfinished{progress.data()}) - to);
    std::swap(now, next);
    if (s.poll) s.poll(n - count, n);
    if (count > 0 && s.stop && s.stop->load()) break;
  }
  MC_CUDA_TRY(cudaDeviceSynchronize());
  const std::vector<lag_pair_progress> done = progress.download();
  out.resize(n);
  for (std::size_t p = 0; p < n; ++p) out[p] = done[p].out;
  return count == 0;
}

}  // namespace manychains::cuda_detail
