// The CPU stretch backend: per half-step, OpenMP over the walkers of that half in all ensembles,
// each calling the host-device stretch_update.
#include <omp.h>

#include "manychains/ensemble/detail/pointwise_target.hpp"
#include "manychains/ensemble/stretch.hpp"

namespace manychains {
namespace {

template <class T, class Ref>
class cpu_stretch_backend final : public stretch_backend<T> {
 public:
  template <class MakeRef>
  cpu_stretch_backend(std::vector<T> params, MakeRef make_ref, stretch_shape shape, T a, std::uint64_t seed)
      : params_(std::move(params)), ref_(make_ref(params_.data())), shape_(shape), a_(a), seed_(seed) {
    const std::size_t n = shape.total() * shape.dim;
    x_.assign(n, T(0));
    proposal_ = grad_ = x_;
    logp_.assign(shape.total(), T(0));
  }

  std::string device_name() const override { return "cpu"; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    const std::size_t d = shape_.dim, n = positions.size() / d;
    std::vector<T> lp(n), grad(positions.size());
#pragma omp parallel for schedule(static)
    for (std::size_t g = 0; g < n; ++g)
      lp[g] = ref_.logdensity_grad(strided<const T>{&positions[g * d], 1}, strided<T>{&grad[g * d], 1});
    return lp;
  }

  void initialize(const std::vector<T>& positions) override {
    x_ = positions;
    logp_ = logdensity(positions);
  }

  void run(std::uint64_t first_step, std::size_t steps, T* draws, std::size_t draws_per_walker,
           std::size_t first_draw, std::vector<std::uint64_t>& accepted) override {
    const std::size_t w = shape_.walkers, half = w / 2, items = shape_.ensembles * half;
    // Ensembles are independent: with at least as many ensembles as threads, each thread runs
    // whole ensembles through all the steps (no barrier per half-step). With few large ensembles,
    // the walkers of each half-step are split over threads instead. Both give the same numbers.
    // One small ensemble runs on one thread: a fork/join per chunk would cost more than it saves.
    if (shape_.ensembles >= std::size_t(omp_get_max_threads()) || items < 512) {
#pragma omp parallel for schedule(dynamic, 1) if (shape_.ensembles > 1)
      for (std::size_t e = 0; e < shape_.ensembles; ++e)
        for (std::size_t s = 0; s < steps; ++s) {
          for (int h = 0; h < 2; ++h)
            for (std::size_t i = 0; i < half; ++i) update(e * half + i, h, first_step + s, accepted);
          if (draws) record(e * w, (e + 1) * w, draws, draws_per_walker, first_draw + s);
        }
      return;
    }
    for (std::size_t s = 0; s < steps; ++s) {
      for (int h = 0; h < 2; ++h) {
#pragma omp parallel for schedule(static)
        for (std::size_t item = 0; item < items; ++item) update(item, h, first_step + s, accepted);
      }
      if (draws) record(0, shape_.total(), draws, draws_per_walker, first_draw + s);
    }
  }

  std::vector<T> positions() override { return x_; }

 private:
  void update(std::size_t item, int h, std::uint64_t step, std::vector<std::uint64_t>& accepted) {
    const std::size_t w = shape_.walkers, half = w / 2;
    const bool moved = stretch_update(ref_, x_.data(), logp_.data(), proposal_.data(), grad_.data(),
                                      walker_layout{shape_.dim, 1}, w, shape_.dim, h, item, a_, seed_, step);
    if (moved) ++accepted[(item / half) * w + static_cast<std::size_t>(h) * half + item % half];
  }
  void record(std::size_t g0, std::size_t g1, T* draws, std::size_t draws_per_walker, std::size_t draw) const {
    const std::size_t d = shape_.dim;
    for (std::size_t g = g0; g < g1; ++g) {
      T* out = draws + (g * draws_per_walker + draw) * d;
      for (std::size_t j = 0; j < d; ++j) out[j] = x_[g * d + j];
    }
  }

  std::vector<T> params_;
  Ref ref_;
  stretch_shape shape_;
  T a_;
  std::uint64_t seed_;
  std::vector<T> x_, proposal_, grad_, logp_;
};

}  // namespace

template <class T>
std::unique_ptr<stretch_backend<T>> make_cpu_stretch_backend(const any_target& target, stretch_shape shape, T a,
                                                             std::uint64_t seed) {
  return ensemble_detail::visit_pointwise<std::unique_ptr<stretch_backend<T>>>(target, [&](const auto& t) {
    using ref_type = decltype(t.template ref<T>(nullptr));
    return std::unique_ptr<stretch_backend<T>>(std::make_unique<cpu_stretch_backend<T, ref_type>>(
        ensemble_detail::converted<T>(t.params), [&](const T* p) { return t.template ref<T>(p); }, shape, a,
        seed));
  });
}

template std::unique_ptr<stretch_backend<float>> make_cpu_stretch_backend<float>(const any_target&, stretch_shape,
                                                                                 float, std::uint64_t);
template std::unique_ptr<stretch_backend<double>> make_cpu_stretch_backend<double>(const any_target&,
                                                                                   stretch_shape, double,
                                                                                   std::uint64_t);

}  // namespace manychains
