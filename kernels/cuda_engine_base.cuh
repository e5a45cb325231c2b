// What every CUDA engine shares: state upload/download, per-segment totals, and draws recorded
// on the device in bounded chunks, then transposed into the host's (chains, draws, dim) buffer.
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
    if (!request.draws) {
      advance(request, request.steps, nullptr);
    } else {
      // Keep at most ~256 MiB of draws on the device at once.
      const std::size_t per_draw = state_.n * state_.dim * sizeof(T);
      const std::size_t kept = request.steps / request.thin;
      const std::size_t chunk = std::max<std::size_t>(1, std::min(kept, (std::size_t(256) << 20) / per_draw));
      draws_.resize(chunk * state_.n * state_.dim);
      for (std::size_t done = 0; done < kept; done += chunk) {
        const std::size_t now = std::min(chunk, kept - done);
        advance(request, now * request.thin, draws_.data());
        copy_draws_to_host(request, done, now);
      }
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

 private:
  void copy_draws_to_host(const segment_request<T>& request, std::size_t done, std::size_t now) {
    const std::size_t n = state_.n, d = state_.dim;
    std::vector<T> host(now * n * d);
    MC_CUDA_TRY(cudaMemcpy(host.data(), draws_.data(), host.size() * sizeof(T), cudaMemcpyDeviceToHost));
    for (std::size_t k = 0; k < now; ++k)
      for (std::size_t j = 0; j < d; ++j)
        for (std::size_t c = 0; c < n; ++c)
          request.draws[(c * request.draws_per_chain + request.first_draw + done + k) * d + j] =
              host[(k * d + j) * n + c];
  }
  device_buffer<T> draws_;
};

}  // namespace manychains
