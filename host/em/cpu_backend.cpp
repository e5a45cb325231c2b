// CPU backend of EM: OpenMP over fixed blocks of points, each point through the same per-point
// functions the CUDA kernels call. Block partial sums are added in block order, so results do not
// depend on the number of threads.
#include <omp.h>

#include <algorithm>
#include <fmt/format.h>

#include "manychains/em/backend.hpp"
#include "manychains/em/log_density.hpp"
#include "manychains/em/point_sums.hpp"
#include "manychains/em/rows.hpp"

namespace manychains {
namespace {

// The per-block loops are compiled twice, for x86-64 with AVX2/FMA and for the baseline, and the
// loader picks one for the machine (GCC function multi-versioning): the build stays portable
// while the per-point loops get 4- (double) or 8-wide (float) vectors where the CPU has them.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define MC_EM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default"), flatten))
#else
#define MC_EM_CLONES
#endif

/// E-step over points [begin, end): responsibilities, nk, sx; returns Σ log p(x).
template <class T>
inline __attribute__((always_inline)) double e_step_block(const gmm_ref<T>& m, const T* x, T* resp, std::size_t begin,
                                                          std::size_t end, double* nk, double* sx, T* y) {
  const int K = m.components, d = m.dim;
  double ll = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const strided<const T> xi{&x[i * d], 1};
    const strided<T> r{&resp[i * K], 1};
    ll += double(em_point_responsibilities(m, xi, r, y));
    em_add_first_moments(K, d, as_const(r), xi, nk, sx);
  }
  return ll;
}

template <class T>
inline __attribute__((always_inline)) void scatter_block(covariance_type type, int K, int d, const T* x,
                                                         const T* resp, std::size_t begin, std::size_t end,
                                                         const double* means, double* s, double* diff) {
  for (std::size_t i = begin; i < end; ++i)
    em_add_point_scatter(type, K, d, strided<const T>{&resp[i * K], 1}, strided<const T>{&x[i * d], 1}, means, s,
                         diff);
}

MC_EM_CLONES double e_step_block_f(const gmm_ref<float>& m, const float* x, float* resp, std::size_t begin,
                                   std::size_t end, double* nk, double* sx, float* y) {
  return e_step_block(m, x, resp, begin, end, nk, sx, y);
}
MC_EM_CLONES double e_step_block_d(const gmm_ref<double>& m, const double* x, double* resp, std::size_t begin,
                                   std::size_t end, double* nk, double* sx, double* y) {
  return e_step_block(m, x, resp, begin, end, nk, sx, y);
}
MC_EM_CLONES void scatter_block_f(covariance_type type, int K, int d, const float* x, const float* resp,
                                  std::size_t begin, std::size_t end, const double* means, double* s, double* diff) {
  scatter_block(type, K, d, x, resp, begin, end, means, s, diff);
}
MC_EM_CLONES void scatter_block_d(covariance_type type, int K, int d, const double* x, const double* resp,
                                  std::size_t begin, std::size_t end, const double* means, double* s, double* diff) {
  scatter_block(type, K, d, x, resp, begin, end, means, s, diff);
}
inline double e_step_dispatch(const gmm_ref<float>& m, const float* x, float* r, std::size_t b, std::size_t e,
                              double* nk, double* sx, float* y) {
  return e_step_block_f(m, x, r, b, e, nk, sx, y);
}
inline double e_step_dispatch(const gmm_ref<double>& m, const double* x, double* r, std::size_t b, std::size_t e,
                              double* nk, double* sx, double* y) {
  return e_step_block_d(m, x, r, b, e, nk, sx, y);
}
inline void scatter_dispatch(covariance_type t, int K, int d, const float* x, const float* r, std::size_t b,
                             std::size_t e, const double* mu, double* s, double* diff) {
  scatter_block_f(t, K, d, x, r, b, e, mu, s, diff);
}
inline void scatter_dispatch(covariance_type t, int K, int d, const double* x, const double* r, std::size_t b,
                             std::size_t e, const double* mu, double* s, double* diff) {
  scatter_block_d(t, K, d, x, r, b, e, mu, s, diff);
}

template <class T>
class em_cpu_backend final : public em_backend<T> {
 public:
  em_cpu_backend(const double* data, std::size_t n, int d, int K, covariance_type type, std::size_t block_rows)
      : n_(n), d_(d), K_(K), type_(type), x_(data, data + n * std::size_t(d)), resp_(n * std::size_t(K)) {
    // Blocks depend on the data set's size only (not on threads or processes).
    block_ = block_rows > 0 ? block_rows : em_block_rows(n);
    blocks_ = (n + block_ - 1) / block_;
    // Small fits run on one thread: a parallel region costs more than it saves, and far more on
    // an oversubscribed machine (CI), where threads wait for each other at every barrier.
    parallel_ = double(n) * K * (d + 1) > 2e5;
  }

