// diagnose_draws_cuda in a build without the CUDA backend: refused with the reason.
#ifndef MANYCHAINS_WITH_CUDA
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"

namespace manychains {

std::vector<parameter_diagnostics> diagnose_draws_cuda(const double*, std::size_t, std::size_t, std::size_t,
                                                       const std::vector<std::string>&, const diagnose_options&) {
  std::string reason;
  cuda_usable(&reason);
  throw device_unavailable("--device cuda: " + reason);
}

std::vector<parameter_diagnostics> diagnose_draws_cuda_from_host(const double*, std::size_t, std::size_t,
                                                                 std::size_t, const std::vector<std::string>&,
                                                                 const diagnose_options&) {
  std::string reason;
  cuda_usable(&reason);
  throw device_unavailable("--device cuda: " + reason);
}

}  // namespace manychains
#endif
