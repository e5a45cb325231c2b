// run_coupling_cuda: the built-in targets through the same cuda_backends template a user's
// target instantiates (manychains/cuda/target.cuh; the kernel: cuda/detail/coupling_pairs.cuh).
#include "builtin_targets.cuh"
#include "manychains/cuda/target.cuh"

MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_COUPLING, float)
MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_COUPLING, double)

namespace manychains {

template <class T>
coupling_result run_coupling_cuda(const any_target& target, const coupling_settings& settings) {
  require_cuda("--device cuda");
  resolve_coupling_settings(settings, target);  // refuses the batched target with its message
  return visit_pointwise(
      target, [&](const auto& t) { return run_coupling_cuda_for<T>(t, t.info, settings); }, "converge: batched target");
}

template coupling_result run_coupling_cuda<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cuda<double>(const any_target&, const coupling_settings&);

}  // namespace manychains
