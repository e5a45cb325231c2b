// MALA and ULA against closed-form truths. Tolerances are 5 Monte Carlo standard errors, the
// MCSE taken from the spread of independent chains' averages: a false failure has probability
// about 6e-7 per comparison (two-sided normal tail at 5 sigma).
#include <gtest/gtest.h>
#include <omp.h>

#include <fstream>
#include <Eigen/Dense>

#include "manychains/sampler.hpp"
#include "test_support.hpp"

using namespace manychains;
using manychains::testing::across_chains;
using manychains::testing::per_chain_average;

namespace {

template <class T>
sample_result<T> sample(const std::string& spec, sample_settings s) {
  const any_target target = make_target(spec);
  auto engine = make_cpu_engine<T>(target, chain_range{0, s.chains}, s.seed);
  return run_sampler<T>(*engine, info_of(target), s);
}

sample_settings settings(std::size_t chains, std::size_t warmup, std::size_t draws, std::uint64_t seed) {
  sample_settings s;
  s.chains = chains;
  s.warmup = warmup;
  s.draws = draws;
  s.seed = seed;
  return s;
}

/// Every coordinate's mean and variance within 5 MCSE of the truth.
template <class T>
void expect_moments(const sample_result<T>& r, const std::vector<double>& mean, const std::vector<double>& sd) {
  const std::size_t n = r.chains.size();
  for (std::size_t j = 0; j < r.dim; ++j) {
    const auto m = across_chains(per_chain_average(r.draws, n, r.kept_draws, r.dim, j, [](double x) { return x; }));
    EXPECT_LT(std::abs(m.value - mean[j]), 5 * m.mcse) << "mean of coordinate " << j << ": " << m.value;
    const double mu = mean[j];
    const auto v = across_chains(
        per_chain_average(r.draws, n, r.kept_draws, r.dim, j, [mu](double x) { return (x - mu) * (x - mu); }));
    EXPECT_LT(std::abs(v.value - sd[j] * sd[j]), 5 * v.mcse) << "variance of coordinate " << j << ": " << v.value;
  }
}

}  // namespace

struct gaussian_case {
  std::string name, spec;
  std::vector<double> mean, sd;
  std::size_t chains;
};

class MalaGaussian : public ::testing::TestWithParam<gaussian_case> {};

TEST_P(MalaGaussian, MomentsWithinFiveMcse) {
  const auto& c = GetParam();
  const auto r = sample<double>(c.spec, settings(c.chains, 400, 400, 11));
  EXPECT_EQ(r.divergences, 0u);
  EXPECT_GT(r.accept_rate, 0.45);  // the adapted step aims at 0.574
  EXPECT_LT(r.accept_rate, 0.70);
  expect_moments(r, c.mean, c.sd);
}

