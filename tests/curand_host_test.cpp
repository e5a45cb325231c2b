// cuRAND's own Philox, compiled as host code, against our stream: the CPU backend must draw the
// words the GPU's curand4 draws. The toolkit's curand_kernel.h compiles under g++ with QUALIFIERS
// defined as static inline; where the toolkit is not installed this test is skipped at build time.
#include <gtest/gtest.h>

#include "manychains/philox.hpp"

#if __has_include(<curand_kernel.h>)
#define QUALIFIERS static inline
#include <curand_kernel.h>
#define MANYCHAINS_HAVE_CURAND_HEADERS 1
#endif

#ifdef MANYCHAINS_HAVE_CURAND_HEADERS
TEST(CurandOnHost, StreamEqualsCurand4ForManySeedsChainsAndOffsets) {
  const unsigned long long seeds[] = {0ull, 1ull, 42ull, 0xdeadbeefcafef00dull};
  const unsigned long long chains[] = {0ull, 1ull, 7ull, 1023ull, 65535ull, 1ull << 33};
  const unsigned long long blocks[] = {0ull, 1ull, 5ull, 1000ull, 1ull << 32};
  for (auto seed : seeds)
    for (auto chain : chains)
      for (auto block : blocks) {
        curandStatePhilox4_32_10_t state;
        curand_init(seed, chain, 4 * block, &state);
        manychains::philox_stream ours{seed, chain, block};
        for (int k = 0; k < 3; ++k) {
          const uint4 want = curand4(&state);
          const manychains::words4 got = ours.next4();
          ASSERT_EQ(got.x, want.x) << seed << " " << chain << " " << block << " " << k;
          ASSERT_EQ(got.y, want.y);
          ASSERT_EQ(got.z, want.z);
          ASSERT_EQ(got.w, want.w);
        }
      }
}

TEST(CurandOnHost, WordByWordCurandMatchesBlocks) {
  curandStatePhilox4_32_10_t state;
  curand_init(99, 3, 0, &state);
  manychains::philox_stream ours{99, 3, 0};
  for (int b = 0; b < 10; ++b) {
    const manychains::words4 w = ours.next4();
    EXPECT_EQ(curand(&state), w.x);
    EXPECT_EQ(curand(&state), w.y);
    EXPECT_EQ(curand(&state), w.z);
    EXPECT_EQ(curand(&state), w.w);
  }
}
#else
TEST(CurandOnHost, SkippedWithoutToolkitHeaders) { GTEST_SKIP() << "curand_kernel.h not installed"; }
#endif
