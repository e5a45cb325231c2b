/// \file cpu_backends.hpp
/// The CPU backends of the ensemble methods for any pointwise target functor (`dim()` and
/// `logdensity_grad(x, grad)`, as for make_cpu_engine_for), copied into the backend:
///
/// - stretch: per half-step, OpenMP over the walkers of that half in all ensembles, each calling
///   the host-device stretch_update (stretch.hpp).
/// - SVGD: the O(n² d) interaction blocked for cache: OpenMP over blocks of target particles, and
///   for each block the source particles in tiles small enough (positions and scores together
///   about 64 KiB) to stay in L1/L2 while every target of the block reads them. Each target's sum
///   runs over the sources in the same order whatever the thread count. Small problems run on one
///   thread: a fork/join per iteration costs more than it saves there.
///
/// make_cpu_stretch_backend and make_cpu_svgd_backend (the built-in targets) call the same factories.
#pragma once

#include <omp.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "manychains/ensemble/backends.hpp"
#include "manychains/ensemble/stretch.hpp"
#include "manychains/ensemble/svgd.hpp"
#include "manychains/target_ref.hpp"

namespace manychains {
namespace ensemble_detail {

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
  std::size_t dim() const override { return shape_.dim; }

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
                                      walker_layout{shape_.dim, 1}, w, shape_.dim, h, item, a_, seed_, step,
                                      shape_.first_walker());
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

constexpr std::size_t svgd_target_block = 32;

template <class T, class Ref>
class cpu_svgd_backend final : public svgd_backend<T> {
 public:
  template <class MakeRef>
  cpu_svgd_backend(std::vector<T> params, MakeRef make_ref, std::size_t dim)
      : params_(std::move(params)), ref_(make_ref(params_.data())), dim_(dim) {}

  std::string device_name() const override { return "cpu"; }
  std::size_t dim() const override { return dim_; }

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
    const std::size_t blocks = (n + svgd_target_block - 1) / svgd_target_block;
#pragma omp parallel for schedule(dynamic, 1) if (double(n) * double(n) * double(d) > 2e6)
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t i0 = b * svgd_target_block, i1 = std::min(n, i0 + svgd_target_block);
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

}  // namespace ensemble_detail

/// A CPU stretch backend for any pointwise target (a user's functor or a built-in target).
template <class T, class Target>
std::unique_ptr<stretch_backend<T>> make_cpu_stretch_backend_for(const Target& target, stretch_shape shape, T a,
                                                                 std::uint64_t seed) {
  using binding = target_binding<Target>;
  check_ensemble_dim(binding::dim(target), shape.dim);
  return std::make_unique<ensemble_detail::cpu_stretch_backend<T, target_ref_t<T, Target>>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); }, shape, a, seed);
}

/// A CPU SVGD backend for any pointwise target (a user's functor or a built-in target).
template <class T, class Target>
std::unique_ptr<svgd_backend<T>> make_cpu_svgd_backend_for(const Target& target) {
  using binding = target_binding<Target>;
  return std::make_unique<ensemble_detail::cpu_svgd_backend<T, target_ref_t<T, Target>>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); },
      binding::dim(target));
}

}  // namespace manychains
