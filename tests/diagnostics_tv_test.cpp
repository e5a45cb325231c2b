// Histogram TV estimates over positions snapshots: the noise floor, a known shift, strides.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/tv.hpp"
#include "manychains/error.hpp"

namespace mc = manychains;

namespace {

double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

std::vector<double> normals(std::size_t n, double shift, std::mt19937_64& gen) {
  std::normal_distribution<double> normal;
  std::vector<double> x(n);
  for (auto& v : x) v = shift + normal(gen);
  return x;
}

mc::positions_view column(const std::vector<double>& x) { return {x.data(), x.size(), 1, 1, 0}; }

TEST(diagnostics_tv, noise_floor_formula_matches_exact_binomial) {
  // sqrt((B-1)/(2 pi n)) against 1/2 B E|Bin(n, 1/B)/n - 1/B| computed exactly in scipy:
  // n = 4000, B = 80: 0.05597185324756563 (the approximation is 0.17% high at 50 per bin).
  EXPECT_NEAR(mc::tv_noise_floor(4000, 0, 80), 0.05597185324756563, 0.002 * 0.056);
  EXPECT_NEAR(mc::tv_noise_floor(20000, 0, 80), 0.02506477589807704, 0.0004 * 0.025);
  EXPECT_DOUBLE_EQ(mc::tv_noise_floor(100, 100, 5), std::sqrt(4 * 0.02 / (2 * M_PI)));
}

TEST(diagnostics_tv, exact_samples_sit_at_the_noise_floor) {
  // 300 snapshots of 4000 exact draws, B = 80: the mean TV estimates the floor (0.0560 exact);
  // a single TV has sd ~0.004 (measured), so the mean's sd is ~2.3e-4; 5 sd = 1.2e-3, plus the
  // 0.17% approximation error: false-failure rate < 1e-6.
  std::mt19937_64 gen(11);
  const auto q = mc::gaussian_marginals({0.0}, {1.0});
  double sum = 0, sum2 = 0;
  const int reps = 300;
  for (int r = 0; r < reps; ++r) {
    const auto x = normals(4000, 0.0, gen);
    const auto e = mc::marginal_tv_exact(column(x), q, 80);
    sum += e.max;
    sum2 += e.max * e.max;
    EXPECT_EQ(e.bins, 80u);
  }
  const double mean = sum / reps, sd = std::sqrt(sum2 / reps - mean * mean);
  EXPECT_LT(sd, 0.008);
  EXPECT_NEAR(mean, mc::tv_noise_floor(4000, 0, 80), 5 * sd / std::sqrt(double(reps)) + 0.002 * 0.056);
}

TEST(diagnostics_tv, a_shifted_law_is_measured) {
  // Positions N(0.5, 1) against the exact N(0, 1): the binned TV of the two laws is computed
  // exactly below. The estimate is >= it in expectation (Jensen) and above it by at most the
  // floor in expectation; McDiarmid (one point moves the estimate by <= 1/n) gives deviations
  // > 0.02 from the expectation with probability <= 2 exp(-2 n 0.02^2) = 2e-7 at n = 20000.
  std::mt19937_64 gen(12);
  const std::size_t n = 20000, bins = 80;
  const auto x = normals(n, 0.5, gen);
  const auto e = mc::marginal_tv_exact(column(x), mc::gaussian_marginals({0.0}, {1.0}), bins);
  double binned = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    const double lo = b == 0 ? -INFINITY : mc::normal_quantile(double(b) / bins);
    const double hi = b + 1 == bins ? INFINITY : mc::normal_quantile(double(b + 1) / bins);
    binned += std::fabs(phi(hi - 0.5) - phi(lo - 0.5) - 1.0 / bins);
  }
  binned *= 0.5;
  EXPECT_GT(binned, 0.18);  // the true TV is 2 Phi(0.25) - 1 = 0.197
  EXPECT_GT(e.max, binned - 0.02);
  EXPECT_LT(e.max, binned + 1.01 * e.noise_floor + 0.02);
}

TEST(diagnostics_tv, two_samples_of_one_law_sit_at_the_two_sample_floor) {
  // Reference sample of 8000, snapshots of 2000 (B = 40): mean over 200 replicates against the
  // floor with both sample sizes; tolerance 5 sd of the mean plus 1% (bins from the reference's
  // own quantiles make its masses exactly equal, which the formula accounts for only
  // asymptotically): false-failure rate < 1e-6.
  std::mt19937_64 gen(13);
  double sum = 0, sum2 = 0;
  const int reps = 200;
  double floor = 0;
  for (int r = 0; r < reps; ++r) {
    const auto ref = normals(8000, 0.0, gen);
    const auto x = normals(2000, 0.0, gen);
    const auto e = mc::marginal_tv_sample(column(x), column(ref), 40);
    sum += e.max;
    sum2 += e.max * e.max;
    floor = e.noise_floor;
  }
  const double mean = sum / reps, sd = std::sqrt(sum2 / reps - mean * mean);
  EXPECT_NEAR(floor, mc::tv_noise_floor(2000, 8000, 40), 1e-15);
  EXPECT_NEAR(mean, floor, 5 * sd / std::sqrt(double(reps)) + 0.01 * floor);
}

TEST(diagnostics_tv, strides_max_and_median) {
  // Three parameters shifted by 0, 1, 3 sd; dimension-major and chain-major views agree.
  std::mt19937_64 gen(14);
  const std::size_t n = 5000, dim = 3;
  const double shift[dim] = {0.0, 1.0, 3.0};
  std::vector<double> dim_major(n * dim), chain_major(n * dim);
  std::normal_distribution<double> normal;
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) {
      const double v = shift[j] + normal(gen);
      dim_major[j * n + c] = v;
      chain_major[c * dim + j] = v;
    }
  const auto q = mc::gaussian_marginals({0, 0, 0}, {1, 1, 1});
  const auto a = mc::marginal_tv_exact({dim_major.data(), n, dim, 1, n}, q);
  const auto b = mc::marginal_tv_exact({chain_major.data(), n, dim, dim, 1}, q);
  ASSERT_EQ(a.per_parameter.size(), dim);
  EXPECT_EQ(a.per_parameter, b.per_parameter);
  EXPECT_EQ(a.bins, mc::default_tv_bins(n));
  EXPECT_EQ(a.max, a.per_parameter[2]);
  EXPECT_EQ(a.median, a.per_parameter[1]);
  EXPECT_GT(a.per_parameter[2], 0.8);  // a 3 sd shift: TV 2 Phi(1.5) - 1 = 0.866
  EXPECT_LT(a.per_parameter[0], a.per_parameter[1]);
}

TEST(diagnostics_tv, bad_input) {
  std::vector<double> x = {0.0, NAN, 1.0};
  EXPECT_THROW(mc::marginal_tv_exact(column(x), mc::gaussian_marginals({0}, {1}), 2), mc::input_error);
  std::vector<double> empty;
  EXPECT_THROW(mc::marginal_tv_exact(column(empty), mc::gaussian_marginals({0}, {1})), mc::input_error);
  std::vector<double> two = {0.0, 1.0, 2.0, 3.0};
  EXPECT_THROW(mc::marginal_tv_sample({two.data(), 2, 2, 2, 1}, column(two)), mc::input_error);
}

}  // namespace
