// The CUDA coupling backend's stand-in in a CPU-only build (kernels/coupling.cu defines it otherwise).
#ifndef MANYCHAINS_WITH_CUDA
#include "manychains/coupling/coupling_run.hpp"
#include "manychains/error.hpp"

namespace manychains {

template <class T>
coupling_result run_coupling_cuda(const any_target&, const coupling_settings&) {
  std::string reason;
  cuda_usable(&reason);
  throw device_unavailable("--device cuda: " + reason);
}

template coupling_result run_coupling_cuda<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cuda<double>(const any_target&, const coupling_settings&);

}  // namespace manychains
#endif
