/// \file target_backends.hpp
/// Any pointwise target (a user's functor or a built-in target) on either backend, for every
/// algorithm: MALA/ULA engines, the stretch move, SVGD and the coupling bound.
///
///   make_engine_for<T>(choice, target, chains, seed)        (and make_cuda_engine_for)
///   make_stretch_backend_for<T>(choice, target, shape, a, seed)
///   make_svgd_backend_for<T>(choice, target)
///   run_coupling_for<T>(choice, target, info, settings)
///
/// `choice` goes through select_device(): `automatic` takes a usable GPU, else the CPU; `cuda`
/// without one is refused with device_unavailable and the reason (in a build without the CUDA
/// backend too). The CPU side is the templates of cpu_engine.hpp, ensemble/cpu_backends.hpp and
/// coupling/cpu_coupling.hpp. The CUDA side is compiled once per target and precision by nvcc:
/// put `MANYCHAINS_CUDA_TARGET(my_target, double)` (manychains/cuda/target.cuh) in one `.cu`
/// file of the program; in a build with the CUDA backend, a target used here without it is an
/// undefined reference to `manychains::cuda_backends<T, my_target>::...` at link time.
#pragma once

#include <cstdint>
#include <memory>

#include "manychains/coupling/cpu_coupling.hpp"
#include "manychains/cpu_engine.hpp"
#include "manychains/devices.hpp"
#include "manychains/ensemble/cpu_backends.hpp"

namespace manychains {

/// The CUDA backends of one target type in precision T: declared here for host code, defined in
/// manychains/cuda/target.cuh and instantiated by its macros in the user's `.cu` (the built-in
/// targets: in the library's kernels/). Call them through the factories below.
template <class T, class Target>
struct cuda_backends {
  static std::unique_ptr<chain_engine<T>> engine(const Target& target, chain_range chains, std::uint64_t seed);
  static std::unique_ptr<stretch_backend<T>> stretch(const Target& target, stretch_shape shape, T a,
                                                     std::uint64_t seed);
  static std::unique_ptr<svgd_backend<T>> svgd(const Target& target);
  static coupling_result coupling(const Target& target, const target_info& info, const coupling_settings& settings);
};

/// A CUDA engine for any pointwise target; device_unavailable (with the reason) when CUDA
/// cannot be used or the build has no CUDA backend.
template <class T, class Target>
std::unique_ptr<chain_engine<T>> make_cuda_engine_for(const Target& target, chain_range chains, std::uint64_t seed) {
  require_cuda("--device cuda");
  if constexpr (cuda_enabled) return cuda_backends<T, Target>::engine(target, chains, seed);
  return nullptr;  // not reached: require_cuda throws in a build without CUDA
}

/// A CUDA stretch backend for any pointwise target; refused as make_cuda_engine_for.
template <class T, class Target>
std::unique_ptr<stretch_backend<T>> make_cuda_stretch_backend_for(const Target& target, stretch_shape shape, T a,
                                                                  std::uint64_t seed) {
  require_cuda("--device cuda");
  check_ensemble_dim(target_binding<Target>::dim(target), shape.dim);
  if constexpr (cuda_enabled) return cuda_backends<T, Target>::stretch(target, shape, a, seed);
  return nullptr;
}

/// A CUDA SVGD backend for any pointwise target; refused as make_cuda_engine_for.
template <class T, class Target>
std::unique_ptr<svgd_backend<T>> make_cuda_svgd_backend_for(const Target& target) {
  require_cuda("--device cuda");
  if constexpr (cuda_enabled) return cuda_backends<T, Target>::svgd(target);
  return nullptr;
}

/// The coupling pairs of any pointwise target on the CUDA device; refused as make_cuda_engine_for.
template <class T, class Target>
coupling_result run_coupling_cuda_for(const Target& target, const target_info& info, const coupling_settings& settings) {
  require_cuda("--device cuda");
  if constexpr (cuda_enabled) return cuda_backends<T, Target>::coupling(target, info, settings);
  return {};
}

/// The engine for the device choice (select_device()).
template <class T, class Target>
std::unique_ptr<chain_engine<T>> make_engine_for(device_choice choice, const Target& target, chain_range chains,
                                                 std::uint64_t seed) {
  if (select_device(choice) == backend_kind::cuda) return make_cuda_engine_for<T>(target, chains, seed);
  return make_cpu_engine_for<T>(target, chains, seed);
}

/// The stretch backend for the device choice.
template <class T, class Target>
std::unique_ptr<stretch_backend<T>> make_stretch_backend_for(device_choice choice, const Target& target,
                                                             stretch_shape shape, T a, std::uint64_t seed) {
  if (select_device(choice) == backend_kind::cuda) return make_cuda_stretch_backend_for<T>(target, shape, a, seed);
  return make_cpu_stretch_backend_for<T>(target, shape, a, seed);
}

/// The SVGD backend for the device choice.
template <class T, class Target>
std::unique_ptr<svgd_backend<T>> make_svgd_backend_for(device_choice choice, const Target& target) {
  if (select_device(choice) == backend_kind::cuda) return make_cuda_svgd_backend_for<T>(target);
  return make_cpu_svgd_backend_for<T>(target);
}

/// The coupling pairs on the backend of the device choice.
template <class T, class Target>
coupling_result run_coupling_for(device_choice choice, const Target& target, const target_info& info,
                                 const coupling_settings& settings) {
  if (select_device(choice) == backend_kind::cuda) return run_coupling_cuda_for<T>(target, info, settings);
  return run_coupling_cpu_for<T>(target, info, settings);
}

}  // namespace manychains
