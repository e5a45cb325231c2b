/// \file cuda_try.hpp
/// Error checks for CUDA runtime and cuBLAS calls in host code of .cu files: a failure clears the
/// sticky error and throws manychains::device_error with the call, file and line, or
/// manychains::memory_error (out of resources: exit 3) when the device ran out of memory.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "manychains/error.hpp"

#define MC_CUDA_TRY(call)                                                                            \
  do {                                                                                               \
    const cudaError_t mc_status = (call);                                                            \
    if (mc_status != cudaSuccess) {                                                                  \
      (void)cudaGetLastError();                                                                      \
      if (mc_status == cudaErrorMemoryAllocation)                                                    \
        throw ::manychains::memory_error("the GPU ran out of memory (" #call " at " __FILE__ ":" +   \
                                         std::to_string(__LINE__) + "); use fewer chains or draws"); \
      throw ::manychains::device_error(std::string("CUDA error: ") + cudaGetErrorString(mc_status) + \
                                       " in " #call " at " __FILE__ ":" + std::to_string(__LINE__)); \
    }                                                                                                \
  } while (0)

#define MC_CUBLAS_TRY(call)                                                                          \
  do {                                                                                               \
    const cublasStatus_t mc_status = (call);                                                         \
    if (mc_status == CUBLAS_STATUS_ALLOC_FAILED)                                                     \
      throw ::manychains::memory_error("cuBLAS could not allocate GPU memory (" #call " at " __FILE__ \
                                       ":" + std::to_string(__LINE__) + "); use fewer chains");      \
    if (mc_status != CUBLAS_STATUS_SUCCESS)                                                          \
      throw ::manychains::device_error(std::string("cuBLAS error ") + std::to_string(int(mc_status)) + \
                                       " in " #call " at " __FILE__ ":" + std::to_string(__LINE__)); \
  } while (0)
