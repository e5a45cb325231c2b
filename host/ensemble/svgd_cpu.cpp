// The CPU SVGD backend. The O(n² d) interaction is blocked for cache: OpenMP over blocks of
// target particles, and for each block the source particles in tiles small enough (positions and
// scores together about 64 KiB) to stay in L1/L2 while every target of the block reads them.
// Each target's sum runs over the sources in the same order whatever the thread count. Small
// problems run on one thread: a fork/join per iteration costs more than it saves there.
#include <omp.h>

#include <algorithm>

#include "manychains/ensemble/detail/pointwise_target.hpp"
#include "manychains/ensemble/svgd.hpp"

namespace manychains {
namespace {

constexpr std::size_t target_block = 32;

template <class T, class Ref>
class cpu_svgd_backend final : public svgd_backend<T> {
 public:
  template <class MakeRef>
  cpu_svgd_backend(std::vector<T> params, MakeRef make_ref, std::size_t dim)
      : params_(std::move(params)), ref_(make_ref(params_.data())), dim_(dim) {}

  std::string device_name() const override { return "cpu"; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    std::vector<T> grad(positions.size());
    return scores(positions, grad);
  }

  void direction(const std::vector<T>& x, T h, std::vector<T>& phi, double* ksd2) override {
    const std::size_t d = dim_, n = x.size() / d;
    scores(x, grad_);
    phi.assign(n * d, T(0));
    std::vector<T> ksd_part(ksd2 ? n : 0, T(0));
    const T inv_h = T(1) / h;
    const std::size_t tile = std::clamp<std::size_t>((64 << 10) / (2 * d * sizeof(T)), 16, 1024);
    const std::size_t blocks = (n + target_block - 1) / target_block;
#pragma omp parallel for schedule(dynamic, 1) if (double(n) * double(n) * double(d) > 2e6)
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t i0 = b * target_block, i1 = std::min(n, i0 + target_block);
      for (std::size_t s0 = 0; s0 < n; s0 += tile) {
        const std::size_t m = std::min(tile, n - s0);
        for (std::size_t i = i0; i < i1; ++i)
          svgd_accumulate_tile<T>(strided<const T>{&x[i * d], 1}, strided<const T>{&grad_[i * d], 1}, &x[s0 * d],
                                  &grad_[s0 * d], m, d, inv_h, &phi[i * d], ksd2 ? &ksd_part[i] : nullptr);
      }
    }
    const T inv_n = T(1) / T(n);
    for (T& v : phi) v *= inv_n;
    if (ksd2) {
      double total = 0;
      for (T v : ksd_part) total += static_cast<double>(v);
      *ksd2 = total / (double(n) * double(n));
    }
  }

 private:
  std::vector<T> scores(const std::vector<T>& x, std::vector<T>& grad) const {
    const std::size_t d = dim_, n = x.size() / d;
    grad.resize(x.size());
    std::vector<T> lp(n);
#pragma omp parallel for schedule(static) if (n * d >= 8192)
    for (std::size_t i = 0; i < n; ++i)
      lp[i] = ref_.logdensity_grad(strided<const T>{&x[i * d], 1}, strided<T>{&grad[i * d], 1});
    return lp;
  }

  std::vector<T> params_;
  Ref ref_;
  std::size_t dim_;
  std::vector<T> grad_;
};

}  // namespace

template <class T>
std::unique_ptr<svgd_backend<T>> make_cpu_svgd_backend(const any_target& target) {
  return ensemble_detail::visit_pointwise<std::unique_ptr<svgd_backend<T>>>(target, [&](const auto& t) {
    using ref_type = decltype(t.template ref<T>(nullptr));
    return std::unique_ptr<svgd_backend<T>>(std::make_unique<cpu_svgd_backend<T, ref_type>>(
        ensemble_detail::converted<T>(t.params), [&](const T* p) { return t.template ref<T>(p); }, t.info.dim));
  });
}

template std::unique_ptr<svgd_backend<float>> make_cpu_svgd_backend<float>(const any_target&);
template std::unique_ptr<svgd_backend<double>> make_cpu_svgd_backend<double>(const any_target&);

}  // namespace manychains
