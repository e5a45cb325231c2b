// The CUDA stretch backend: a thin launch layer. One thread per walker of the half being updated
// (over all ensembles) calls the same stretch_update as the CPU. Positions are dimension-major
// (x[j · walkers + g]) so that neighbouring threads read neighbouring addresses. A template over
// the target's ref, instantiated by MANYCHAINS_CUDA_STRETCH (manychains/cuda/target.cuh).
// Kept positions are recorded on the device, a chunk of steps at a time, and reach the host in
// one copy per chunk, filed into (walker, draw, dim) by the threaded tiled transpose.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/cuda/detail/draw_transpose.hpp"
#include "manychains/devices.hpp"
#include "manychains/ensemble/backends.hpp"
#include "manychains/ensemble/stretch.hpp"

namespace manychains::cuda_detail {

inline constexpr unsigned stretch_block = 128;
/// Device memory for kept positions (and as much page-locked host memory), per backend.
inline constexpr std::size_t stretch_draws_chunk_bytes = std::size_t(64) << 20;

inline unsigned stretch_grid(std::size_t n) { return static_cast<unsigned>((n + stretch_block - 1) / stretch_block); }

template <class T, class Ref>
__global__ void stretch_logdensity_kernel(Ref target, const T* x, std::size_t n, T* logp, T* grad) {
  const std::size_t g = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (g >= n) return;
  logp[g] = target.logdensity_grad(strided<const T>{x + g, n}, strided<T>{grad + g, n});
}

template <class T, class Ref>
__global__ void stretch_half_kernel(Ref target, T* x, T* logp, T* proposal, T* grad, walker_layout layout,
                                    std::size_t walkers, std::size_t dim, int half_index, std::size_t items, T a,
                                    std::uint64_t seed, std::uint64_t step, std::uint64_t first_walker,
                                    unsigned long long* accepted) {
  const std::size_t item = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (item >= items) return;
  if (stretch_update(target, x, logp, proposal, grad, layout, walkers, dim, half_index, item, a, seed, step,
                     first_walker)) {
    const std::size_t half = walkers / 2;
    ++accepted[(item / half) * walkers + static_cast<std::size_t>(half_index) * half + item % half];
  }
}

template <class T, class Ref>
class cuda_stretch_backend final : public stretch_backend<T> {
 public:
  /// `draws_chunk_bytes`: the most kept positions held on the device before they go to the host
  /// (at least one step's); a test shrinks it to cross chunk boundaries.
  template <class MakeRef>
  cuda_stretch_backend(const std::vector<T>& params, MakeRef make_ref, stretch_shape shape, T a, std::uint64_t seed,
                       std::size_t draws_chunk_bytes = stretch_draws_chunk_bytes)
      : shape_(shape), a_(a), seed_(seed), draws_chunk_bytes_(draws_chunk_bytes) {
    params_.upload(params);
    ref_ = make_ref(params_.data());
    const std::size_t n = shape.total() * shape.dim;
    x_.resize(n);
    proposal_.resize(n);
    grad_.resize(n);
    logp_.resize(shape.total());
    accepted_.resize(shape.total());
  }

  std::string device_name() const override { return cuda_device_name(); }
  std::size_t dim() const override { return shape_.dim; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    const std::size_t n = positions.size() / shape_.dim;
    device_buffer<T> x, grad(positions.size()), lp(n);
    x.upload(dimension_major(positions, n));
    stretch_logdensity_kernel<T, Ref><<<stretch_grid(n), stretch_block>>>(ref_, x.data(), n, lp.data(), grad.data());
    MC_CUDA_TRY(cudaGetLastError());
    return lp.download();
  }

  void initialize(const std::vector<T>& positions) override {
    const std::size_t n = shape_.total();
    x_.upload(dimension_major(positions, n));
    stretch_logdensity_kernel<T, Ref><<<stretch_grid(n), stretch_block>>>(ref_, x_.data(), n, logp_.data(), grad_.data());
    MC_CUDA_TRY(cudaGetLastError());
  }

  void run(std::uint64_t first_step, std::size_t steps, T* draws, std::size_t draws_per_walker, std::size_t first_draw,
           std::vector<std::uint64_t>& accepted) override {
    const std::size_t n = shape_.total(), d = shape_.dim, items = shape_.ensembles * (shape_.walkers / 2);
    const walker_layout layout{1, n};
    // Step s's positions go to record_[(s % chunk) * n * d + j * n + g], i.e. the layout
    // transpose_draws reads (src[(k * d + j) * n + g]); a full chunk comes to the host at once.
    const std::size_t per_step = std::max<std::size_t>(1, n * d * sizeof(T));
    const std::size_t chunk = std::max<std::size_t>(1, std::min(steps, draws_chunk_bytes_ / per_step));
    if (draws && record_.size() < chunk * n * d) {  // grow only: page-locked allocations are slow
      record_.resize(chunk * n * d);
      host_.resize(chunk * n * d);
    }
    accepted_.zero();
    for (std::size_t s = 0; s < steps; ++s) {
      for (int h = 0; h < 2; ++h) {
        stretch_half_kernel<T, Ref><<<stretch_grid(items), stretch_block>>>(
            ref_, x_.data(), logp_.data(), proposal_.data(), grad_.data(), layout, shape_.walkers, d, h, items, a_,
            seed_, first_step + s, shape_.first_walker(), accepted_.data());
        MC_CUDA_TRY(cudaGetLastError());
      }
      if (!draws) continue;
      const std::size_t k = s % chunk;  // same stream as the kernels: ordered after this step
      MC_CUDA_TRY(cudaMemcpyAsync(record_.data() + k * n * d, x_.data(), n * d * sizeof(T), cudaMemcpyDeviceToDevice));
      if (k + 1 == chunk || s + 1 == steps) {
        const std::size_t count = k + 1, first = s + 1 - count;  // steps [first, s] of this call
        MC_CUDA_TRY(cudaMemcpy(host_.data(), record_.data(), count * n * d * sizeof(T), cudaMemcpyDeviceToHost));
        transpose_draws(host_.data(), count, d, n,
                        draw_destination<T>{draws + (first_draw + first) * d, draws_per_walker * d});
      }
    }
    const std::vector<unsigned long long> counts = accepted_.download();
    for (std::size_t g = 0; g < n; ++g) accepted[g] += counts[g];
  }

  std::vector<T> positions() override {
    const std::size_t n = shape_.total(), d = shape_.dim;
    const std::vector<T> x = x_.download();
    std::vector<T> out(n * d);
    transpose_draws(x.data(), 1, d, n, draw_destination<T>{out.data(), d});  // x[j * n + g] -> out[g * d + j]
    return out;
  }

 private:
  std::vector<T> dimension_major(const std::vector<T>& walker_major, std::size_t n) const {
    const std::size_t d = shape_.dim;
    std::vector<T> out(n * d);
    // The same transpose read the other way: walker_major[g * d + j] -> out[j * n + g].
    transpose_draws(walker_major.data(), 1, n, d, draw_destination<T>{out.data(), n});
    return out;
  }

  stretch_shape shape_;
  T a_;
  std::uint64_t seed_;
  std::size_t draws_chunk_bytes_;
  device_buffer<T> params_;
  Ref ref_{};
  device_buffer<T> x_, proposal_, grad_, logp_;
  device_buffer<unsigned long long> accepted_;
  device_buffer<T> record_;  ///< kept positions of up to one chunk of steps
  pinned_buffer<T> host_;    ///< their copy on the host, before they are filed
};

}  // namespace manychains::cuda_detail
