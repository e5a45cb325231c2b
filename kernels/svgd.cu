// make_cuda_svgd_backend: the built-in targets through the same cuda_backends template a user's
// target instantiates (manychains/cuda/target.cuh; the class: cuda/detail/svgd_backend.cuh).
#include "builtin_targets.cuh"
#include "manychains/cuda/target.cuh"

MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_SVGD, float)
MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_SVGD, double)

namespace manychains {

template <class T>
std::unique_ptr<svgd_backend<T>> make_cuda_svgd_backend(const any_target& target) {
  return visit_pointwise(
      target, [&](const auto& t) { return make_cuda_svgd_backend_for<T>(t); }, ensemble_unsupported_target_message());
}

template std::unique_ptr<svgd_backend<float>> make_cuda_svgd_backend<float>(const any_target&);
template std::unique_ptr<svgd_backend<double>> make_cuda_svgd_backend<double>(const any_target&);

}  // namespace manychains
