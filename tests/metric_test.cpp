// The warm-up metric is free of the parameters' units: estimates that rescale with the
// coordinates, and whole runs whose draws map onto each other when one coordinate is multiplied
// by 1e-3 or 1e3 (issue 11: a coefficient with posterior variance 1e-6 was swamped by a fixed
// 1e-3 shrinkage).
#include <gtest/gtest.h>

#include <random>

#include "manychains/diagnostics.hpp"
#include "manychains/metric.hpp"
#include "manychains/sampler.hpp"

using namespace manychains;

namespace {

std::vector<double> correlated_positions(std::size_t n, std::size_t d, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z;
  std::vector<double> x(n * d);
  for (std::size_t c = 0; c < n; ++c) {
    const double shared = z(rng);
    for (std::size_t j = 0; j < d; ++j) x[c * d + j] = 2.0 + shared + 0.5 * z(rng);
  }
  return x;
}

const std::vector<double> unit_factors = {1.0, 1e-3, 1e3};

}  // namespace

TEST(Metric, EstimatesRescaleWithTheCoordinates) {
  const std::size_t n = 64, d = 3;
  const auto x = correlated_positions(n, d, 1);
  auto scaled = x;
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < d; ++j) scaled[c * d + j] *= unit_factors[j];
  const std::vector<double> fallback(d, 1.0);
  const auto sd = cross_chain_sd(x, d, fallback), sd_scaled = cross_chain_sd(scaled, d, fallback);
  const auto l = cholesky_rows(shrunk_toward_diagonal(cross_chain_covariance(x, d), n));
  const auto l_scaled = cholesky_rows(shrunk_toward_diagonal(cross_chain_covariance(scaled, d), n));
  ASSERT_EQ(l.size(), d * d);
  ASSERT_EQ(l_scaled.size(), d * d);
  for (std::size_t i = 0; i < d; ++i) {
    EXPECT_NEAR(sd_scaled[i] / unit_factors[i], sd[i], 1e-12 * sd[i]);
    for (std::size_t j = 0; j <= i; ++j)  // L of D Σ D is D L
      EXPECT_NEAR(l_scaled[i * d + j] / unit_factors[i], l[i * d + j], 1e-12 * (std::abs(l[i * d + j]) + 1));
  }
}

TEST(Metric, ShrinkageKeepsVariancesAndPullsCorrelationsToward0) {
  Eigen::MatrixXd cov(2, 2);
  cov << 4e-6, 1e-3 * 0.9 * 2, 1e-3 * 0.9 * 2, 1.0;  // sds 2e-3 and 1, correlation 0.9
  const Eigen::MatrixXd s = shrunk_toward_diagonal(cov, 95);  // weight 95/100 on the covariance
  EXPECT_DOUBLE_EQ(s(0, 0), 4e-6);
  EXPECT_DOUBLE_EQ(s(1, 1), 1.0);
  EXPECT_NEAR(s(0, 1) / std::sqrt(s(0, 0) * s(1, 1)), 0.95 * 0.9, 1e-12);
}

TEST(Metric, ConditionNumbersOfWhitenedCovariances) {
  // Correlation r with a unit diagonal metric: eigenvalues 1 ± r. Its own Cholesky factor whitens
  // it exactly.
  const double r = 0.8;
  Eigen::MatrixXd cov(2, 2);
  cov << 1, r, r, 1;
  EXPECT_NEAR(whitened_condition_number(cov, {1.0, 1.0}, {}), (1 + r) / (1 - r), 1e-12);
  const auto l = cholesky_rows(cov);
  EXPECT_NEAR(whitened_condition_number(cov, {1.0, 1.0}, l), 1.0, 1e-12);
  EXPECT_TRUE(choose_metric(cov, {1.0, 1.0}, l).dense);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(2, 2);
  EXPECT_FALSE(choose_metric(identity, {1.0, 1.0}, cholesky_rows(identity)).dense);
  EXPECT_TRUE(std::isinf(whitened_condition_number(Eigen::MatrixXd::Zero(2, 2), {1.0, 1.0}, {})));
}

namespace {
sample_result<double> run(const std::string& spec, metric_kind metric) {
  const any_target target = make_target(spec);
  sample_settings s;
  s.chains = 256;
  s.warmup = 400;
  s.draws = 300;
  s.seed = 8;
  s.metric = metric;
  auto engine = make_cpu_engine<double>(target, chain_range{0, s.chains}, s.seed);
  return run_sampler<double>(*engine, info_of(target), s);
}
}  // namespace

class MetricUnits : public ::testing::TestWithParam<metric_kind> {};

TEST_P(MetricUnits, ScalingOneCoordinateRescalesItsDrawsAndKeepsTheEss) {
  // The sampler works in whitened coordinates, so multiplying coordinate 1 by a (the target's
  // start radius with it) multiplies its draws by a and leaves everything else as it was, up to
  // rounding: the draws map onto each other and so do the ESS.
  const std::string base = "gaussian:dim=3,rho=0.6,scale=1;";
  const auto reference = run(base + "1;1", GetParam());
  for (const double a : {1e-3, 1e3}) {
    const auto r = run(base + (a < 1 ? "1e-3" : "1e3") + ";1", GetParam());
    ASSERT_EQ(r.draws.size(), reference.draws.size());
    EXPECT_EQ(r.metric, reference.metric);
    EXPECT_NEAR(r.step_size, reference.step_size, 1e-9 * reference.step_size);
    std::size_t matching = 0;
    for (std::size_t i = 0; i < r.draws.size(); ++i) {
      const double factor = i % 3 == 1 ? a : 1.0;
      matching += std::abs(r.draws[i] / factor - reference.draws[i]) <= 1e-6 * (1 + std::abs(reference.draws[i]));
    }
    EXPECT_GE(matching, r.draws.size() * 99 / 100) << "of " << r.draws.size() << " draws, scale " << a;
    const std::vector<std::string> names = {"a", "b", "c"};
    const auto d_ref = diagnose_draws(reference.draws.data(), 256, reference.kept_draws, 3, names);
    const auto d = diagnose_draws(r.draws.data(), 256, r.kept_draws, 3, names);
    for (std::size_t j = 0; j < 3; ++j)
      EXPECT_NEAR(*d[j].ess_bulk, *d_ref[j].ess_bulk, 0.01 * *d_ref[j].ess_bulk) << "coordinate " << j;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, MetricUnits,
                         ::testing::Values(metric_kind::diagonal, metric_kind::dense, metric_kind::automatic),
                         [](const ::testing::TestParamInfo<metric_kind>& info) {
                           return info.param == metric_kind::diagonal ? std::string("diag")
                                  : info.param == metric_kind::dense  ? std::string("dense")
                                                                      : std::string("auto");
                         });
