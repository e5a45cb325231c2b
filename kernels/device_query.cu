// Is there a GPU we can use? A binary linked with the static CUDA runtime starts without a
// driver; cudaGetDeviceCount then fails with "driver version is insufficient" (error 35) rather
// than cudaErrorNoDevice. Both mean "no GPU" here, except under MANYCHAINS_EXPECT_GPU=1, where
// they are an error (a driver older than the toolkit reads the same way).
#include <cuda_runtime.h>

#include <string>

#include "manychains/devices.hpp"

namespace manychains {

bool cuda_usable(std::string* reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  std::string why;
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    why = std::string("no usable CUDA GPU (") + cudaGetErrorString(status) + ")";
  } else if (count == 0) {
    why = "no CUDA GPU found";
  } else {
    return true;
  }
  refuse_fallback_when_gpu_expected(why);
  if (reason) *reason = why;
  return false;
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
