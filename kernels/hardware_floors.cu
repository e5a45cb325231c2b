// The two hardware floors the CUDA engine is measured against (bench/chain_throughput): a kernel
// that only draws what MALA steps draw, one thread per chain as in the engine, and the bandwidth
// of a device-to-device copy.
#include "manychains/cuda/detail/chain_state.cuh"
#include "manychains/cuda/detail/curand_stream.cuh"
#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/devices.hpp"
#include "manychains/random_variates.hpp"

namespace manychains {
namespace {

template <class T>
__global__ void rng_floor_kernel(std::size_t n, std::size_t dim, std::size_t steps, std::uint64_t seed, T* sink) {
  const std::size_t c = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (c >= n) return;
  curand_stream rng(seed, c, 0);
  T acc = 0, z[4];
  for (std::size_t step = 0; step < steps; ++step) {
    for (std::size_t k = 0; k < dim; k += 4) {
      normal4<T>(rng, z);
      acc += z[0] + z[1] + z[2] + z[3];
    }
    acc += uniform_open01<T>(rng.next4().x);
  }
  sink[c] = acc;  // keeps the draws from being optimised away
}

/// Seconds of the second of two runs of `launch` (the first loads the module and warms clocks).
template <class Launch>
double timed_seconds(Launch launch) {
  cudaEvent_t start, stop;
  MC_CUDA_TRY(cudaEventCreate(&start));
  MC_CUDA_TRY(cudaEventCreate(&stop));
  launch();
  MC_CUDA_TRY(cudaEventRecord(start));
  launch();
  MC_CUDA_TRY(cudaEventRecord(stop));
  MC_CUDA_TRY(cudaEventSynchronize(stop));
  float ms = 0;
  MC_CUDA_TRY(cudaEventElapsedTime(&ms, start, stop));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms * 1e-3;
}

}  // namespace

template <class T>
double cuda_rng_floor(std::size_t chains, std::size_t dim, std::size_t steps) {
  require_cuda("cuda_rng_floor");
  device_buffer<T> sink(chains);
  const double seconds = timed_seconds([&] {
    rng_floor_kernel<T><<<blocks_for(chains, 128), 128>>>(chains, dim, steps, 1, sink.data());
    MC_CUDA_TRY(cudaGetLastError());
  });
  return double(chains) * double(steps) / seconds;
}

double cuda_copy_bandwidth() {
  require_cuda("cuda_copy_bandwidth");
  const std::size_t bytes = std::size_t(1) << 30;
  device_buffer<char> a(bytes), b(bytes);
  const double seconds = timed_seconds([&] { MC_CUDA_TRY(cudaMemcpy(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice)); });
  return 2.0 * double(bytes) / seconds;  // read and written
}

template double cuda_rng_floor<float>(std::size_t, std::size_t, std::size_t);
template double cuda_rng_floor<double>(std::size_t, std::size_t, std::size_t);

}  // namespace manychains
