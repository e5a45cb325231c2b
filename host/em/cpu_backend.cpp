// CPU backend of EM: OpenMP over fixed blocks of points, each point through the same per-point
// functions the CUDA kernels call. Block partial sums are added in block order, so results do not
// depend on the number of threads.
#include <omp.h>

#include <algorithm>
#include <fmt/format.h>

#include "manychains/em/backend.hpp"
#include "manychains/em/log_density.hpp"
#include "manychains/em/point_sums.hpp"

namespace manychains {
namespace {

template <class T>
class em_cpu_backend final : public em_backend<T> {
 public:
  em_cpu_backend(const double* data, std::size_t n, int d, int K, covariance_type type)
      : n_(n), d_(d), K_(K), type_(type), x_(data, data + n * std::size_t(d)), resp_(n * std::size_t(K)) {
    // Blocks depend on n only: about 256 of them, at least 512 points each.
    block_ = std::max<std::size_t>(512, (n + 255) / 256);
    blocks_ = (n + block_ - 1) / block_;
  }

  double e_step(const gmm_arrays<T>& params, std::vector<double>& nk, std::vector<double>& sx) override {
    const gmm_ref<T> m = params.ref();
    const int K = K_, d = d_;
    const std::size_t stride = std::size_t(K) * (1 + d) + 1;  // nk, sx, log-likelihood
    std::vector<double> partial(blocks_ * stride, 0.0);
#pragma omp parallel
    {
      std::vector<T> y(d);
#pragma omp for schedule(dynamic, 1)
      for (std::size_t b = 0; b < blocks_; ++b) {
        double* nk_b = &partial[b * stride];
        double* sx_b = nk_b + K;
        double ll = 0;
        const std::size_t end = std::min(n_, (b + 1) * block_);
        for (std::size_t i = b * block_; i < end; ++i) {
          const strided<const T> x{&x_[i * d], 1};
          const strided<T> r{&resp_[i * K], 1};
          ll += double(em_point_responsibilities(m, x, r, y.data()));
          em_add_first_moments(K, d, as_const(r), x, nk_b, sx_b);
        }
        sx_b[K * d] = ll;
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
    std::vector<double> partial(blocks_ * size, 0.0);
#pragma omp parallel
    {
      std::vector<double> diff(d);
#pragma omp for schedule(dynamic, 1)
      for (std::size_t b = 0; b < blocks_; ++b) {
        double* s = &partial[b * size];
        const std::size_t end = std::min(n_, (b + 1) * block_);
        for (std::size_t i = b * block_; i < end; ++i)
          em_add_point_scatter(type_, K, d, strided<const T>{&resp_[i * K], 1}, strided<const T>{&x_[i * d], 1},
                               means.data(), s, diff.data());
      }
    }
    out.assign(size, 0.0);
    for (std::size_t b = 0; b < blocks_; ++b)
      for (std::size_t j = 0; j < size; ++j) out[j] += partial[b * size + j];
  }

  std::string device_name() const override { return fmt::format("cpu ({} threads)", omp_get_max_threads()); }

 private:
  std::size_t n_;
  int d_, K_;
  covariance_type type_;
  std::vector<T> x_, resp_;
  std::size_t block_ = 0, blocks_ = 0;
};

}  // namespace

template <class T>
std::unique_ptr<em_backend<T>> make_em_cpu_backend(const double* data, std::size_t n, int d, int K,
                                                   covariance_type type) {
  return std::make_unique<em_cpu_backend<T>>(data, n, d, K, type);
}

template std::unique_ptr<em_backend<float>> make_em_cpu_backend<float>(const double*, std::size_t, int, int,
                                                                       covariance_type);
template std::unique_ptr<em_backend<double>> make_em_cpu_backend<double>(const double*, std::size_t, int, int,
                                                                         covariance_type);

}  // namespace manychains
