// The CUDA score engine: one thread per chain runs whole levels (or ULA steps) per launch through
// the same annealed_levels / score_ula the CPU engine calls, on the same Philox subsequence.
// Chains of up to 8 dimensions step in thread-local copies of x and the score scratch, larger
// ones in row-major global arrays (the target's score reads x contiguously).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "manychains/cuda/detail/chain_state.cuh"
#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/devices.hpp"
#include "manychains/philox.hpp"
#include "manychains/score/annealed.hpp"
#include "manychains/score/score_engine.hpp"

namespace manychains::cuda_detail {

/// What one launch runs: levels [first, last) of the schedule, or (ula_steps > 0) ULA steps of h.
template <class T>
struct score_launch {
  annealed_schedule<T> schedule;
  std::size_t first = 0, last = 0;
  T h = 0;
  std::size_t ula_steps = 0;
};

template <class T, class Ref>
__device__ std::uint64_t score_chain(const Ref& target, const score_launch<T>& l, T* x, T* g, std::size_t dim,
                                     philox_stream& rng) {
  if (l.ula_steps > 0) return score_ula(x, g, dim, l.h, l.ula_steps, target, rng);
  return annealed_levels(x, g, dim, l.schedule, l.first, l.last, target, rng);
}

template <class T, class Ref, std::size_t Local>
__global__ void score_steps_kernel(Ref target, score_launch<T> l, T* x, T* g, std::uint64_t* blocks,
                                   unsigned long long* refused, std::size_t n, std::size_t dim, std::uint64_t seed,
                                   std::uint64_t first_chain) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  philox_stream rng{seed, first_chain + c, blocks[c]};
  std::uint64_t bad = 0;
  if constexpr (Local == 0) {
    bad = score_chain(target, l, x + c * dim, g + c * dim, dim, rng);
  } else {
    T xl[Local], gl[Local];
    for (std::size_t j = 0; j < dim; ++j) xl[j] = x[c * dim + j];
    bad = score_chain(target, l, xl, gl, dim, rng);
    for (std::size_t j = 0; j < dim; ++j) x[c * dim + j] = xl[j];
  }
  blocks[c] = rng.block;
  if (bad) atomicAdd(refused, static_cast<unsigned long long>(bad));
}

template <class T, class Ref>
class cuda_score_engine final : public score_engine<T> {
 public:
  template <class MakeRef>
  cuda_score_engine(const std::vector<T>& params, MakeRef make_ref, std::size_t dim, std::size_t n,
                    std::uint64_t seed, std::uint64_t first_chain)
      : dim_(dim), n_(n), seed_(seed), first_chain_(first_chain), x_(n * dim), g_(dim > 8 ? n * dim : 0),
        blocks_(n), refused_(1) {
    params_.upload(params);
    ref_ = make_ref(params_.data());
    blocks_.zero();
  }
  std::string device_name() const override { return cuda_device_name(); }
  std::size_t dim() const override { return dim_; }
  std::size_t chains() const override { return n_; }
  void initialize(const std::vector<T>& positions) override {
    x_.upload(positions);
    blocks_.zero();
  }
  std::uint64_t run_levels(const annealed_schedule<T>& schedule, std::size_t first, std::size_t last) override {
    score_launch<T> l;
    l.schedule = schedule;
    l.first = first;
    l.last = last;
    return launch(l);
  }
  std::uint64_t run_ula(T h, std::size_t steps) override {
    if (steps == 0) return 0;
    score_launch<T> l;
    l.h = h;
    l.ula_steps = steps;
    return launch(l);
  }
  std::vector<T> positions() override { return x_.download(); }

 private:
  std::uint64_t launch(const score_launch<T>& l) {
    refused_.zero();
    const unsigned threads = 128, grid = blocks_for(n_, threads);
    if (dim_ <= 8)
      score_steps_kernel<T, Ref, 8><<<grid, threads>>>(ref_, l, x_.data(), nullptr, blocks_.data(), refused_.data(),
                                                        n_, dim_, seed_, first_chain_);
    else
      score_steps_kernel<T, Ref, 0><<<grid, threads>>>(ref_, l, x_.data(), g_.data(), blocks_.data(),
                                                        refused_.data(), n_, dim_, seed_, first_chain_);
    MC_CUDA_TRY(cudaGetLastError());
    return refused_.download()[0];  // synchronises: the launch's errors surface here
  }

  std::size_t dim_, n_;
  std::uint64_t seed_, first_chain_;
  device_buffer<T> params_, x_, g_;
  device_buffer<std::uint64_t> blocks_;
  device_buffer<unsigned long long> refused_;
  Ref ref_{};
};

}  // namespace manychains::cuda_detail
