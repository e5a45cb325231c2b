// In a CPU-only build the CUDA EM backend is refused with the reason (kernels/em.cu defines it otherwise).
#ifndef MANYCHAINS_WITH_CUDA
#include "manychains/devices.hpp"
#include "manychains/em/backend.hpp"
#include "manychains/error.hpp"

namespace manychains {

template <class T>
std::unique_ptr<em_backend<T>> make_em_cuda_backend(const double*, std::size_t, int, int, covariance_type) {
  std::string reason;
  cuda_usable(&reason);
  throw device_unavailable("--device cuda: " + reason);
}

template std::unique_ptr<em_backend<float>> make_em_cuda_backend<float>(const double*, std::size_t, int, int,
                                                                        covariance_type);
template std::unique_ptr<em_backend<double>> make_em_cuda_backend<double>(const double*, std::size_t, int, int,
                                                                          covariance_type);

}  // namespace manychains
#endif
