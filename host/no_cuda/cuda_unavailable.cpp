// Every CUDA entry point's stand-in in a build without the CUDA backend: each one is refused with
// the reason. The build compiles this file instead of kernels/ (CMakeLists.txt), so the
// declarations in the public headers are the same in both builds.
#include <cstdlib>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/em/backend.hpp"
#include "manychains/ensemble/backends.hpp"
#include "manychains/error.hpp"
#include "manychains/model/device_model.hpp"

namespace manychains {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  require_cuda(what);  // throws: cuda_usable is false in this build
  std::abort();
}

}  // namespace

bool cuda_usable(std::string* reason) {
  const std::string why = "this build has no CUDA backend (configured with MANYCHAINS_CUDA=OFF or without nvcc)";
  refuse_fallback_when_gpu_expected(why);
  if (reason) *reason = why;
  return false;
}

template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_engine(const any_target&, chain_range, std::uint64_t) {
  refuse("--device cuda");
}

template <class T>
double cuda_rng_floor(std::size_t, std::size_t, std::size_t) {
  refuse("cuda_rng_floor");
}

double cuda_copy_bandwidth() { refuse("cuda_copy_bandwidth"); }

std::string cuda_device_name() { return "none"; }

int cuda_compute_capability() { refuse("--device cuda"); }

template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_model_engine(const device_model&, chain_range, std::uint64_t) {
  refuse("--device cuda");
}

template <class T>
coupling_result run_coupling_cuda(const any_target&, const coupling_settings&) {
  refuse("--device cuda");
}

template <class T>
std::unique_ptr<em_backend<T>> make_em_cuda_backend(const double*, std::size_t, int, int, covariance_type) {
  refuse("--device cuda");
}

template <class T>
std::unique_ptr<stretch_backend<T>> make_cuda_stretch_backend(const any_target&, stretch_shape, T, std::uint64_t) {
  refuse("--device cuda");
}

template <class T>
std::unique_ptr<svgd_backend<T>> make_cuda_svgd_backend(const any_target&) {
  refuse("--device cuda");
}

std::vector<parameter_diagnostics> diagnose_draws_cuda(const double*, std::size_t, std::size_t, std::size_t,
                                                       const std::vector<std::string>&, const diagnose_options&) {
  refuse("--device cuda");
}

std::vector<parameter_diagnostics> diagnose_draws_cuda_from_host(const double*, std::size_t, std::size_t,
                                                                 std::size_t, const std::vector<std::string>&,
                                                                 const diagnose_options&) {
  refuse("--device cuda");
}

template std::unique_ptr<chain_engine<float>> make_cuda_engine<float>(const any_target&, chain_range, std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_cuda_engine<double>(const any_target&, chain_range, std::uint64_t);
template std::unique_ptr<chain_engine<float>> make_cuda_model_engine<float>(const device_model&, chain_range,
                                                                            std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_cuda_model_engine<double>(const device_model&, chain_range,
                                                                              std::uint64_t);
template double cuda_rng_floor<float>(std::size_t, std::size_t, std::size_t);
template double cuda_rng_floor<double>(std::size_t, std::size_t, std::size_t);
template coupling_result run_coupling_cuda<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cuda<double>(const any_target&, const coupling_settings&);
template std::unique_ptr<em_backend<float>> make_em_cuda_backend<float>(const double*, std::size_t, int, int,
                                                                        covariance_type);
template std::unique_ptr<em_backend<double>> make_em_cuda_backend<double>(const double*, std::size_t, int, int,
                                                                          covariance_type);
template std::unique_ptr<stretch_backend<float>> make_cuda_stretch_backend<float>(const any_target&, stretch_shape,
                                                                                  float, std::uint64_t);
template std::unique_ptr<stretch_backend<double>> make_cuda_stretch_backend<double>(const any_target&, stretch_shape,
                                                                                    double, std::uint64_t);
template std::unique_ptr<svgd_backend<float>> make_cuda_svgd_backend<float>(const any_target&);
template std::unique_ptr<svgd_backend<double>> make_cuda_svgd_backend<double>(const any_target&);

}  // namespace manychains
