// make_cuda_engine<T>: the CUDA engine for each built-in target, the pointwise ones through the
// same cuda_backends template a user's target instantiates (manychains/cuda/target.cuh).
// Instantiated once per precision (cuda_engines_float.cu, cuda_engines_double.cu) so that the two
// compile in parallel.
#pragma once

#include "builtin_targets.cuh"
#include "logistic_engine.cuh"
#include "manychains/cuda/target.cuh"

namespace manychains {

template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_engine(const any_target& target, chain_range chains, std::uint64_t seed) {
  return visit_target(
      target, [&](const auto& t) { return make_cuda_engine_for<T>(t, chains, seed); },
      [&](const logistic_target& t) -> std::unique_ptr<chain_engine<T>> {
        require_cuda("--device cuda");
        return std::make_unique<cuda_logistic_engine<T>>(t, chains, seed);
      });
}

}  // namespace manychains
