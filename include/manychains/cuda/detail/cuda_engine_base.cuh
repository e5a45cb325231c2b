// What every CUDA engine shares: state upload/download, per-segment totals (per chain, or summed
// on the device), and draws recorded on the device in bounded chunks, copied out while the next
// chunk samples, then transposed into the host's (chains, draws, dim) buffer on all host threads.
#pragma once

#include <algorithm>
#include <string>

#include <cub/block/block_reduce.cuh>

#include "manychains/cuda/detail/chain_state.cuh"
#include "manychains/cuda/detail/draw_transpose.hpp"
#include "manychains/engine.hpp"

namespace manychains {

std::string cuda_device_name();

/// One block sums the per-chain totals in a fixed order (the same sum on every run); the sums are
/// valid in thread 0. With `reset`, the per-chain totals are zeroed for the next step.
template <int Threads>
__device__ pooled_totals block_pool_totals(double* accept_prob, std::uint64_t* accepted, std::uint64_t* divergent,
                                           std::size_t n, bool reset) {
  using reduce_double = cub::BlockReduce<double, Threads>;
  using reduce_count = cub::BlockReduce<unsigned long long, Threads>;
  __shared__ union {
    typename reduce_double::TempStorage d;
    typename reduce_count::TempStorage u;
  } temp;
  double a = 0;
  unsigned long long acc = 0, div = 0;
  for (std::size_t c = threadIdx.x; c < n; c += Threads) {
    a += accept_prob[c];
    acc += accepted[c];
    div += divergent[c];
    if (reset) accept_prob[c] = 0, accepted[c] = 0, divergent[c] = 0;
  }
  const double total_accept = reduce_double(temp.d).Sum(a);
  __syncthreads();
  const unsigned long long total_accepted = reduce_count(temp.u).Sum(acc);
  __syncthreads();
  const unsigned long long total_divergent = reduce_count(temp.u).Sum(div);
  return pooled_totals{total_accept, total_accepted, total_divergent};
}

template <int Threads>
__global__ void pool_totals_kernel(double* accept_prob, std::uint64_t* accepted, std::uint64_t* divergent,
                                   std::size_t n, pooled_totals* out) {
  const pooled_totals p = block_pool_totals<Threads>(accept_prob, accepted, divergent, n, false);
  if (threadIdx.x == 0) *out = p;
}

/// Warm-up, after each step: the step's totals adapt the next step's size, on the device.
template <int Threads>
__global__ void adapt_step_kernel(double* accept_prob, std::uint64_t* accepted, std::uint64_t* divergent,
                                  std::size_t n, step_adaptation* adaptation) {
  const pooled_totals p = block_pool_totals<Threads>(accept_prob, accepted, divergent, n, true);
  if (threadIdx.x == 0) adaptation->observe(p.accept_prob, p.divergent);
}

template <class T>
class cuda_engine_base : public chain_engine<T> {
 public:
  cuda_engine_base(std::size_t dim, chain_range chains, std::uint64_t seed) : range_(chains), seed_(seed) {
    state_.resize(chains.size(), dim);
  }
  ~cuda_engine_base() override {
    if (copy_stream_) cudaStreamDestroy(copy_stream_);
  }
  cuda_engine_base(const cuda_engine_base&) = delete;
  cuda_engine_base& operator=(const cuda_engine_base&) = delete;

  std::string device_name() const override { return cuda_device_name(); }
  std::size_t dim() const override { return state_.dim; }
  chain_range chains() const override { return range_; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    const std::size_t n = positions.size() / state_.dim;
    device_buffer<T> x, grad(positions.size()), lp(n);
    x.upload(to_dimension_major(positions, n, state_.dim));
    evaluate(x.data(), n, lp.data(), grad.data());
    return lp.download();
  }

  void initialize(const std::vector<T>& positions, const std::vector<std::uint64_t>& blocks) override {
    state_.x.upload(to_dimension_major(positions, state_.n, state_.dim));
    state_.blocks.upload(blocks);
    evaluate(state_.x.data(), state_.n, state_.logp.data(), state_.grad.data());
  }

  segment_result run(const segment_request<T>& request) override {
    run_steps(request);
    MC_CUDA_TRY(cudaDeviceSynchronize());
    return segment_result{state_.accept_prob.download(), state_.accepted.download(), state_.divergent.download()};
  }

