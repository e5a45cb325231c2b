/// \file philox.hpp
/// Philox4x32-10 (Salmon et al. 2011) as a host-device counter-based stream that reproduces
/// cuRAND's `curandStatePhilox4_32_10_t` word for word.
///
/// cuRAND's `curand_init(seed, subsequence, offset, &s)` puts the seed in the key and the
/// subsequence in the counter's high 64 bits; word k of subsequence c is therefore word k % 4 of
/// Philox({k/4 (low 64 bits), c (high 64 bits)}, seed). A chain's stream is the subsequence named
/// by its *global* index, so a split of the chains over devices or processes draws the same numbers.
#pragma once

#include <cstdint>

#include "manychains/config.hpp"

namespace manychains {

/// Four 32-bit words; layout-compatible with CUDA's uint4 (x, y, z, w).
struct words4 {
  std::uint32_t x, y, z, w;
};

namespace detail {
constexpr std::uint32_t philox_m0 = 0xD2511F53u;
constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // golden ratio
constexpr std::uint32_t philox_w1 = 0xBB67AE85u;  // sqrt(3) - 1

MC_HD_INLINE std::uint32_t mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t* hi) {
#if MC_DEVICE_CODE
  *hi = __umulhi(a, b);
  return a * b;
#else
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  *hi = static_cast<std::uint32_t>(p >> 32);
  return static_cast<std::uint32_t>(p);
#endif
}

MC_HD_INLINE words4 philox_round(words4 c, std::uint32_t k0, std::uint32_t k1) {
  std::uint32_t hi0, hi1;
  const std::uint32_t lo0 = mulhilo(philox_m0, c.x, &hi0);
  const std::uint32_t lo1 = mulhilo(philox_m1, c.z, &hi1);
  return words4{hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0};
}
}  // namespace detail

/// The Philox4x32-10 bijection: ten rounds of `counter` under `key` (k0 = low, k1 = high word).
MC_HD_INLINE words4 philox4x32_10(words4 counter, std::uint32_t k0, std::uint32_t k1) {
  for (int round = 0; round < 9; ++round) {
    counter = detail::philox_round(counter, k0, k1);
    k0 += detail::philox_w0;
    k1 += detail::philox_w1;
  }
  return detail::philox_round(counter, k0, k1);
}

/// One chain's random stream: block b holds words 4b..4b+3 of the chain's cuRAND subsequence.
/// Trivially copyable; its whole state is (seed, chain, block).
struct philox_stream {
  std::uint64_t seed;
  std::uint64_t chain;
  std::uint64_t block;

  /// The next four words (the next block); equals cuRAND's `curand4` after
  /// `curand_init(seed, chain, 4 * block, &s)`.
  MC_HD_INLINE words4 next4() {
    const words4 counter{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
                         static_cast<std::uint32_t>(chain), static_cast<std::uint32_t>(chain >> 32)};
    ++block;
    return philox4x32_10(counter, static_cast<std::uint32_t>(seed),
                         static_cast<std::uint32_t>(seed >> 32));
  }
};

}  // namespace manychains
