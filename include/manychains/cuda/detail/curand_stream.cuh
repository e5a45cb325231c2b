// A chain's stream on the device, drawn from cuRAND's Philox4_32_10 device API. Same interface
// and the same words as the host's philox_stream (include/manychains/philox.hpp): block b of
// chain c is what curand4 returns after curand_init(seed, c, 4 b, &state).
#pragma once

#include <curand_kernel.h>

#include <cstdint>

#include "manychains/philox.hpp"

namespace manychains {

struct curand_stream {
  curandStatePhilox4_32_10_t state;
  std::uint64_t block;

  __device__ curand_stream(std::uint64_t seed, std::uint64_t chain, std::uint64_t first_block) : block(first_block) {
    curand_init(seed, chain, 4 * first_block, &state);
  }
  __device__ __forceinline__ words4 next4() {
    const uint4 r = curand4(&state);
    ++block;
    return words4{r.x, r.y, r.z, r.w};
  }
};

}  // namespace manychains
