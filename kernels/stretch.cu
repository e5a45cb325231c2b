// make_cuda_stretch_backend: the built-in targets through the same cuda_backends template a
// user's target instantiates (manychains/cuda/target.cuh; the class: cuda/detail/stretch_backend.cuh).
#include "builtin_targets.cuh"
#include "manychains/cuda/target.cuh"

MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_STRETCH, float)
MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_STRETCH, double)

namespace manychains {

template <class T>
std::unique_ptr<stretch_backend<T>> make_cuda_stretch_backend(const any_target& target, stretch_shape shape, T a,
                                                              std::uint64_t seed) {
  return visit_pointwise(
      target, [&](const auto& t) { return make_cuda_stretch_backend_for<T>(t, shape, a, seed); },
      ensemble_unsupported_target_message());
}

template std::unique_ptr<stretch_backend<float>> make_cuda_stretch_backend<float>(const any_target&, stretch_shape,
                                                                                  float, std::uint64_t);
template std::unique_ptr<stretch_backend<double>> make_cuda_stretch_backend<double>(const any_target&, stretch_shape,
                                                                                    double, std::uint64_t);

}  // namespace manychains
