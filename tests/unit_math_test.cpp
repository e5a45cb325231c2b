// The host log and sincos behind every normal draw against long double, and the buffered stream
// against the plain one it reads ahead of.
#include <gtest/gtest.h>

#include <cmath>

#include "manychains/buffered_stream.hpp"
#include "manychains/unit_math.hpp"

using namespace manychains;

namespace {

struct worst_errors {
  double log_rel = 0, sin_abs = 0, cos_abs = 0;
};

template <class T>
worst_errors errors_over_uniforms(std::size_t n) {
  worst_errors w;
  philox_stream s{7, 0, 0};
  const long double two_pi = 6.283185307179586476925286766559L;
  for (std::size_t i = 0; i < n; ++i) {
    const words4 words = s.next4();
    for (std::uint32_t word : {words.x, words.y, words.z, words.w, 0u, 0xffffffffu}) {
      const T u = uniform_open01<T>(word);
      const long double lu = static_cast<long double>(u);
      T sn, cs;
      sincos_two_pi(u, &sn, &cs);
      w.log_rel = std::max(w.log_rel, double(std::fabs((unit_log(u) - std::log(lu)) / std::log(lu))));
      w.sin_abs = std::max(w.sin_abs, double(std::fabs(sn - std::sin(two_pi * lu))));
      w.cos_abs = std::max(w.cos_abs, double(std::fabs(cs - std::cos(two_pi * lu))));
    }
  }
  return w;
}

}  // namespace

// Within 2 ulp of the correctly rounded value (relative for log, absolute for |sin|, |cos| ≤ 1).
TEST(UnitMath, DoubleWithinTwoUlpOverUniforms) {
  const worst_errors w = errors_over_uniforms<double>(500000);
  EXPECT_LT(w.log_rel, 2 * 2.2e-16);
  EXPECT_LT(w.sin_abs, 2 * 2.2e-16);
  EXPECT_LT(w.cos_abs, 2 * 2.2e-16);
}

TEST(UnitMath, FloatWithinTwoUlpOverUniforms) {
  const worst_errors w = errors_over_uniforms<float>(500000);
  EXPECT_LT(w.log_rel, 2 * 1.2e-7);
  EXPECT_LT(w.sin_abs, 2 * 1.2e-7);
  EXPECT_LT(w.cos_abs, 2 * 1.2e-7);
}

TEST(UnitMath, LogOfPowersOfTwoAndOneIsExact) {
  EXPECT_EQ(unit_log(1.0), 0.0);
  EXPECT_EQ(unit_log(1.0f), 0.0f);
  for (int e = -40; e <= 40; ++e) EXPECT_NEAR(unit_log(std::ldexp(1.0, e)), e * std::log(2.0), 1e-15 * (1 + std::abs(e)));
}

TEST(UnitMath, Log1pWithinFourUlpFromTinyToOne) {
  double worst = 0;
  for (double t = 1e-20; t <= 1.0; t *= 1.0137) {
    const long double want = std::log1p(static_cast<long double>(t));
    worst = std::max(worst, double(std::fabs((unit_log1p(t) - want) / want)));
  }
  EXPECT_LT(worst, 4 * 2.2e-16);
  EXPECT_EQ(unit_log1p(0.0), 0.0);
}

TEST(UnitMath, QuarterTurnsLandOnTheAxes) {
  const double want[5][2] = {{0, 1}, {1, 0}, {0, -1}, {-1, 0}, {0, 1}};
  for (int q = 0; q <= 4; ++q) {
    double s, c;
    sincos_two_pi(q / 4.0, &s, &c);
    EXPECT_EQ(s, want[q][0]) << q;
    EXPECT_EQ(c, want[q][1]) << q;
  }
}

TEST(UniformOpen01, FloatNeverReachesZeroOrOne) {
  EXPECT_GT(uniform_open01<float>(0u), 0.0f);
  EXPECT_LT(uniform_open01<float>(0xffffffffu), 1.0f);
  EXPECT_GT(uniform_open01<double>(0u), 0.0);
  EXPECT_LT(uniform_open01<double>(0xffffffffu), 1.0);
}

template <class T>
void expect_buffered_equals_plain(std::uint64_t expected_blocks, std::size_t normal_blocks, std::size_t word_blocks,
                                  std::uint64_t first_block = 17) {
  philox_stream plain{99, 12345, first_block};
  buffered_stream<T> buffered;
  buffered.attach(plain, expected_blocks);
  for (std::size_t round = 0; round < 3; ++round) {
    for (std::size_t b = 0; b < normal_blocks; ++b) {
      T want[4], got[4];
      normal4<T>(plain, want);
      normal4<T>(buffered, got);
      for (int k = 0; k < 4; ++k) ASSERT_EQ(got[k], want[k]) << "block " << b << " word " << k;
    }
    for (std::size_t b = 0; b < word_blocks; ++b) {
      const words4 want = plain.next4(), got = buffered.next4();
      ASSERT_EQ(got.x, want.x);
      ASSERT_EQ(got.w, want.w);
    }
  }
  const philox_stream after = buffered.detach();
  EXPECT_EQ(after.block, plain.block);
  EXPECT_EQ(after.chain, plain.chain);
}

// Bit-equal to the plain stream (so the vectorised draws change no result), whether the caller's
// block estimate is right, short or long, and across refills.
TEST(BufferedStream, DrawsTheSameBitsAndEndsAtTheSamePosition) {
  expect_buffered_equals_plain<double>(3 * 26, 25, 1);    // exact budget, one MALA step at d = 100
  expect_buffered_equals_plain<double>(10, 300, 2);       // budget too small: refills one by one
  expect_buffered_equals_plain<double>(100000, 300, 2);   // budget too large: stops early, position exact
  expect_buffered_equals_plain<float>(3 * 903, 900, 3);   // several full refills
  expect_buffered_equals_plain<double>(300, 50, 0, 0xFFFFFFF5ull);  // the block counter's low word wraps
}
