// What every CUDA engine shares: state upload/download, per-segment totals, and draws recorded
// on the device in bounded chunks, copied out while the next chunk samples, then transposed into
// the host's (chains, draws, dim) buffer.
#pragma once

#include <algorithm>
#include <string>

#include "chain_state.cuh"
#include "manychains/engine.hpp"

namespace manychains {

std::string cuda_device_name();

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
    state_.scale.upload(request.scale);
    state_.chol.upload(request.chol);
    state_.accept_prob.zero();
    state_.accepted.zero();
    state_.divergent.zero();
    if (request.draws && request.stats.wanted()) return run_with_draw_stats(request);
    if (!request.draws) {
      advance(request, request.steps, nullptr);
    } else {
      stream_draws(request);
    }
    MC_CUDA_TRY(cudaDeviceSynchronize());
    return segment_result{state_.accept_prob.download(), state_.accepted.download(), state_.divergent.download()};
  }

  std::vector<T> positions() override { return to_chain_major(state_.x.download(), state_.n, state_.dim); }

 protected:
  /// Log-density and gradient at dimension-major positions of n chains.
  virtual void evaluate(const T* x, std::size_t n, T* logp, T* grad) = 0;
  /// `steps` steps of every chain; with `draws`, the state after every thin-th step is stored
  /// at draws[(k * dim + j) * n + c].
  virtual void advance(const segment_request<T>& request, std::size_t steps, T* draws) = 0;

  device_chain_state<T> state_;
  chain_range range_;
  std::uint64_t seed_;

 public:
  /// Device memory for draws, per buffer (two buffers, two pinned host buffers of the same size).
  static constexpr std::size_t draws_chunk_bytes = std::size_t(64) << 20;

 private:
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
  segment_result run_with_draw_stats(const segment_request<T>& request) {
    const std::size_t n = state_.n, kept = request.steps / request.thin;
    segment_result total{std::vector<double>(n, 0.0), std::vector<std::uint64_t>(n, 0),
                         std::vector<std::uint64_t>(n, 0)};
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
        total.accept_prob[c] += accept_prob[c];
        total.accepted[c] += accepted[c];
        total.divergent[c] += divergent[c];
        const std::size_t i = c * request.draws_per_chain + one.first_draw;
        request.stats.logp[i] = static_cast<double>(logp[c]);
        request.stats.accept_prob[i] = accept_prob[c] / static_cast<double>(request.thin);
        request.stats.divergent[i] = divergent[c] > 0 ? 1 : 0;
      }
    }
    return total;
  }

  /// Device layout draws[(k * dim + j) * n + c] of draws [first, first + count) to the host's
  /// (chains, draws, dim) buffer.
  void file_draws(const segment_request<T>& request, const T* host, std::size_t first, std::size_t count) {
    const std::size_t n = state_.n, d = state_.dim;
    for (std::size_t k = 0; k < count; ++k)
      for (std::size_t j = 0; j < d; ++j)
        for (std::size_t c = 0; c < n; ++c)
          request.draws[(c * request.draws_per_chain + request.first_draw + first + k) * d + j] =
              host[(k * d + j) * n + c];
  }

  struct draw_buffer {
    device_buffer<T> device;
    pinned_buffer<T> host;
    cuda_event sampled, copied;
  };
  draw_buffer draw_buffers_[2];
  cudaStream_t copy_stream_ = nullptr;
};

}  // namespace manychains
