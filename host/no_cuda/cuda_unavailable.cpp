// Linked instead of the CUDA backend in a CPU-only build.
#include "manychains/devices.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  std::string reason;
  cuda_usable(&reason);
  throw device_error(what + ": " + reason);
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

template std::unique_ptr<chain_engine<float>> make_cuda_engine<float>(const any_target&, chain_range, std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_cuda_engine<double>(const any_target&, chain_range, std::uint64_t);
template double cuda_rng_floor<float>(std::size_t, std::size_t, std::size_t);
template double cuda_rng_floor<double>(std::size_t, std::size_t, std::size_t);

}  // namespace manychains
