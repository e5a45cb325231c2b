// The vectorised half of buffered_stream: many Philox blocks, then their Box-Muller normals, in
// two loops without branches. Compiled twice by GCC (target_clones): for AVX2 and for the
// baseline x86-64, picked at load time. Neither uses FMA, so both give the scalar code's bits.
#include "manychains/buffered_stream.hpp"

namespace manychains {

#if defined(__x86_64__) && defined(__GNUC__)
#define MC_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MC_VECTOR_CLONES
#endif

template <class T>
MC_VECTOR_CLONES void draw_blocks(const philox_stream& stream, std::size_t n, words4* words, T* normals) {
  const std::uint32_t key_lo = static_cast<std::uint32_t>(stream.seed);
  const std::uint32_t key_hi = static_cast<std::uint32_t>(stream.seed >> 32);
  const std::uint32_t chain_lo = static_cast<std::uint32_t>(stream.chain);
  const std::uint32_t chain_hi = static_cast<std::uint32_t>(stream.chain >> 32);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t block = stream.block + i;
    words[i] = philox4x32_10(
        words4{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32), chain_lo, chain_hi},
        key_lo, key_hi);
  }
  for (std::size_t i = 0; i < n; ++i) {
    box_muller<T>(words[i].x, words[i].y, &normals[4 * i], &normals[4 * i + 1]);
    box_muller<T>(words[i].z, words[i].w, &normals[4 * i + 2], &normals[4 * i + 3]);
  }
}

template void draw_blocks<float>(const philox_stream&, std::size_t, words4*, float*);
template void draw_blocks<double>(const philox_stream&, std::size_t, words4*, double*);

}  // namespace manychains
