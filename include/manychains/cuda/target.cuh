// The CUDA backends of any pointwise target, compiled by nvcc: include this in one `.cu` file of
// a program and instantiate each target type there, once per precision,
//
//   #include "manychains/cuda/target.cuh"
//   MANYCHAINS_CUDA_TARGET(my_target, double)   // engine, stretch, SVGD and coupling
//
// (or one algorithm: MANYCHAINS_CUDA_ENGINE / _STRETCH / _SVGD / _COUPLING). Host `.cpp` code then
// reaches them through target_backends.hpp's factories. The target must be trivially copyable
// (each launch copies it into the kernel) and its dim() and logdensity_grad(x, grad) marked MC_HD.
// The built-in targets are instantiated by the same macros in the library's kernels/.
#pragma once

#include <chrono>
#include <memory>
#include <type_traits>
#include <vector>

#include "manychains/cuda/detail/coupling_pairs.cuh"
#include "manychains/cuda/detail/pointwise_engine.cuh"
#include "manychains/cuda/detail/stretch_backend.cuh"
#include "manychains/cuda/detail/svgd_backend.cuh"
#include "manychains/target_backends.hpp"

namespace manychains {
namespace cuda_detail {
template <class T, class Target>
constexpr bool check_device_target() {
  static_assert(std::is_trivially_copyable_v<target_ref_t<T, Target>>,
                "a target for the CUDA backend must be trivially copyable: each kernel launch copies it");
  return true;
}
}  // namespace cuda_detail

template <class T, class Target>
std::unique_ptr<chain_engine<T>> cuda_backends<T, Target>::engine(const Target& target, chain_range chains,
                                                                  std::uint64_t seed) {
  static_assert(cuda_detail::check_device_target<T, Target>());
  using binding = target_binding<Target>;
  return std::make_unique<cuda_pointwise_engine<T, target_ref_t<T, Target>>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); },
      binding::dim(target), chains, seed);
}

template <class T, class Target>
std::unique_ptr<stretch_backend<T>> cuda_backends<T, Target>::stretch(const Target& target, stretch_shape shape, T a,
                                                                      std::uint64_t seed) {
  static_assert(cuda_detail::check_device_target<T, Target>());
  using binding = target_binding<Target>;
  check_ensemble_dim(binding::dim(target), shape.dim);
  return std::make_unique<cuda_detail::cuda_stretch_backend<T, target_ref_t<T, Target>>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); }, shape, a, seed);
}

template <class T, class Target>
std::unique_ptr<svgd_backend<T>> cuda_backends<T, Target>::svgd(const Target& target) {
  static_assert(cuda_detail::check_device_target<T, Target>());
  using binding = target_binding<Target>;
  return std::make_unique<cuda_detail::cuda_svgd_backend<T, target_ref_t<T, Target>>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); },
      binding::dim(target));
}

template <class T, class Target>
coupling_result cuda_backends<T, Target>::coupling(const Target& target, const target_info& info,
                                                   const coupling_settings& settings) {
  static_assert(cuda_detail::check_device_target<T, Target>());
  using binding = target_binding<Target>;
  const coupling_settings s = coupling_detail::resolve_for(binding::dim(target), info, settings);
  const auto start = std::chrono::steady_clock::now();
  device_buffer<T> params;
  params.upload(binding::template params<T>(target));
  std::vector<pair_outcome> outcomes(s.pairs);
  const bool finished =
      cuda_detail::run_pairs<T>(binding::ref(target, static_cast<const T*>(params.data())), s, outcomes);
  coupling_result r = collect_outcomes(outcomes, s, info.spec);
  r.interrupted = !finished;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.device = cuda_device_name();
  return r;
}

}  // namespace manychains

/// The CUDA MALA/ULA engine of `Target` in precision `T` (float or double).
#define MANYCHAINS_CUDA_ENGINE(Target, T)                                                                     \
  template std::unique_ptr<::manychains::chain_engine<T>> manychains::cuda_backends<T, Target>::engine( \
      const Target&, ::manychains::chain_range, std::uint64_t);
/// The CUDA stretch-move backend of `Target` in precision `T`.
#define MANYCHAINS_CUDA_STRETCH(Target, T)                                                                        \
  template std::unique_ptr<::manychains::stretch_backend<T>> manychains::cuda_backends<T, Target>::stretch( \
      const Target&, ::manychains::stretch_shape, T, std::uint64_t);
/// The CUDA SVGD backend of `Target` in precision `T`.
#define MANYCHAINS_CUDA_SVGD(Target, T) \
  template std::unique_ptr<::manychains::svgd_backend<T>> manychains::cuda_backends<T, Target>::svgd(const Target&);
/// The CUDA coupling pairs of `Target` in precision `T`.
#define MANYCHAINS_CUDA_COUPLING(Target, T)                                                   \
  template ::manychains::coupling_result manychains::cuda_backends<T, Target>::coupling( \
      const Target&, const ::manychains::target_info&, const ::manychains::coupling_settings&);
/// Every CUDA backend of `Target` in precision `T`.
#define MANYCHAINS_CUDA_TARGET(Target, T) \
  MANYCHAINS_CUDA_ENGINE(Target, T)       \
  MANYCHAINS_CUDA_STRETCH(Target, T)      \
  MANYCHAINS_CUDA_SVGD(Target, T)         \
  MANYCHAINS_CUDA_COUPLING(Target, T)
