// The Philox stream against the Random123 known-answer vectors, and its cuRAND conventions.
#include <gtest/gtest.h>

#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"

using namespace manychains;

// Known-answer vectors of Random123 (kat_vectors, philox4x32 10 rounds).
TEST(Philox, Random123KnownAnswers) {
  const words4 zero = philox4x32_10({0, 0, 0, 0}, 0, 0);
  EXPECT_EQ(zero.x, 0x6627e8d5u);
  EXPECT_EQ(zero.y, 0xe169c58du);
  EXPECT_EQ(zero.z, 0xbc57ac4cu);
  EXPECT_EQ(zero.w, 0x9b00dbd8u);
  const words4 ones = philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(ones.x, 0x408f276du);
  EXPECT_EQ(ones.y, 0x41c83b0eu);
  EXPECT_EQ(ones.z, 0xa20bc7c6u);
  EXPECT_EQ(ones.w, 0x6d5451fdu);
  const words4 pi = philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(pi.x, 0xd16cfe09u);
  EXPECT_EQ(pi.y, 0x94fdccebu);
  EXPECT_EQ(pi.z, 0x5001e420u);
  EXPECT_EQ(pi.w, 0x24126ea1u);
}

TEST(Philox, StreamPutsChainInHighCounterWordsAndSeedInKey) {
  philox_stream s{0x1234567890abcdefull, 0x0000000500000007ull, 3};
  const words4 got = s.next4();
  const words4 want = philox4x32_10({3, 0, 7, 5}, 0x90abcdefu, 0x12345678u);
  EXPECT_EQ(got.x, want.x);
  EXPECT_EQ(got.w, want.w);
  EXPECT_EQ(s.block, 4u);
}

TEST(Philox, BoxMullerNormalsHaveUnitMomentsWithinMonteCarloError) {
  philox_stream s{42, 0, 0};
  const int n = 200000;  // 4n normals
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    double z[4];
    normal4<double>(s, z);
    for (double v : z) {
      sum += v;
      sum2 += v * v;
    }
  }
  const double m = 4.0 * n, mean = sum / m, var = sum2 / m - mean * mean;
  // sd of the mean is 1/sqrt(m); of the variance sqrt(2/m). 5 sigma: false-failure rate ~6e-7.
  EXPECT_LT(std::abs(mean), 5.0 / std::sqrt(m));
  EXPECT_LT(std::abs(var - 1.0), 5.0 * std::sqrt(2.0 / m));
}
