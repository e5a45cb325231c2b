// Score-only sampling against exact answers: ULA's closed-form stationary variance on a Gaussian,
// and the mode weights / marginal TV of annealed Langevin on a well-separated 0.8/0.2 mixture.
#include <gtest/gtest.h>
#include <omp.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "annealed_user_score.hpp"
#include "manychains/score/score_backends.hpp"
#include "manychains/score/score_targets.hpp"

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
  const std::size_t steps[3] = {2, 20, 200};
  double tv[3], floor = 0;
  for (int i = 0; i < 3; ++i) {
    std::vector<double> x = broad_start(n, 3);
    const annealed_schedule<double> sched{10.0, 0.1, 10, steps[i], 0.01};
    annealed_cpu(kMix, 1, n, sched, 7, x.data());
    marginal_tv(x, &tv[i], &floor);
  }
  std::printf("marginal TV to the exact mixture: T=2 %.4f, T=20 %.4f, T=200 %.4f, noise floor %.4f\n", tv[0], tv[1],
              tv[2], floor);
  EXPECT_GT(tv[0] - tv[2], 5 * floor);
  EXPECT_GT(tv[0] - tv[1], 2 * floor);
  EXPECT_LT(tv[2], 3 * floor);
}

namespace {

// The exact log-density of Σ_k w_k N(μ_k, Σ_k + σ² I), from a Cholesky factor: independent of
// the eigenbasis the target uses.
double mixture_log_density(const std::vector<double>& w, const std::vector<Eigen::Vector2d>& mu,
                           const std::vector<Eigen::Matrix2d>& cov, double sigma, const Eigen::Vector2d& x) {
  double p = 0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    const Eigen::Matrix2d c = cov[k] + sigma * sigma * Eigen::Matrix2d::Identity();
    const Eigen::LLT<Eigen::Matrix2d> llt(c);
    const Eigen::Vector2d u = llt.matrixL().solve(x - mu[k]);
    p += w[k] * std::exp(-0.5 * u.squaredNorm()) / (2 * M_PI * std::sqrt(c.determinant()));
  }
  return std::log(p);
}

template <class Target>
std::vector<double> score_of(const Target& target, const std::vector<double>& x, double sigma) {
  const host_bound_target<double, Target> bound(target);
  std::vector<double> g(x.size());
  bound.ref.score(x.data(), sigma, g.data());
  return g;
}

}  // namespace

TEST(NoisyMixture, FullCovarianceScoreIsTheGradientOfTheConvolvedDensity) {
  const auto target = std::get<noisy_mixture_target>(
      make_score_target("noisy-mixture:dim=2,means=-1;2/3;0,weights=0.3/0.7,covs=1;0.6;0.6;2/0.5;-0.2;-0.2;0.3"));
  const std::vector<double> w = {0.3, 0.7};
  const std::vector<Eigen::Vector2d> mu = {{-1, 2}, {3, 0}};
  Eigen::Matrix2d c1, c2;
  c1 << 1, 0.6, 0.6, 2;
  c2 << 0.5, -0.2, -0.2, 0.3;
  for (double sigma : {0.0, 0.5, 3.0}) {
    for (const Eigen::Vector2d x : {Eigen::Vector2d(0.3, -0.4), Eigen::Vector2d(2.5, 1.0), Eigen::Vector2d(-3, 4)}) {
      const std::vector<double> g = score_of(target, {x[0], x[1]}, sigma);
      for (int j = 0; j < 2; ++j) {  // central differences: error O(δ²) ≈ 1e-10 here
        const double delta = 1e-5;
        Eigen::Vector2d up = x, down = x;
        up[j] += delta;
        down[j] -= delta;
        const double fd = (mixture_log_density(w, mu, {c1, c2}, sigma, up) -
                           mixture_log_density(w, mu, {c1, c2}, sigma, down)) / (2 * delta);
        EXPECT_NEAR(g[j], fd, 1e-7 * (1 + std::fabs(fd))) << "sigma " << sigma << " x " << x.transpose();
      }
    }
  }
}

