// Linked instead of the CUDA backend in a CPU-only build.
#include "manychains/devices.hpp"
#include "manychains/error.hpp"

namespace manychains {

bool cuda_usable(std::string* reason) {
  if (reason) *reason = "this build has no CUDA backend (configured with MANYCHAINS_CUDA=OFF or without nvcc)";
  return false;
}

template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_engine(const any_target&, chain_range, std::uint64_t) {
  std::string reason;
  cuda_usable(&reason);
  throw device_error("--device cuda: " + reason);
}

template std::unique_ptr<chain_engine<float>> make_cuda_engine<float>(const any_target&, chain_range, std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_cuda_engine<double>(const any_target&, chain_range, std::uint64_t);

}  // namespace manychains
