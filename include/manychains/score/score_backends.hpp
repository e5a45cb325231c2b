/// \file score_backends.hpp
/// Score-only sampling of any score target (a user's functor with `score(x, sigma, out)` or a
/// built-in one of score_targets.hpp) on either backend:
///
///   make_score_engine_for<T>(choice, target, n_chains, seed)
///
/// `choice` goes through select_device() as everywhere (devices.hpp). The CUDA side is compiled
/// once per target and precision by nvcc: put `MANYCHAINS_CUDA_SCORE_TARGET(my_target, double)`
/// (manychains/cuda/score_target.cuh) in one `.cu` file of the program; the built-in targets are
/// instantiated in the library's kernels/annealed.cu.
#pragma once

#include <cstdint>
#include <memory>

#include "manychains/devices.hpp"
#include "manychains/score/score_cpu.hpp"
#include "manychains/score/score_engine.hpp"
#include "manychains/score/score_targets.hpp"

namespace manychains {

/// The CUDA score engine of one target type in precision T: declared here for host code, defined
/// in manychains/cuda/score_target.cuh and instantiated by its macro.
template <class T, class Target>
struct cuda_score_backends {
  static std::unique_ptr<score_engine<T>> engine(const Target& target, std::size_t n_chains, std::uint64_t seed,
                                                 std::uint64_t first_chain);
};

/// The CPU score engine.
template <class T, class Target>
std::unique_ptr<score_engine<T>> make_cpu_score_engine_for(const Target& target, std::size_t n_chains,
                                                           std::uint64_t seed, std::uint64_t first_chain = 0) {
  return std::make_unique<cpu_score_engine<T, Target>>(target, target_binding<Target>::dim(target), n_chains, seed,
                                                       first_chain);
}

/// The CUDA score engine; device_unavailable (with the reason) when CUDA cannot be used or the
/// build has no CUDA backend.
template <class T, class Target>
std::unique_ptr<score_engine<T>> make_cuda_score_engine_for(const Target& target, std::size_t n_chains,
                                                            std::uint64_t seed, std::uint64_t first_chain = 0) {
  require_cuda("--device cuda");
  if constexpr (cuda_enabled) return cuda_score_backends<T, Target>::engine(target, n_chains, seed, first_chain);
  return nullptr;  // not reached: require_cuda throws in a build without CUDA
}

/// The score engine for the device choice (select_device()).
template <class T, class Target>
std::unique_ptr<score_engine<T>> make_score_engine_for(device_choice choice, const Target& target,
                                                       std::size_t n_chains, std::uint64_t seed,
                                                       std::uint64_t first_chain = 0) {
  if (select_device(choice) == backend_kind::cuda)
    return make_cuda_score_engine_for<T>(target, n_chains, seed, first_chain);
  return make_cpu_score_engine_for<T>(target, n_chains, seed, first_chain);
}

/// The engine of a built-in score target (instantiated for float and double in the host library,
/// host/score/score_engines.cpp, so that callers need not compile the steps themselves).
template <class T>
std::unique_ptr<score_engine<T>> make_score_engine(device_choice choice, const any_score_target& target,
                                                   std::size_t n_chains, std::uint64_t seed);

}  // namespace manychains
