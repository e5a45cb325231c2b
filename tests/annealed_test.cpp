// Score-only sampling against exact answers: ULA's closed-form stationary variance on a Gaussian,
// and the mode weights / marginal TV of annealed Langevin on a well-separated 0.8/0.2 mixture.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/score/noisy_mixture.hpp"
#include "manychains/score/score_cpu.hpp"

using namespace manychains;

namespace {

struct standard_normal_score {  // a score-only target: s(x) = −x, no V anywhere
  std::size_t dim;
  void score(const double* x, double /*sigma*/, double* out) const {
    for (std::size_t i = 0; i < dim; ++i) out[i] = -x[i];
  }
};

// 1-D mixture 0.8 N(−4, 1) + 0.2 N(4, 1): modes 8 sd apart.
const double kW[2] = {0.8, 0.2}, kMu[2] = {-4.0, 4.0}, kVar[2] = {1.0, 1.0};
const noisy_gaussian_mixture<double> kMix{kW, kMu, kVar, 2, 1};

std::vector<double> broad_start(std::size_t n, std::uint64_t seed) {  // N(0, 10²), far wider than the modes
  std::vector<double> x(n);
  philox_stream rng{seed, 1u << 30, 0};
  for (std::size_t i = 0; i < n; i += 4) {
    double z[4];
    normal4<double>(rng, z);
    for (std::size_t j = 0; j < 4 && i + j < n; ++j) x[i + j] = 10 * z[j];
  }
  return x;
}

double small_mode_fraction(const std::vector<double>& x) {
  const double boundary = std::log(4.0) / 8.0;  // where 0.8 N(x;−4,1) = 0.2 N(x;4,1)
  double n = 0;
  for (double v : x) n += v > boundary;
  return n / double(x.size());
}

double mixture_cdf(double x) {
  double c = 0;
  for (int k = 0; k < 2; ++k) c += kW[k] * 0.5 * std::erfc(-(x - kMu[k]) / std::sqrt(2 * kVar[k]));
  return c;
}

// Histogram TV to the exact mixture on 40 bins over [−10, 10] (tails in the end bins); also its
// noise floor, the expected TV of n exact draws: ½ Σ E|p̂_b − p_b| ≈ ½ Σ sqrt(2 p_b (1 − p_b) / (π n)).
void marginal_tv(const std::vector<double>& x, double* tv, double* floor) {
  const int bins = 40;
  const double lo = -10, width = 0.5;
  std::vector<double> count(bins, 0.0);
  for (double v : x) {
    int b = int(std::floor((v - lo) / width));
    b = b < 0 ? 0 : (b >= bins ? bins - 1 : b);
    count[b] += 1;
  }
  *tv = 0;
  *floor = 0;
  const double n = double(x.size());
  for (int b = 0; b < bins; ++b) {
    const double a = b == 0 ? 0.0 : mixture_cdf(lo + b * width);
    const double c = b == bins - 1 ? 1.0 : mixture_cdf(lo + (b + 1) * width);
    const double p = c - a;
    *tv += 0.5 * std::fabs(count[b] / n - p);
    *floor += 0.5 * std::sqrt(2 * p * (1 - p) / (M_PI * n));
  }
}

}  // namespace

TEST(ScoreOnlyUla, StationaryVarianceMatchesClosedForm) {
  // ULA on N(0, I) at step h: x' = (1 − h²/2) x + h z has stationary variance 1 / (1 − h²/4).
  const std::size_t d = 2, n = 4000;
  const double h = 0.8, truth = 1.0 / (1.0 - h * h / 4.0);
  std::vector<double> x(n * d, 3.0);
  ASSERT_EQ(score_ula_cpu(standard_normal_score{d}, d, n, h, 200, 11, x.data()), 0u);
  double s2 = 0;
  for (double v : x) s2 += v * v;  // mean is 0 exactly
  const double var = s2 / double(n * d), mcse = truth * std::sqrt(2.0 / double(n * d));
  EXPECT_LT(std::fabs(var - truth), 5 * mcse) << var << " vs " << truth;
  EXPECT_GT(std::fabs(var - 1.0), 5 * mcse) << "the ULA bias must be visible at this step";
}

TEST(AnnealedLangevin, PlainLangevinMisweightsModes) {
  const std::size_t n = 4000;
  std::vector<double> x = broad_start(n, 3);
  score_ula_cpu(kMix, 1, n, 0.5, 2000, 5, x.data());
  const double f = small_mode_fraction(x), mcse = std::sqrt(0.2 * 0.8 / n);
  EXPECT_GT(std::fabs(f - 0.2), 5 * mcse) << "plain ULA small-mode fraction " << f;
}

TEST(AnnealedLangevin, RecoversModeWeights) {
  const std::size_t n = 4000;
  std::vector<double> x = broad_start(n, 3);
  const annealed_schedule<double> sched{10.0, 0.1, 10, 200, 0.01};
  std::vector<double> snaps;
  EXPECT_EQ(annealed_cpu(kMix, 1, n, sched, 7, x.data(), &snaps), 0u);
  const double f = small_mode_fraction(x), mcse = std::sqrt(0.2 * 0.8 / n);
  EXPECT_LT(std::fabs(f - 0.2), 5 * mcse) << "annealed small-mode fraction " << f;
  ASSERT_EQ(snaps.size(), 10 * n);
  for (std::size_t c = 0; c < n; ++c) EXPECT_EQ(snaps[9 * n + c], x[c]);  // last snapshot = draws
}

TEST(AnnealedLangevin, MarginalTvShrinksWithStepsPerLevel) {
  const std::size_t n = 4000;
  double tv_small, tv_large, floor;
  for (std::size_t t : {2u, 200u}) {
    std::vector<double> x = broad_start(n, 3);
    const annealed_schedule<double> sched{10.0, 0.1, 10, t, 0.01};
    annealed_cpu(kMix, 1, n, sched, 7, x.data());
    marginal_tv(x, t == 2 ? &tv_small : &tv_large, &floor);
  }
  std::printf("marginal TV to the exact mixture: T=2 %.4f, T=200 %.4f, noise floor %.4f\n", tv_small, tv_large, floor);
  EXPECT_GT(tv_small - tv_large, 5 * floor);
  EXPECT_LT(tv_large, 3 * floor);
}
