/// \file config.hpp
/// Portability macros: one source compiles as host code (g++) and device code (nvcc).
#pragma once

#if defined(__CUDACC__)
/// Marks a function callable from host and device code.
#define MC_HD __host__ __device__
#define MC_HD_INLINE __host__ __device__ __forceinline__
#else
#define MC_HD
#define MC_HD_INLINE inline
#endif

#if defined(__CUDA_ARCH__)
#define MC_DEVICE_CODE 1
#else
#define MC_DEVICE_CODE 0
#endif

/// Lets the host compiler reorder one loop's sum into vector lanes (OpenMP simd), which plain
/// IEEE rules forbid. The order then depends on the vector width the build targets; device code
/// and builds without OpenMP sum in loop order.
#if defined(__CUDA_ARCH__) || !defined(_OPENMP)
#define MC_SIMD_SUM(...)
#else
#define MC_PRAGMA(x) _Pragma(#x)
#define MC_SIMD_SUM(...) MC_PRAGMA(omp simd reduction(+ : __VA_ARGS__))
#endif
