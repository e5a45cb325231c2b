// CUDA backend of EM. The E-step kernel is a thin launch over the per-point host-device functions
// (em_point_responsibilities, em_first_moment_terms), with warp-level sums of N_k, Σ r x and the log-likelihood; the
// scatter around the new means is a cuBLAS SYRK per component over chunks of points. Nothing of
// size N×K×d is ever held: the data (N×d), the responsibilities (N×K) and one chunk (C×d).
#include <algorithm>
#include <cmath>
#include <string>

#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/cuda_try.hpp"
#include "manychains/devices.hpp"
#include "manychains/em/backend.hpp"
#include "manychains/em/log_density.hpp"
#include "manychains/em/point_sums.hpp"
#include "manychains/error.hpp"

namespace manychains {

std::string cuda_device_name();  // kernels/device_query.cu

namespace {

constexpr int em_max_dim = 64;     ///< the E-step keeps (x - μ)ᵀU in a per-thread array of this size
constexpr int em_block = 256;
constexpr std::size_t em_chunk = std::size_t(1) << 20;  ///< points per scatter chunk

/// Adds v summed over the warp to *target (one shared-memory atomic per warp). All lanes call it.
__device__ __forceinline__ void warp_add(double* target, double v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  if ((threadIdx.x & 31) == 0) atomicAdd(target, v);
}

/// The first-moment terms (point_sums.hpp) summed over the warp into shared memory. Every lane
/// adds, a lane past the last point adds zeros.
struct warp_moment_sums {
  double* acc;
  int K, d;
  __device__ void count(int k, double r) const { warp_add(&acc[k], r); }
  __device__ void sum(int k, int i, double v) const { warp_add(&acc[K + k * d + i], v); }
};

/// One thread per point (grid-stride): responsibilities into resp (component-major, K×n), and the
/// block's sums nk (K), sx (K×d), Σ log p(x) added to `sums`. x is dimension-major (d×n).
template <class T>
__global__ void em_e_step_kernel(gmm_ref<T> m, const T* __restrict__ x, T* __restrict__ resp, std::size_t n,
                                 double* __restrict__ sums) {
  extern __shared__ double acc[];
  const int K = m.components, d = m.dim, len = K + K * d + 1;
  for (int i = threadIdx.x; i < len; i += blockDim.x) acc[i] = 0;
  __syncthreads();
  T y[em_max_dim];
  for (std::size_t base = std::size_t(blockIdx.x) * blockDim.x; base < n; base += std::size_t(gridDim.x) * blockDim.x) {
    const std::size_t p = base + threadIdx.x;
    const bool valid = p < n;
    double ll = 0;
    if (valid) ll = double(em_point_responsibilities(m, strided<const T>{x + p, n}, strided<T>{resp + p, n}, y));
    warp_add(&acc[K + K * d], ll);
    const T zero = 0;  // a lane past the end reads zeros: r = 0 and x = 0
    const strided<const T> r = valid ? strided<const T>{resp + p, n} : strided<const T>{&zero, 0};
    const strided<const T> xp = valid ? strided<const T>{x + p, n} : strided<const T>{&zero, 0};
    const warp_moment_sums sums{acc, K, d};
    em_first_moment_terms<double>(K, d, r, xp, sums);
  }
  __syncthreads();
  for (int i = threadIdx.x; i < len; i += blockDim.x) atomicAdd(&sums[i], acc[i]);
}

/// Σ r log r over the responsibilities (component-major, K×n), grid-stride, added to *out.
template <class T>
__global__ void em_r_log_r_kernel(const T* __restrict__ resp, std::size_t n, int K, double* __restrict__ out) {
  __shared__ double acc;
  if (threadIdx.x == 0) acc = 0;
  __syncthreads();
  for (std::size_t base = std::size_t(blockIdx.x) * blockDim.x; base < n; base += std::size_t(gridDim.x) * blockDim.x) {
    const std::size_t p = base + threadIdx.x;
    const double v = p < n ? em_point_r_log_r<double>(strided<const T>{resp + p, n}, K) : 0.0;
    warp_add(&acc, v);
  }
  __syncthreads();
  if (threadIdx.x == 0) atomicAdd(out, acc);
}

/// W[i*c + j] = sqrt(r_k) (x - μ_k)_i for the chunk's points j (column-major, c rows), in double.
template <class T>
__global__ void em_weighted_diff_kernel(const T* __restrict__ x, const T* __restrict__ resp, std::size_t n,
                                        std::size_t first, std::size_t c, int d, int k, const double* __restrict__ mu,
                                        double* __restrict__ w) {
  const std::size_t j = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= c) return;
  const std::size_t p = first + j;
  const double s = sqrt(double(resp[k * n + p]));
  for (int i = 0; i < d; ++i) w[i * c + j] = s * (double(x[i * n + p]) - mu[k * d + i]);
}

template <class T>
class em_cuda_backend final : public em_backend<T> {
 public:
  em_cuda_backend(const double* data, std::size_t n, int d, int K, covariance_type type)
      : n_(n), d_(d), K_(K), type_(type) {
    if (d > em_max_dim || K * (d + 1) + 1 > 6144)
      throw input_error("the CUDA EM backend supports up to " + std::to_string(em_max_dim) +
                        " dimensions and K·(d+1) ≤ 6143; use --device cpu");
    std::vector<T> xt(n * std::size_t(d));  // dimension-major: neighbouring threads, neighbouring points
    for (std::size_t p = 0; p < n; ++p)
      for (int i = 0; i < d; ++i) xt[std::size_t(i) * n + p] = T(data[p * d + i]);
    x_.upload(xt);
    resp_.resize(n * std::size_t(K));
    sums_.resize(std::size_t(K) * (d + 1) + 1);
    chunk_ = std::min(n, em_chunk);
    w_.resize(chunk_ * std::size_t(d));
    s_.resize(std::size_t(K) * d * d);
    mu_.resize(std::size_t(K) * d);
    MC_CUBLAS_TRY(cublasCreate(&handle_));
    int device = 0, sms = 1;
    MC_CUDA_TRY(cudaGetDevice(&device));
    MC_CUDA_TRY(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    max_blocks_ = 8 * sms;
  }
  ~em_cuda_backend() override { cublasDestroy(handle_); }

  double e_step(const gmm_arrays<T>& p, std::vector<double>& nk, std::vector<double>& sx) override {
    lw_.upload(p.log_weights);
    means_.upload(p.means);
    chol_.upload(p.prec_chol);
    logdet_.upload(p.log_det);
    const gmm_ref<T> m{p.components, p.dim, p.type, lw_.data(), means_.data(), chol_.data(), logdet_.data()};
    sums_.zero();
    const int K = K_, d = d_;
    const std::size_t blocks = std::min<std::size_t>((n_ + em_block - 1) / em_block, std::size_t(max_blocks_));
    const std::size_t shared = (std::size_t(K) * (d + 1) + 1) * sizeof(double);
    em_e_step_kernel<T><<<unsigned(blocks), em_block, shared>>>(m, x_.data(), resp_.data(), n_, sums_.data());
    MC_CUDA_TRY(cudaGetLastError());
    const std::vector<double> s = sums_.download();  // synchronises
    nk.assign(s.begin(), s.begin() + K);
    sx.assign(s.begin() + K, s.begin() + K + std::size_t(K) * d);
    return s[std::size_t(K) * (d + 1)];
  }

  void scatter(const std::vector<double>& means, std::vector<double>& out) override {
    const int K = K_, d = d_;
    mu_.upload(means);
    s_.zero();
    const double one = 1.0;
    for (std::size_t first = 0; first < n_; first += chunk_) {
      const std::size_t c = std::min(chunk_, n_ - first);
      for (int k = 0; k < K; ++k) {
        em_weighted_diff_kernel<T><<<unsigned((c + em_block - 1) / em_block), em_block>>>(
            x_.data(), resp_.data(), n_, first, c, d, k, mu_.data(), w_.data());
        MC_CUDA_TRY(cudaGetLastError());
        double* target = s_.data() + (type_ == covariance_type::tied ? 0 : std::size_t(k) * d * d);
        // S_k += Wᵀ W (upper triangle, column-major d×d).
        MC_CUBLAS_TRY(cublasDsyrk(handle_, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, d, int(c), &one, w_.data(), int(c),
                                  &one, target, d));
      }
    }
    const std::vector<double> s = s_.download();
    out.assign(std::size_t(em_scatter_size(type_, K, d)), 0.0);
    for (int k = 0; k < (type_ == covariance_type::tied ? 1 : K); ++k) {
      const double* sk = &s[std::size_t(k) * d * d];
      for (int i = 0; i < d; ++i)
        for (int j = i; j < d; ++j) {
          const double v = sk[std::size_t(j) * d + i];  // column-major upper (i, j)
          if (type_ == covariance_type::full || type_ == covariance_type::tied)
            out[std::size_t(k) * d * d + std::size_t(i) * d + j] = v;
          else if (i == j)
            out[std::size_t(k) * d + i] = v;
        }
    }
  }

  double sum_r_log_r() override {
    sums_.zero();
    const std::size_t blocks = std::min<std::size_t>((n_ + em_block - 1) / em_block, std::size_t(max_blocks_));
    em_r_log_r_kernel<T><<<unsigned(blocks), em_block>>>(resp_.data(), n_, K_, sums_.data());
    MC_CUDA_TRY(cudaGetLastError());
    return sums_.download()[0];  // synchronises
  }

  std::string device_name() const override { return cuda_device_name(); }

 private:
  std::size_t n_;
  int d_, K_;
  covariance_type type_;
  device_buffer<T> x_, resp_, lw_, means_, chol_, logdet_;
  device_buffer<double> sums_, w_, s_, mu_;
  std::size_t chunk_ = 0;
  int max_blocks_ = 1;
  cublasHandle_t handle_ = nullptr;
};

}  // namespace

template <class T>
std::unique_ptr<em_backend<T>> make_em_cuda_backend(const double* data, std::size_t n, int d, int K,
                                                    covariance_type type) {
  require_cuda("--device cuda");
  return std::make_unique<em_cuda_backend<T>>(data, n, d, K, type);
}

template std::unique_ptr<em_backend<float>> make_em_cuda_backend<float>(const double*, std::size_t, int, int,
                                                                        covariance_type);
template std::unique_ptr<em_backend<double>> make_em_cuda_backend<double>(const double*, std::size_t, int, int,
                                                                          covariance_type);

}  // namespace manychains