  pooled_totals run_pooled(const segment_request<T>& request) override {
    run_steps(request);
    pool_totals_kernel<256><<<1, 256>>>(state_.accept_prob.data(), state_.accepted.data(), state_.divergent.data(),
                                        state_.n, pooled_.data());
    MC_CUDA_TRY(cudaGetLastError());
    return pooled_.download().front();  // synchronises
  }

  /// The steps are queued back to back, each followed by a one-block kernel that pools its
  /// totals and adapts the next step's size in device memory; the host waits once, at the end.
  void run_adapting(segment_request<T> request, std::size_t steps, step_adaptation& a,
                    const std::atomic<bool>* stop) override {
    request.steps = 1;
    request.draws = nullptr;
    upload_preconditioner(request);
    state_.accept_prob.zero();
    state_.accepted.zero();
    state_.divergent.zero();
    MC_CUDA_TRY(cudaMemcpy(adaptation_.data(), &a, sizeof a, cudaMemcpyHostToDevice));
    adapted_step_ = adaptation_.data();
    try {
      for (std::size_t k = 0; k < steps && !(stop && stop->load()); ++k) {
        advance(request, 1, nullptr);
        adapt_step_kernel<256><<<1, 256>>>(state_.accept_prob.data(), state_.accepted.data(),
                                           state_.divergent.data(), state_.n, adaptation_.data());
        MC_CUDA_TRY(cudaGetLastError());
      }
    } catch (...) {
      adapted_step_ = nullptr;
      throw;
    }
    adapted_step_ = nullptr;
    MC_CUDA_TRY(cudaMemcpy(&a, adaptation_.data(), sizeof a, cudaMemcpyDeviceToHost));  // synchronises
  }

  std::vector<T> positions() override { return to_chain_major(state_.x.download(), state_.n, state_.dim); }

 protected:
  /// Log-density and gradient at dimension-major positions of n chains.
  virtual void evaluate(const T* x, std::size_t n, T* logp, T* grad) = 0;
  /// `steps` steps of every chain; with `draws`, the state after every thin-th step is stored
  /// at draws[(k * dim + j) * n + c].
  virtual void advance(const segment_request<T>& request, std::size_t steps, T* draws) = 0;

  /// The step size the step kernels take: the request's, or during run_adapting the device's.
  step_source<T> step_of(const segment_request<T>& request) const { return {request.step_size, adapted_step_}; }

  device_chain_state<T> state_;
  chain_range range_;
  std::uint64_t seed_;

 public:
  /// Device memory for draws, per buffer (two buffers, two pinned host buffers of the same size).
  static constexpr std::size_t draws_chunk_bytes = std::size_t(64) << 20;

 private:
  /// Uploads the preconditioner where it changed, zeroes the totals, and runs every step of the
  /// request, as the CPU engine does: with draws kept, steps beyond the last whole thinning
  /// interval still run (they keep no draw).
  void run_steps(const segment_request<T>& request) {
    upload_preconditioner(request);
    state_.accept_prob.zero();
    state_.accepted.zero();
    state_.divergent.zero();
    if (!request.draws) {
      advance(request, request.steps, nullptr);
      return;
    }
    if (request.stats.wanted())
      run_with_draw_stats(request);
    else
      stream_draws(request);
    const std::size_t rest = request.steps - (request.steps / request.thin) * request.thin;
    if (rest) advance(request, rest, nullptr);
  }

  void upload_preconditioner(const segment_request<T>& request) {
    if (request.scale != scale_) {
      state_.scale.upload(request.scale);
      scale_ = request.scale;
    }
    if (request.chol != chol_) {
      state_.chol.upload(request.chol);
      chol_ = request.chol;
    }
  }

