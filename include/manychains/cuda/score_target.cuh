// The CUDA score engine of any score target, compiled by nvcc: include this in one `.cu` file
// of a program and instantiate each target type there, once per precision,
//
//   #include "manychains/cuda/score_target.cuh"
//   MANYCHAINS_CUDA_SCORE_TARGET(my_score, double)
//
// Host `.cpp` code then reaches it through score/score_backends.hpp's factories. The target must
// be trivially copyable (each launch copies it) and its score(x, sigma, out) marked MC_HD.
#pragma once

#include <memory>
#include <type_traits>

#include "manychains/cuda/detail/score_kernel.cuh"
#include "manychains/score/score_backends.hpp"
#include "manychains/target_ref.hpp"

namespace manychains {

template <class T, class Target>
std::unique_ptr<score_engine<T>> cuda_score_backends<T, Target>::engine(const Target& target, std::size_t n_chains,
                                                                        std::uint64_t seed,
                                                                        std::uint64_t first_chain) {
  using binding = target_binding<Target>;
  using ref_type = target_ref_t<T, Target>;
  static_assert(std::is_trivially_copyable_v<ref_type>,
                "a score target for the CUDA backend must be trivially copyable: each kernel launch copies it");
  return std::make_unique<cuda_detail::cuda_score_engine<T, ref_type>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); }, binding::dim(target),
      n_chains, seed, first_chain);
}

}  // namespace manychains

/// The CUDA score engine (annealed Langevin, score-only ULA) of `Target` in precision `T`.
#define MANYCHAINS_CUDA_SCORE_TARGET(Target, T)                                                                \
  template std::unique_ptr<::manychains::score_engine<T>> manychains::cuda_score_backends<T, Target>::engine( \
      const Target&, std::size_t, std::uint64_t, std::uint64_t);