INSTANTIATE_TEST_SUITE_P(
    Dimensions, MalaGaussian,
    ::testing::Values(gaussian_case{"dim1", "gaussian:dim=1,mean=3,scale=2", {3.0}, {2.0}, 256},
                      gaussian_case{"dim10", "gaussian:dim=10,mean=1;2;3;4;5;6;7;8;9;10,scale=0.1",
                                    {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, std::vector<double>(10, 0.1), 256},
                      gaussian_case{"dim100", "gaussian:dim=100", std::vector<double>(100, 0.0),
                                    std::vector<double>(100, 1.0), 128},
                      gaussian_case{"dim10_rho09", "gaussian:dim=10,rho=0.9", std::vector<double>(10, 0.0),
                                    std::vector<double>(10, 1.0), 256}),
    [](const ::testing::TestParamInfo<gaussian_case>& info) { return info.param.name; });

TEST(Mala, FloatPrecisionGaussianMoments) {
  const auto r = sample<float>("gaussian:dim=10,scale=3", settings(256, 500, 500, 5));
  expect_moments(r, std::vector<double>(10, 0.0), std::vector<double>(10, 3.0));
}

TEST(Mala, MixtureMomentsMatchClosedForm) {
  // Modes 3 sd apart: bimodal, but the chains cross between them often enough to mix.
  const auto r = sample<double>("mixture:dim=1,means=-1.5/1.5,weights=0.3/0.7,scales=1/1", settings(256, 500, 3000, 3));
  const double mean = 0.3 * -1.5 + 0.7 * 1.5;
  const double second = 0.3 * (1 + 2.25) + 0.7 * (1 + 2.25);
  expect_moments(r, {mean}, {std::sqrt(second - mean * mean)});
}

TEST(Ula, StationaryVarianceMatchesClosedFormAndBiasShrinksWithStep) {
  // ULA on N(0,1) is the AR(1) x' = (1 - ε²/2) x + ε z, whose stationary variance is
  // 1 / (1 - ε²/4): biased, and less so as ε shrinks.
  double previous_bias = 1e9;
  for (double eps : {1.0, 0.5, 0.25}) {
    auto s = settings(512, 400, 1000, 21);
    s.sampler = sampler_kind::ula;
    s.step_size = eps;
    s.adapt_preconditioner = false;
    const auto r = sample<double>("gaussian:dim=1", s);
    const double exact = 1.0 / (1.0 - eps * eps / 4.0);
    const auto v = across_chains(per_chain_average(r.draws, 512, r.kept_draws, 1, 0, [](double x) { return x * x; }));
    EXPECT_LT(std::abs(v.value - exact), 5 * v.mcse) << "eps " << eps;
    const double bias = v.value - 1.0;
    if (eps >= 0.5) {  // at ε = 0.25 the bias (0.016) is within reach of this run's noise
      EXPECT_GT(bias, 5 * v.mcse) << "ULA's bias must be visible at eps " << eps;
      EXPECT_LT(bias + 5 * v.mcse, previous_bias) << "and shrink with the step";
    }
    previous_bias = bias;
  }
}

TEST(Mala, NoBiasAtLargeStepWhereUlaHasIt) {
  auto s = settings(512, 400, 1000, 21);
  s.step_size = 1.0;
  s.adapt_preconditioner = false;
  const auto r = sample<double>("gaussian:dim=1", s);
  expect_moments(r, {0.0}, {1.0});
}

TEST(Runner, SameSeedGivesIdenticalDrawsForAnyThreadCount) {
  const int saved = omp_get_max_threads();
  std::vector<std::vector<double>> runs;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    runs.push_back(sample<double>("funnel:dim=5", settings(64, 100, 50, 99)).draws);
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
}

TEST(Runner, DenseMetricDrawsDoNotDependOnThreadCounts) {
  // The CPU dense step multiplies all chains by L at once (Eigen GEMM, threaded by OpenMP).
  const int saved = omp_get_max_threads();
  std::vector<std::vector<double>> runs;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    auto s = settings(200, 60, 20, 99);  // four blocks of 64 chains, the last one short
    s.metric = metric_kind::dense;
    const auto r = sample<double>("gaussian:dim=20,rho=0.5", s);
    EXPECT_EQ(r.metric, "dense");
    runs.push_back(r.draws);
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
}

TEST(Runner, ChainRangeDrawsTheSameChainsAsTheWholeRun) {
  // Chains are keyed by their global index: chains [32, 64) of a split run equal those of one run
  // (without adaptation, which pools over the chains a process owns).
  auto s = settings(64, 0, 20, 7);
  s.step_size = 0.3;
  const any_target target = make_target("rosenbrock");
  auto whole = make_cpu_engine<double>(target, chain_range{0, 64}, s.seed);
  auto part = make_cpu_engine<double>(target, chain_range{32, 64}, s.seed);
  const auto a = run_sampler<double>(*whole, info_of(target), s);
  s.chains = 32;
  const auto b = run_sampler<double>(*part, info_of(target), s);
  const std::vector<double> tail(a.draws.begin() + 32 * 20 * 2, a.draws.end());
  EXPECT_EQ(tail, b.draws);
}

TEST(Runner, NonFiniteLogDensityIsACountedDivergenceNeverANan) {
  // A funnel with a huge fixed step: many proposals overflow exp(-v).
  auto s = settings(64, 0, 200, 5);
  s.step_size = 30.0;
  s.adapt_preconditioner = false;
  const auto r = sample<double>("funnel:dim=10", s);
  EXPECT_GT(r.divergences, 0u);
  for (double v : r.draws) ASSERT_TRUE(std::isfinite(v));
}

// Per-draw statistics (ArviZ's sample_stats): the kept state's log-density, each thinning
// interval's mean acceptance, and divergence flags; interrupted and warm-up runs keep them aligned
// with their draws.
TEST(DrawStats, LogDensityAcceptanceAndDivergenceOfEachKeptDraw) {
  // A small logistic data set, so that the batched CPU engine is covered too.
  const std::string csv = manychains::testing::temp_dir("stats") + "/data.csv";
  {
    std::ofstream out(csv);
    out << "a,b,y\n";
    for (int i = 0; i < 40; ++i) out << (i % 7) * 0.3 - 1 << "," << (i % 5) * 0.2 << "," << (i % 3 == 0) << "\n";
  }
  for (const std::string spec : {std::string("gaussian:dim=3"), "logistic:data=" + csv}) {
    sample_settings s = settings(16, 100, 60, 3);
    s.thin = 3;
    s.save_warmup = true;
    const any_target target = make_target(spec);
    auto engine = make_cpu_engine<double>(target, chain_range{0, s.chains}, s.seed);
    const auto r = run_sampler<double>(*engine, info_of(target), s);
    const std::size_t n = s.chains, kept = r.kept_draws, d = r.dim;
    ASSERT_EQ(r.stats.logp.size(), n * kept) << spec;
    // The draws' own log-density, evaluated afresh.
    const std::vector<double> lp = engine->logdensity(r.draws);
    ASSERT_EQ(lp.size(), n * kept);
    for (std::size_t i = 0; i < lp.size(); ++i) ASSERT_NEAR(r.stats.logp[i], lp[i], 1e-9 * (1 + std::abs(lp[i]))) << spec;
    // Interval means over whole intervals average to the run's acceptance.
    double sum = 0;
    std::uint64_t flagged = 0;
    for (std::size_t i = 0; i < n * kept; ++i) {
      EXPECT_GE(r.stats.accept_prob[i], 0.0);
      EXPECT_LE(r.stats.accept_prob[i], 1.0);
      sum += r.stats.accept_prob[i];
      flagged += r.stats.divergent[i];
    }
    EXPECT_NEAR(sum / double(n * kept), r.accept_rate, 1e-12) << spec;
    EXPECT_LE(flagged, r.divergences);
    // Warm-up: every step kept, with its step size.
    ASSERT_EQ(r.warmup_draws.size(), n * s.warmup * d);
    ASSERT_EQ(r.warmup_step_sizes.size(), s.warmup);
    const std::vector<double> wlp = engine->logdensity(r.warmup_draws);
    for (std::size_t i = 0; i < wlp.size(); ++i) ASSERT_NEAR(r.warmup_stats.logp[i], wlp[i], 1e-9 * (1 + std::abs(wlp[i])));
    double wsum = 0;
    for (double a : r.warmup_stats.accept_prob) wsum += a;
    EXPECT_NEAR(wsum / double(n * s.warmup), r.warmup_accept_rate, 1e-12);
  }
}
namespace {
/// ULA's stationary covariance on N(0, Σ) with preconditioner L (M⁻¹ = L Lᵀ) and step ε. With
/// u = L⁻¹x the chain is u' = (I − (ε²/2) B) u + ε z, B = Lᵀ Σ⁻¹ L, so Cov(u) = ε² (I − A²)⁻¹ =
/// (B − (ε²/4) B²)⁻¹ and Cov(x) = L Cov(u) Lᵀ.
Eigen::MatrixXd ula_stationary_cov(const Eigen::MatrixXd& sigma, const Eigen::MatrixXd& l, double eps) {
  const Eigen::MatrixXd b = l.transpose() * sigma.inverse() * l;
  return l * (b - (eps * eps / 4.0) * b * b).inverse() * l.transpose();
}

Eigen::MatrixXd preconditioner_matrix(const sample_result<double>& r) {
  const auto d = static_cast<Eigen::Index>(r.dim);
  if (r.chol.empty()) return Eigen::Map<const Eigen::VectorXd>(r.scale.data(), d).asDiagonal();
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(r.chol.data(), d, d);
}

/// Every coordinate's variance within 5 MCSE of the diagonal of `cov` (mean zero).
void expect_variances(const sample_result<double>& r, const Eigen::MatrixXd& cov) {
  for (std::size_t j = 0; j < r.dim; ++j) {
    const auto v = across_chains(
        per_chain_average(r.draws, r.chains.size(), r.kept_draws, r.dim, j, [](double x) { return x * x; }));
    EXPECT_LT(std::abs(v.value - cov(j, j)), 5 * v.mcse) << "variance of coordinate " << j << ": " << v.value
                                                         << " against ULA's closed form " << cov(j, j);
  }
}
}  // namespace

TEST(Ula, DefaultRunAdaptsWithMalaAndMatchesItsClosedFormBias) {
  // The default ULA run (step adapted by MALA warm-up, then capped for a 5% variance bias) on a
  // correlated Gaussian, diagonal and dense metric: the variance equals ULA's closed form for the
  // step and metric the run chose, and the stated inflation bounds the bias of the whitened chain.
  const double rho = 0.5;
  Eigen::MatrixXd sigma(2, 2);
  sigma << 1, rho, rho, 1;
  for (const metric_kind metric : {metric_kind::diagonal, metric_kind::dense}) {
    auto s = settings(512, 500, 1000, 4);
    s.sampler = sampler_kind::ula;
    s.metric = metric;
    const auto r = sample<double>("gaussian:dim=2,rho=0.5", s);
    ASSERT_TRUE(r.ula_variance_inflation.has_value());
    EXPECT_FALSE(r.step_collapsed);
    EXPECT_EQ(r.divergences, 0u);
    EXPECT_LE(r.step_size, r.warmup_step_size);
    EXPECT_LE(*r.ula_variance_inflation, 1.0 + s.ula_variance_bias + 1e-12);
    EXPECT_EQ(r.metric, metric == metric_kind::dense ? "dense" : "diag");
    expect_variances(r, ula_stationary_cov(sigma, preconditioner_matrix(r), r.step_size));
  }
}

TEST(Ula, DefaultRunOnTheOringIsFiniteAndUncollapsed) {
  // Before MALA warm-up, adapting ULA on its unused acceptance drove the step to 1e-152 and the
  // draws to 1e152 here.
  auto s = settings(64, 1000, 200, 2);
  s.sampler = sampler_kind::ula;
  const auto r = sample<double>("oring", s);
  EXPECT_FALSE(r.step_collapsed);
  EXPECT_EQ(r.divergences, 0u);
  EXPECT_GT(r.step_size, 0.1);
  for (double v : r.draws) ASSERT_TRUE(std::isfinite(v) && std::abs(v) < 1e3);
}

namespace {

/// A CPU engine that records how warm-up calls run_adapting (the steps asked for each time).
class recording_engine final : public chain_engine<double> {
 public:
  explicit recording_engine(std::unique_ptr<chain_engine<double>> inner) : inner_(std::move(inner)) {}
  std::string device_name() const override { return inner_->device_name(); }
  std::size_t dim() const override { return inner_->dim(); }
  chain_range chains() const override { return inner_->chains(); }
  std::vector<double> logdensity(const std::vector<double>& x) override { return inner_->logdensity(x); }
  void initialize(const std::vector<double>& x, const std::vector<std::uint64_t>& b) override {
    inner_->initialize(x, b);
  }
  segment_result run(const segment_request<double>& r) override { return inner_->run(r); }
  void run_adapting(segment_request<double> r, std::size_t steps, step_adaptation& a,
                    const std::atomic<bool>* stop) override {
    calls.push_back(steps);
    chain_engine<double>::run_adapting(r, steps, a, stop);
  }
  std::vector<double> positions() override { return inner_->positions(); }
  std::vector<std::size_t> calls;

 private:
  std::unique_ptr<chain_engine<double>> inner_;
};

}  // namespace

// Warm-up runs the steps between the host's snapshots, window ends and observations in one engine
// call (the CUDA engine queues them without waiting); with --save-warmup it runs them one at a
// time. Both must give the same run, bit for bit: the same snapshots, metric, steps and draws.
TEST(Runner, WarmupInBlocksEqualsWarmupOneStepAtATime) {
  for (const char* spec : {"gaussian:dim=3,rho=0.9", "funnel:dim=5"}) {
    sample_settings s = settings(64, 400, 50, 21);
    s.observe_every = 70;  // observations fall inside windows, not at their ends
    std::vector<std::vector<double>> seen[2];
    const any_target target = make_target(spec);
    sample_result<double> r[2];
    std::vector<std::size_t> calls;
    for (int one_at_a_time = 0; one_at_a_time < 2; ++one_at_a_time) {
      s.save_warmup = one_at_a_time;
      s.observer = [&, one_at_a_time](std::size_t step, const std::vector<double>& x) {
        seen[one_at_a_time].push_back(x);
        seen[one_at_a_time].back().push_back(static_cast<double>(step));
      };
      recording_engine engine(make_cpu_engine<double>(target, chain_range{0, s.chains}, s.seed));
      r[one_at_a_time] = run_sampler<double>(engine, info_of(target), s);
      if (!one_at_a_time) calls = engine.calls;
      else EXPECT_TRUE(engine.calls.empty());
    }
    EXPECT_EQ(r[0].draws, r[1].draws) << spec;
    EXPECT_EQ(r[0].warmup_step_size, r[1].warmup_step_size) << spec;
    EXPECT_EQ(r[0].warmup_accept_rate, r[1].warmup_accept_rate) << spec;
    EXPECT_EQ(r[0].warmup_divergences, r[1].warmup_divergences) << spec;
    EXPECT_EQ(r[0].scale, r[1].scale) << spec;
    EXPECT_EQ(r[0].chol, r[1].chol) << spec;
    EXPECT_EQ(r[0].metric_reason, r[1].metric_reason) << spec;
    EXPECT_EQ(seen[0], seen[1]) << spec;
    EXPECT_EQ(r[0].warmup_step_sizes.size(), 0u);
    ASSERT_EQ(r[1].warmup_step_sizes.size(), s.warmup);
    // The blocks cover the warm-up, most of them many steps long.
    std::size_t total = 0, long_calls = 0;
    for (std::size_t c : calls) {
      total += c;
      long_calls += c > 1;
    }
    EXPECT_EQ(total, s.warmup) << spec;
    EXPECT_GT(long_calls, calls.size() / 2) << spec;
    EXPECT_LT(calls.size(), s.warmup / 4) << spec;
  }
}
