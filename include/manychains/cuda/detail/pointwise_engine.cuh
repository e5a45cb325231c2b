// The CUDA engine for pointwise targets: one thread per chain runs many fused Langevin steps per
// launch; the step is the same langevin_step the CPU backend calls. Chains of up to 32 dimensions
// step in thread-local copies of their vectors (local_chain.hpp), larger ones in the
// dimension-major global arrays.
#pragma once

#include "manychains/cuda/detail/cuda_engine_base.cuh"
#include "manychains/cuda/detail/curand_stream.cuh"
#include "manychains/local_chain.hpp"

namespace manychains {

template <class T, class Ref>
__global__ void pointwise_evaluate_kernel(Ref target, const T* x, std::size_t n, T* logp, T* grad) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  logp[c] = target.logdensity_grad(strided<const T>{x + c, n}, strided<T>{grad + c, n});
}

/// `steps` steps of chain c through `slot` (global or local), recording every thin-th position.
template <class T, class Ref, template <class> class View>
__device__ void run_chain_steps(const Ref& target, const device_state_ref<T>& s, std::size_t c,
                                const chain_slot<T, View>& slot, const preconditioner<T>& pre, T step_size,
                                sampler_kind kind, std::size_t steps, std::size_t thin, T* draws,
                                curand_stream& rng) {
  for (std::size_t step = 0; step < steps; ++step) {
    s.tally(c, langevin_step(target, slot, pre, step_size, kind, rng));
    if (draws && (step + 1) % thin == 0) {
      T* out = draws + ((step + 1) / thin - 1) * s.dim * s.n + c;
      for (std::size_t j = 0; j < s.dim; ++j) out[j * s.n] = slot.x[j];
    }
  }
}

/// Steps in the global arrays (any dimension); with Local > 0, in a local_chain<T, Local>
/// (dimension ≤ Local), loaded at the start of the launch and stored at its end.
template <class T, class Ref, std::size_t Local>
__global__ void pointwise_steps_kernel(Ref target, device_state_ref<T> s, preconditioner<T> pre,
                                       step_source<T> step, sampler_kind kind, std::size_t steps, std::size_t thin, T* draws,
                                       std::uint64_t seed, std::uint64_t first_chain) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= s.n) return;
  const T step_size = step.get();
  curand_stream rng(seed, first_chain + c, s.blocks[c]);
  if constexpr (Local == 0) {
    run_chain_steps(target, s, c, s.slot(c), pre, step_size, kind, steps, thin, draws, rng);
  } else {
    local_chain<T, Local> local;
    local.load(s.slot(c), s.dim);
    run_chain_steps(target, s, c, local.slot(), pre, step_size, kind, steps, thin, draws, rng);
    local.store(s.slot(c), s.dim);
  }
  s.blocks[c] = rng.block;
}

template <class T, class Ref>
class cuda_pointwise_engine final : public cuda_engine_base<T> {
 public:
  template <class MakeRef>
  cuda_pointwise_engine(const std::vector<T>& params, MakeRef make_ref, std::size_t dim, chain_range chains,
                        std::uint64_t seed)
      : cuda_engine_base<T>(dim, chains, seed) {
    params_.upload(params);
    ref_ = make_ref(params_.data());
  }

 protected:
  void evaluate(const T* x, std::size_t n, T* logp, T* grad) override {
    pointwise_evaluate_kernel<T, Ref><<<blocks_for(n, 128), 128>>>(ref_, x, n, logp, grad);
    MC_CUDA_TRY(cudaGetLastError());
  }
  void advance(const segment_request<T>& r, std::size_t steps, T* draws) override {
    const std::size_t dim = this->state_.dim;
    if (dim <= 8)
      launch_steps<8>(r, steps, draws);
    else if (dim <= 32)
      launch_steps<32>(r, steps, draws);
    else
      launch_steps<0>(r, steps, draws);
  }

 private:
  template <std::size_t Local>
  void launch_steps(const segment_request<T>& r, std::size_t steps, T* draws) {
    auto& s = this->state_;
    const unsigned threads = chain_block_threads(s.n);
    pointwise_steps_kernel<T, Ref, Local><<<blocks_for(s.n, threads), threads>>>(
        ref_, s.ref(), s.pre(), this->step_of(r), r.kind, steps, r.thin, draws, this->seed_, this->range_.first);
    MC_CUDA_TRY(cudaGetLastError());
  }

  device_buffer<T> params_;
  Ref ref_{};
};

}  // namespace manychains
