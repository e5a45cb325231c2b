// The CUDA engine for the batched logistic-regression target: per step, a propose kernel, the
// log-likelihood of all chains as two cuBLAS GEMMs (η = X Bᵀ, ∇ = (y - σ(η))ᵀ X), and an
// accept kernel; the per-chain math is the CPU backend's langevin_propose / langevin_accept.
#pragma once

#include <cub/block/block_reduce.cuh>

#include "manychains/cuda/detail/batched_steps.cuh"
#include "manychains/cuda/detail/cuda_engine_base.cuh"
#include "manychains/targets.hpp"
#include "manychains/targets/logit.hpp"

namespace manychains {

inline cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  const float one = 1.f, zero = 0.f;
  return cublasSgemm(h, ta, tb, m, n, k, &one, a, lda, b, ldb, &zero, c, ldc);
}
inline cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const double* a, int lda, const double* b, int ldb, double* c, int ldc) {
  const double one = 1.0, zero = 0.0;
  return cublasDgemm(h, ta, tb, m, n, k, &one, a, lda, b, ldb, &zero, c, ldc);
}

/// One block per chain: turns the chain's column of η into residuals y - σ(η) in place and sums
/// the log-likelihood terms.
template <class T, int Threads>
__global__ void logistic_residual_kernel(T* eta, const T* y, std::size_t rows, T* loglik) {
  using reduce = cub::BlockReduce<T, Threads>;
  __shared__ typename reduce::TempStorage temp;
  T* column = eta + blockIdx.x * rows;
  T sum = 0;
  for (std::size_t i = threadIdx.x; i < rows; i += Threads) {
    T residual;
    sum += logit_row_loglik(column[i], y[i], &residual);
    column[i] = residual;
  }
  const T total = reduce(temp).Sum(sum);
  if (threadIdx.x == 0) loglik[blockIdx.x] = total;
}

/// Adds the Gaussian prior: log π -= |β|²/(2σ²), ∇ -= β/σ².
template <class T>
__global__ void logistic_prior_kernel(const T* x, std::size_t n, std::size_t dim, T inv_var, T* logp, T* grad) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  T sq = 0;
  for (std::size_t j = 0; j < dim; ++j) {
    const T b = x[j * n + c];
    sq += b * b;
    grad[j * n + c] -= inv_var * b;
  }
  logp[c] -= T(0.5) * inv_var * sq;
}

template <class T>
class cuda_logistic_engine final : public cuda_engine_base<T> {
 public:
  cuda_logistic_engine(const logistic_target& t, chain_range chains, std::uint64_t seed)
      : cuda_engine_base<T>(t.info.dim, chains, seed), rows_(t.rows),
        inv_prior_var_(T(1.0 / (t.prior_scale * t.prior_scale))) {
    std::vector<T> design(t.rows * t.info.dim);  // column-major for cuBLAS
    for (std::size_t i = 0; i < t.rows; ++i)
      for (std::size_t j = 0; j < t.info.dim; ++j) design[j * t.rows + i] = static_cast<T>(t.design[i * t.info.dim + j]);
    design_.upload(design);
    response_.upload(std::vector<T>(t.response.begin(), t.response.end()));
    MC_CUBLAS_TRY(cublasCreate(&handle_));
    // Chains per GEMM: keep the rows × chains intermediate near 256 MiB.
    chunk_ = std::max<std::size_t>(1, std::min(chains.size(), (std::size_t(256) << 20) / (sizeof(T) * rows_)));
    eta_.resize(rows_ * chunk_);
  }
  ~cuda_logistic_engine() override { cublasDestroy(handle_); }

 protected:
  void evaluate(const T* x, std::size_t n, T* logp, T* grad) override {
    const int d = static_cast<int>(this->state_.dim), rows = static_cast<int>(rows_);
    for (std::size_t start = 0; start < n; start += chunk_) {
      const int m = static_cast<int>(std::min(chunk_, n - start));
      MC_CUBLAS_TRY(gemm(handle_, CUBLAS_OP_N, CUBLAS_OP_T, rows, m, d, design_.data(), rows, x + start,
                         static_cast<int>(n), eta_.data(), rows));
      logistic_residual_kernel<T, 256><<<m, 256>>>(eta_.data(), response_.data(), rows_, logp + start);
      MC_CUDA_TRY(cudaGetLastError());
      MC_CUBLAS_TRY(gemm(handle_, CUBLAS_OP_T, CUBLAS_OP_N, m, d, rows, eta_.data(), rows, design_.data(), rows,
                         grad + start, static_cast<int>(n)));
    }
    logistic_prior_kernel<T><<<blocks_for(n, 128), 128>>>(x, n, this->state_.dim, inv_prior_var_, logp, grad);
    MC_CUDA_TRY(cudaGetLastError());
  }

  void advance(const segment_request<T>& r, std::size_t steps, T* draws) override {
    run_batched_steps(this->state_, r, this->step_of(r), steps, draws, this->seed_, this->range_.first,
                      [this](const T* x, std::size_t n, T* logp, T* grad) { evaluate(x, n, logp, grad); });
  }

 private:
  std::size_t rows_, chunk_;
  T inv_prior_var_;
  device_buffer<T> design_, response_, eta_;
  cublasHandle_t handle_ = nullptr;
};

}  // namespace manychains
