// The CUDA SVGD backend: a thin launch layer over svgd_accumulate_tile. One thread per target
// particle; the block stages tiles of source particles (positions and scores) in shared memory
// and every thread of the block sums over the tile, as in an N-body code, so no n × n matrix is
// ever formed. The sources are visited in the CPU's order (ascending), so the two backends'
// sums differ only by rounding in exp and fused multiply-adds. A template over the target's
// ref, instantiated by MANYCHAINS_CUDA_SVGD (manychains/cuda/target.cuh).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/devices.hpp"
#include "manychains/ensemble/backends.hpp"
#include "manychains/ensemble/svgd.hpp"

namespace manychains::cuda_detail {


inline constexpr unsigned svgd_block = 128;
inline constexpr std::size_t svgd_shared_bytes = 32 << 10;

inline unsigned svgd_grid(std::size_t n) { return static_cast<unsigned>((n + svgd_block - 1) / svgd_block); }

template <class T, class Ref>
__global__ void svgd_score_kernel(Ref target, const T* x, std::size_t n, std::size_t d, T* logp, T* grad) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  logp[i] = target.logdensity_grad(strided<const T>{x + i * d, 1}, strided<T>{grad + i * d, 1});
}

/// MaxD > 0: the particle's own position, score and φ sum live in per-thread arrays of MaxD
/// (registers or local memory); MaxD = 0: any dimension, the sum accumulates in `phi` itself.
template <class T, int MaxD>
__global__ void svgd_direction_kernel(const T* x, const T* grad, std::size_t n, std::size_t d, T inv_h,
                                      std::size_t tile, T* phi, T* ksd_part) {
  extern __shared__ unsigned char svgd_shared[];
  T* tile_x = reinterpret_cast<T*>(svgd_shared);
  T* tile_g = tile_x + tile * d;
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  const bool active = i < n;
  const std::size_t me = active ? i : 0;  // idle threads still help stage the tiles
  constexpr int local_size = MaxD > 0 ? MaxD : 1;
  T xi_local[local_size], gi_local[local_size], acc_local[local_size];
  strided<const T> xi{x + me * d, 1}, gi{grad + me * d, 1};
  if constexpr (MaxD > 0) {
    for (std::size_t k = 0; k < d; ++k) {
      xi_local[k] = x[me * d + k];
      gi_local[k] = grad[me * d + k];
      acc_local[k] = T(0);
    }
    xi = strided<const T>{xi_local, 1};
    gi = strided<const T>{gi_local, 1};
  } else if (active) {
    for (std::size_t k = 0; k < d; ++k) phi[i * d + k] = T(0);
  }
  T ksd = T(0);
  for (std::size_t s0 = 0; s0 < n; s0 += tile) {
    const std::size_t m = tile < n - s0 ? tile : n - s0;
    for (std::size_t q = threadIdx.x; q < m * d; q += blockDim.x) {
      tile_x[q] = x[s0 * d + q];
      tile_g[q] = grad[s0 * d + q];
    }
    __syncthreads();
    if (active) {
      if constexpr (MaxD > 0)
        svgd_accumulate_tile<T>(xi, gi, tile_x, tile_g, m, d, inv_h, acc_local, ksd_part ? &ksd : nullptr);
      else
        svgd_accumulate_tile<T>(xi, gi, tile_x, tile_g, m, d, inv_h, phi + i * d, ksd_part ? &ksd : nullptr);
    }
    __syncthreads();
  }
  if (!active) return;
  const T inv_n = T(1) / T(n);
  for (std::size_t k = 0; k < d; ++k) {
    if constexpr (MaxD > 0)
      phi[i * d + k] = acc_local[k] * inv_n;
    else
      phi[i * d + k] *= inv_n;
  }
  if (ksd_part) ksd_part[i] = ksd;
}

template <class T, class Ref>
class cuda_svgd_backend final : public svgd_backend<T> {
 public:
  template <class MakeRef>
  cuda_svgd_backend(const std::vector<T>& params, MakeRef make_ref, std::size_t dim) : dim_(dim) {
    params_.upload(params);
    ref_ = make_ref(params_.data());
    if (2 * dim * sizeof(T) > svgd_shared_bytes)
      throw input_error("svgd on the GPU supports up to " + std::to_string(svgd_shared_bytes / (2 * sizeof(T))) +
                        " dimensions; use --device cpu");
  }

  std::string device_name() const override { return cuda_device_name(); }
  std::size_t dim() const override { return dim_; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    const std::size_t n = positions.size() / dim_;
    x_.upload(positions);
    grad_.resize(positions.size());
    logp_.resize(n);
    svgd_score_kernel<T, Ref><<<svgd_grid(n), svgd_block>>>(ref_, x_.data(), n, dim_, logp_.data(), grad_.data());
    MC_CUDA_TRY(cudaGetLastError());
    return logp_.download();
  }

  void direction(const std::vector<T>& positions, T h, std::vector<T>& phi, double* ksd2) override {
    const std::size_t n = positions.size() / dim_, d = dim_;
    logdensity(positions);  // uploads x, computes the scores
    phi_.resize(n * d);
    ksd_.resize(ksd2 ? n : 0);
    const std::size_t tile = std::max<std::size_t>(1, std::min<std::size_t>(svgd_block, svgd_shared_bytes / (2 * d * sizeof(T))));
    const std::size_t shared = 2 * tile * d * sizeof(T);
    T* ksd_part = ksd2 ? ksd_.data() : nullptr;
    const T inv_h = T(1) / h;
    if (d <= 4)
      svgd_direction_kernel<T, 4><<<svgd_grid(n), svgd_block, shared>>>(x_.data(), grad_.data(), n, d, inv_h, tile, phi_.data(), ksd_part);
    else if (d <= 16)
      svgd_direction_kernel<T, 16><<<svgd_grid(n), svgd_block, shared>>>(x_.data(), grad_.data(), n, d, inv_h, tile, phi_.data(), ksd_part);
    else if (d <= 64)
      svgd_direction_kernel<T, 64><<<svgd_grid(n), svgd_block, shared>>>(x_.data(), grad_.data(), n, d, inv_h, tile, phi_.data(), ksd_part);
    else
      svgd_direction_kernel<T, 0><<<svgd_grid(n), svgd_block, shared>>>(x_.data(), grad_.data(), n, d, inv_h, tile, phi_.data(), ksd_part);
    MC_CUDA_TRY(cudaGetLastError());
    phi = phi_.download();
    if (ksd2) {
      const std::vector<T> part = ksd_.download();
      double total = 0;
      for (T v : part) total += static_cast<double>(v);
      *ksd2 = total / (double(n) * double(n));
    }
  }

 private:
  std::size_t dim_;
  device_buffer<T> params_;
  Ref ref_{};
  device_buffer<T> x_, grad_, logp_, phi_, ksd_;
};

}  // namespace manychains::cuda_detail
