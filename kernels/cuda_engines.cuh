// make_cuda_engine<T>: the CUDA engine for each built-in target. Instantiated once per precision
// (cuda_engines_float.cu, cuda_engines_double.cu) so that the two compile in parallel.
#pragma once

#include "logistic_engine.cuh"
#include "manychains/devices.hpp"
#include "pointwise_engine.cuh"

namespace manychains {

template <class T>
struct cuda_engine_factory {
  chain_range chains;
  std::uint64_t seed;

  template <class Target>
  std::unique_ptr<chain_engine<T>> operator()(const Target& target) const {
    using ref_type = decltype(target.template ref<T>(nullptr));
    const std::vector<T> params(target.params.begin(), target.params.end());
    return std::make_unique<cuda_pointwise_engine<T, ref_type>>(
        params, [&](const T* p) { return target.template ref<T>(p); }, target.info.dim, chains, seed);
  }
  std::unique_ptr<chain_engine<T>> operator()(const logistic_target& target) const {
    return std::make_unique<cuda_logistic_engine<T>>(target, chains, seed);
  }
};

template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_engine(const any_target& target, chain_range chains, std::uint64_t seed) {
  require_cuda("--device cuda");
  return std::visit(cuda_engine_factory<T>{chains, seed}, target);
}

}  // namespace manychains
