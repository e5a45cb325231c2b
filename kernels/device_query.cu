// Is there a GPU we can use? A binary linked with the static CUDA runtime starts without a
// driver; cudaGetDeviceCount then fails with "driver version is insufficient" (error 35) rather
// than cudaErrorNoDevice. Both mean "no GPU" here.
#include <cuda_runtime.h>

#include <string>

#include "manychains/devices.hpp"

namespace manychains {

bool cuda_usable(std::string* reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    if (reason) *reason = std::string("no usable CUDA GPU (") + cudaGetErrorString(status) + ")";
    return false;
  }
  if (count == 0) {
    if (reason) *reason = "no CUDA GPU found";
    return false;
  }
  return true;
}

std::string cuda_device_name() {
  int device = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&device) != cudaSuccess || cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return "cuda";
  }
  return std::string("cuda:") + std::to_string(device) + " (" + prop.name + ")";
}

}  // namespace manychains
