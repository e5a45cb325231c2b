// The vectorised half of buffered_stream: many Philox blocks, then their Box-Muller normals, in
// loops without branches over columns (word k of every block, then normal k of every block).
// Philox runs eight blocks at a time in AVX2 registers where the CPU has AVX2 (GCC does not
// vectorise the 32×32→64-bit products well by itself); Box-Muller is compiled twice by GCC
// (target_clones), for AVX2 and for baseline x86-64, picked at load time. Nothing here uses FMA,
// so every path gives the bits of the scalar `normal4`.
#include "manychains/buffered_stream.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MC_X86_DISPATCH 1
#define MC_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MC_X86_DISPATCH 0
#define MC_VECTOR_CLONES
#endif

namespace manychains {
namespace {

void philox_columns_scalar(const philox_stream& stream, std::size_t first, std::size_t n, std::size_t stride,
                           std::uint32_t* words) {
  const std::uint32_t key_lo = static_cast<std::uint32_t>(stream.seed);
  const std::uint32_t key_hi = static_cast<std::uint32_t>(stream.seed >> 32);
  const std::uint32_t chain_lo = static_cast<std::uint32_t>(stream.chain);
  const std::uint32_t chain_hi = static_cast<std::uint32_t>(stream.chain >> 32);
  for (std::size_t i = first; i < n; ++i) {
    const std::uint64_t block = stream.block + i;
    const words4 w = philox4x32_10(
        words4{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32), chain_lo, chain_hi},
        key_lo, key_hi);
    words[i] = w.x;
    words[stride + i] = w.y;
    words[2 * stride + i] = w.z;
    words[3 * stride + i] = w.w;
  }
}

#if MC_X86_DISPATCH
/// Both halves of the 32×32-bit products of eight lanes.
__attribute__((target("avx2"))) inline void mulhilo8(__m256i a, __m256i m, __m256i* lo, __m256i* hi) {
  const __m256i even = _mm256_mul_epu32(a, m);                          // lanes 0, 2, 4, 6
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);    // lanes 1, 3, 5, 7
  *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

/// philox4x32_10 (philox.hpp) on blocks b … b+7 at once; returns how many blocks it drew.
__attribute__((target("avx2"))) std::size_t philox_columns_avx2(const philox_stream& stream, std::size_t n,
                                                                 std::size_t stride, std::uint32_t* words) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(detail::philox_m0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(detail::philox_m1));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i sign = _mm256_set1_epi32(INT32_MIN);  // flips unsigned order into signed order
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t block = stream.block + i;
    const __m256i first_lo = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(block)));
    const __m256i lo = _mm256_add_epi32(first_lo, lane);
    // A lane whose low word wrapped past 2^32 carries one into the high word.
    const __m256i carry = _mm256_cmpgt_epi32(_mm256_xor_si256(first_lo, sign), _mm256_xor_si256(lo, sign));
    __m256i c0 = lo;
    __m256i c1 = _mm256_sub_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(block >> 32))), carry);
    __m256i c2 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream.chain)));
    __m256i c3 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream.chain >> 32)));
    std::uint32_t k0 = static_cast<std::uint32_t>(stream.seed), k1 = static_cast<std::uint32_t>(stream.seed >> 32);
    for (int round = 0; round < 10; ++round) {
      __m256i lo0, hi0, lo1, hi1;
      mulhilo8(c0, m0, &lo0, &hi0);
      mulhilo8(c2, m1, &lo1, &hi1);
      c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
      c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
      c1 = lo1;
      c3 = lo0;
      k0 += detail::philox_w0;
      k1 += detail::philox_w1;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + i), c0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + stride + i), c1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + 2 * stride + i), c2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + 3 * stride + i), c3);
  }
  return i;
}
#endif

template <class T>
MC_VECTOR_CLONES void box_muller_columns(std::size_t n, std::size_t stride, const std::uint32_t* words, T* normals) {
  for (std::size_t i = 0; i < n; ++i) {
    box_muller<T>(words[i], words[stride + i], &normals[i], &normals[stride + i]);
    box_muller<T>(words[2 * stride + i], words[3 * stride + i], &normals[2 * stride + i], &normals[3 * stride + i]);
  }
}

}  // namespace

template <class T>
void draw_blocks(const philox_stream& stream, std::size_t n, std::size_t stride, std::uint32_t* words, T* normals) {
  std::size_t done = 0;
#if MC_X86_DISPATCH
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) done = philox_columns_avx2(stream, n, stride, words);
#endif
  philox_columns_scalar(stream, done, n, stride, words);
  box_muller_columns<T>(n, stride, words, normals);
}

template void draw_blocks<float>(const philox_stream&, std::size_t, std::size_t, std::uint32_t*, float*);
template void draw_blocks<double>(const philox_stream&, std::size_t, std::size_t, std::uint32_t*, double*);

}  // namespace manychains