  /// Draws in chunks that alternate between two device buffers: while chunk i is sampled, chunk
  /// i − 1 is copied to pinned host memory on a second stream, and the host files chunk i − 2
  /// into the (chains, draws, dim) layout. Device memory stays at two chunks however long the run.
  void stream_draws(const segment_request<T>& request) {
    const std::size_t n = state_.n, d = state_.dim;
    const std::size_t per_draw = n * d * sizeof(T), kept = request.steps / request.thin;
    const std::size_t chunk = std::max<std::size_t>(1, std::min(kept, draws_chunk_bytes / per_draw));
    for (auto& b : draw_buffers_)  // grow only: page-locked allocations are slow
      if (b.device.size() < chunk * n * d) {
        b.device.resize(chunk * n * d);
        b.host.resize(chunk * n * d);
      }
    if (!copy_stream_) MC_CUDA_TRY(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
    std::size_t filed = 0;  // draws already in request.draws
    const auto file_oldest = [&](std::size_t count) {
      auto& b = draw_buffers_[(filed / chunk) % 2];
      MC_CUDA_TRY(cudaEventSynchronize(b.copied));
      file_draws(request, b.host.data(), filed, count);
      filed += count;
    };
    for (std::size_t done = 0, i = 0; done < kept; done += chunk, ++i) {
      const std::size_t now = std::min(chunk, kept - done);
      auto& b = draw_buffers_[i % 2];
      if (i >= 2) file_oldest(chunk);  // frees this buffer pair: its copy is done and filed
      advance(request, now * request.thin, b.device.data());
      MC_CUDA_TRY(cudaEventRecord(b.sampled, 0));
      MC_CUDA_TRY(cudaStreamWaitEvent(copy_stream_, b.sampled, 0));
      MC_CUDA_TRY(cudaMemcpyAsync(b.host.data(), b.device.data(), now * per_draw, cudaMemcpyDeviceToHost,
                                  copy_stream_));
      MC_CUDA_TRY(cudaEventRecord(b.copied, copy_stream_));
    }
    while (filed < kept) file_oldest(std::min(chunk, kept - filed));
  }

  /// One thinning interval per launch, reading each chain's totals after it: the kept draw's
  /// log-density, mean acceptance and divergence. Slower than stream_draws' fused launches (a
  /// fused per-draw record in the kernels is left for later), but the same chains bit for bit.
  /// The segment's per-chain totals are left on the device, as stream_draws leaves them.
  void run_with_draw_stats(const segment_request<T>& request) {
    const std::size_t n = state_.n, kept = request.steps / request.thin;
    std::vector<double> total_accept_prob(n, 0.0);
    std::vector<std::uint64_t> total_accepted(n, 0), total_divergent(n, 0);
    segment_request<T> one = request;
    one.steps = request.thin;
    for (std::size_t k = 0; k < kept; ++k) {
      state_.accept_prob.zero();
      state_.accepted.zero();
      state_.divergent.zero();
      one.first_draw = request.first_draw + k;
      stream_draws(one);
      MC_CUDA_TRY(cudaDeviceSynchronize());
      const std::vector<double> accept_prob = state_.accept_prob.download();
      const std::vector<std::uint64_t> accepted = state_.accepted.download(), divergent = state_.divergent.download();
      const std::vector<T> logp = state_.logp.download();
      for (std::size_t c = 0; c < n; ++c) {
        total_accept_prob[c] += accept_prob[c];
        total_accepted[c] += accepted[c];
        total_divergent[c] += divergent[c];
        const std::size_t i = c * request.draws_per_chain + one.first_draw;
        request.stats.logp[i] = static_cast<double>(logp[c]);
        request.stats.accept_prob[i] = accept_prob[c] / static_cast<double>(request.thin);
        request.stats.divergent[i] = divergent[c] > 0 ? 1 : 0;
      }
    }
    state_.accept_prob.upload(total_accept_prob);
    state_.accepted.upload(total_accepted);
    state_.divergent.upload(total_divergent);
  }

  /// Device layout draws[(k * dim + j) * n + c] of draws [first, first + count) to the host's
  /// (chains, draws, dim) buffer.
  void file_draws(const segment_request<T>& request, const T* host, std::size_t first, std::size_t count) {
    const std::size_t d = state_.dim;
    transpose_draws(host, count, d, state_.n,
                    draw_destination<T>{request.draws + (request.first_draw + first) * d, request.draws_per_chain * d});
  }

  struct draw_buffer {
    device_buffer<T> device;
    pinned_buffer<T> host;
    cuda_event sampled, copied;
  };
  draw_buffer draw_buffers_[2];
  cudaStream_t copy_stream_ = nullptr;
  std::vector<T> scale_, chol_;  ///< the preconditioner on the device
  device_buffer<pooled_totals> pooled_{1};
  device_buffer<step_adaptation> adaptation_{1};
  const step_adaptation* adapted_step_ = nullptr;  ///< set only inside run_adapting
};

}  // namespace manychains