  double e_step(const gmm_arrays<T>& params, std::vector<double>& nk, std::vector<double>& sx) override {
    const gmm_ref<T> m = params.ref();
    const int K = K_, d = d_;
    const std::size_t stride = std::size_t(K) * (1 + d) + 1;  // nk, sx, log-likelihood
    std::vector<double>& partial = e_partials_;
    partial.assign(blocks_ * stride, 0.0);
#pragma omp parallel if (parallel_)
    {
      std::vector<T> y(d);
#pragma omp for schedule(dynamic, 1)
      for (std::size_t b = 0; b < blocks_; ++b) {
        double* nk_b = &partial[b * stride];
        double* sx_b = nk_b + K;
        const std::size_t end = std::min(n_, (b + 1) * block_);
        sx_b[K * d] = e_step_dispatch(m, x_.data(), resp_.data(), b * block_, end, nk_b, sx_b, y.data());
      }
    }
    nk.assign(K, 0.0);
    sx.assign(std::size_t(K) * d, 0.0);
    double ll = 0;
    for (std::size_t b = 0; b < blocks_; ++b) {
      const double* p = &partial[b * stride];
      for (int k = 0; k < K; ++k) nk[k] += p[k];
      for (int j = 0; j < K * d; ++j) sx[j] += p[K + j];
      ll += p[K + K * d];
    }
    return ll;
  }

  void scatter(const std::vector<double>& means, std::vector<double>& out) override {
    const int K = K_, d = d_;
    const std::size_t size = std::size_t(em_scatter_size(type_, K, d));
    std::vector<double>& partial = scatter_partials_;
    partial.assign(blocks_ * size, 0.0);
#pragma omp parallel if (parallel_)
    {
      std::vector<double> diff(d);
#pragma omp for schedule(dynamic, 1)
      for (std::size_t b = 0; b < blocks_; ++b) {
        double* s = &partial[b * size];
        const std::size_t end = std::min(n_, (b + 1) * block_);
        scatter_dispatch(type_, K, d, x_.data(), resp_.data(), b * block_, end, means.data(), s, diff.data());
      }
    }
    out.assign(size, 0.0);
    for (std::size_t b = 0; b < blocks_; ++b)
      for (std::size_t j = 0; j < size; ++j) out[j] += partial[b * size + j];
  }

  double sum_r_log_r() override {
    const int K = K_;
    std::vector<double> partial(blocks_, 0.0);
#pragma omp parallel for schedule(dynamic, 1) if (parallel_)
    for (std::size_t b = 0; b < blocks_; ++b) {
      const std::size_t end = std::min(n_, (b + 1) * block_);
      double s = 0;
      for (std::size_t i = b * block_; i < end; ++i)
        s += em_point_r_log_r<double>(strided<const T>{&resp_[i * K], 1}, K);
      partial[b] = s;
    }
    double total = 0;
    for (double p : partial) total += p;  // in block order: the same for any thread count
    return total;
  }

  std::string device_name() const override {
    const int threads = omp_get_max_threads();
    return fmt::format("cpu ({} thread{})", threads, threads == 1 ? "" : "s");
  }
  const std::vector<double>& e_step_partials() const override { return e_partials_; }
  const std::vector<double>& scatter_partials() const override { return scatter_partials_; }

 private:
  std::size_t n_;
  int d_, K_;
  covariance_type type_;
  std::vector<T> x_, resp_;
  std::vector<double> e_partials_, scatter_partials_;
  std::size_t block_ = 0, blocks_ = 0;
  bool parallel_ = true;
};

}  // namespace

template <class T>
std::unique_ptr<em_backend<T>> make_em_cpu_backend(const double* data, std::size_t n, int d, int K,
                                                   covariance_type type, std::size_t block_rows) {
  return std::make_unique<em_cpu_backend<T>>(data, n, d, K, type, block_rows);
}

template std::unique_ptr<em_backend<float>> make_em_cpu_backend<float>(const double*, std::size_t, int, int,
                                                                       covariance_type, std::size_t);
template std::unique_ptr<em_backend<double>> make_em_cpu_backend<double>(const double*, std::size_t, int, int,
                                                                         covariance_type, std::size_t);

}  // namespace manychains