TEST(NoisyMixture, IsotropicAndFullFormsAgree) {
  const auto iso = std::get<noisy_isotropic_mixture_target>(make_score_target("noisy-mixture:dim=3,scales=0.5/2"));
  const auto full = std::get<noisy_mixture_target>(make_score_target("noisy-mixture:dim=3,covs=0.25/4"));
  for (double sigma : {0.0, 1.0}) {
    const std::vector<double> x = {0.7, -2.0, 1.5};
    const auto a = score_of(iso, x, sigma), b = score_of(full, x, sigma);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(a[j], b[j], 1e-13);
  }
}

TEST(ScoreOnlyUla, CorrelatedGaussianCovarianceMatchesClosedForm) {
  // ULA on N(0, Σ) at step h is x' = A x + h z, A = I − (h²/2) Σ⁻¹, with stationary covariance
  // C = h² (I − A²)⁻¹ (A is symmetric): the bias against Σ in closed form.
  const auto target = std::get<noisy_mixture_target>(make_score_target("noisy-mixture:dim=2,means=0,covs=1;0.6;0.6;2"));
  Eigen::Matrix2d sigma;
  sigma << 1, 0.6, 0.6, 2;
  const double h = 0.8;
  const Eigen::Matrix2d a = Eigen::Matrix2d::Identity() - 0.5 * h * h * sigma.inverse();
  const Eigen::Matrix2d c = h * h * (Eigen::Matrix2d::Identity() - a * a).inverse();
  const std::size_t n = 8000;
  std::vector<double> x(2 * n, 0.0);
  ASSERT_EQ(score_ula_cpu(target, 2, n, h, 300, 17, x.data()), 0u);
  for (int i = 0; i < 2; ++i)
    for (int j = i; j < 2; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < n; ++k) s += x[2 * k + i] * x[2 * k + j];  // the mean is 0 exactly
      const double est = s / n, mcse = std::sqrt((c(i, i) * c(j, j) + c(i, j) * c(i, j)) / n);  // Var(x_i x_j)
      EXPECT_LT(std::fabs(est - c(i, j)), 5 * mcse) << i << j << ": " << est << " vs " << c(i, j);
      if (i == j) EXPECT_GT(std::fabs(c(i, j) - sigma(i, j)), 5 * mcse) << "the bias must be visible";
    }
}

TEST(ScoreEngine, SameChainsForAnyThreadCountCallSplitAndFactory) {
  const std::size_t n = 257;
  const annealed_schedule<double> sched{5.0, 0.2, 6, 15, 0.02};
  const std::vector<double> x0 = broad_start(2 * n, 9);
  std::vector<double> one = x0, split;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  annealed_cpu(shifted_normal_score{}, 2, n, sched, 4, one.data(), &split);
  omp_set_num_threads(std::max(2, threads));
  auto engine = make_score_engine_for<double>(device_choice::cpu, shifted_normal_score{}, n, 4);
  engine->initialize(x0);
  engine->run_levels(sched, 0, 6);  // all levels in one call continue the same streams
  omp_set_num_threads(threads);
  EXPECT_EQ(engine->positions(), one);
  EXPECT_EQ(std::vector<double>(split.end() - 2 * n, split.end()), one);
  EXPECT_EQ(engine->device_name(), "cpu");
}

TEST(NoisyMixture, ExactMarginalQuantilesInvertTheMixtureCdf) {
  // Marginal of x_1: 0.3 N(2, 2) + 0.7 N(0, 0.3) (the covariances' (1,1) entries, from the spec).
  const auto quantile = exact_marginal_quantiles(
      make_score_target("noisy-mixture:dim=2,means=-1;2/3;0,weights=0.3/0.7,covs=1;0.6;0.6;2/0.5;-0.2;-0.2;0.3"));
  for (double x : {-3.0, -0.2, 0.0, 1.7, 5.0}) {
    const double p = 0.3 * 0.5 * std::erfc(-(x - 2) / std::sqrt(2 * 2.0)) + 0.7 * 0.5 * std::erfc(-x / std::sqrt(2 * 0.3));
    EXPECT_NEAR(quantile(1, p), x, 1e-9) << p;
  }
}
