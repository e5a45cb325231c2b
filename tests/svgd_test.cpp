// SVGD: the interaction sums against hand-computed values, the median heuristic, convergence on
// a Gaussian as n grows, mode coverage on a mixture, thread-count independence, bad input.
#include <gtest/gtest.h>
#include <omp.h>

#include <Eigen/Dense>
#include <cmath>
#include <iostream>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/ensemble/svgd.hpp"
#include "manychains/error.hpp"

namespace mc = manychains;

namespace {

mc::svgd_result<double> run(const std::string& spec, mc::svgd_settings s) {
  const mc::any_target target = mc::make_target(spec);
  auto backend = mc::make_cpu_svgd_backend<double>(target);
  return mc::run_svgd<double>(*backend, mc::info_of(target), s);
}

}  // namespace

// Two particles in 1-d at 0 and 1 on N(0, 1) (scores 0 and -1), h = 2: k01 = e^{-1/2}.
// φ(x0) = (1/2)[1·0 + k01·(-1) + k01·(2/h)(0 - 1)] = -k01,
// φ(x1) = (1/2)[k01·0 + k01·(2/h)(1 - 0) + 1·(-1)] = (k01 - 1)/2.
// KSD² = (1/4) Σ_ij k_ij [s_i s_j + (2/h)(x_i - x_j)(s_i - s_j) + 2/h - 4 r²/h²]: the diagonal
// gives (0 + 1) + (1 + 1) = 3, each off-diagonal pair k01 (0 - 1 + 1 - 1) = -k01: (3 - 2 k01)/4.
TEST(SvgdDirection, MatchesHandComputedTwoParticleCase) {
  const mc::any_target target = mc::make_target("gaussian:dim=1");
  auto backend = mc::make_cpu_svgd_backend<double>(target);
  std::vector<double> phi;
  double ksd2 = 0;
  backend->direction({0.0, 1.0}, 2.0, phi, &ksd2);
  const double k01 = std::exp(-0.5);
  EXPECT_NEAR(phi[0], -k01, 1e-15);
  EXPECT_NEAR(phi[1], (k01 - 1) / 2, 1e-15);
  EXPECT_NEAR(ksd2, (3 - 2 * k01) / 4, 1e-15);
}

// With one particle the kernel term vanishes and φ is the score: SVGD is gradient ascent.
TEST(SvgdDirection, SingleParticleFollowsTheScore) {
  const mc::any_target target = mc::make_target("gaussian:dim=3,mean=1;2;3");
  auto backend = mc::make_cpu_svgd_backend<double>(target);
  std::vector<double> phi;
  backend->direction({0.0, 0.0, 0.0}, 0.7, phi, nullptr);
  EXPECT_DOUBLE_EQ(phi[0], 1.0);
  EXPECT_DOUBLE_EQ(phi[1], 2.0);
  EXPECT_DOUBLE_EQ(phi[2], 3.0);
}

// Squared distances of 0, 1, 2 on a line: {1, 4, 1} → median 1, h = 1 / log 3.
TEST(SvgdBandwidth, MedianHeuristic) {
  EXPECT_DOUBLE_EQ(mc::median_bandwidth<double>({0.0, 1.0, 2.0}, 3, 1, 1000), 1.0 / std::log(3.0));
  // Even count of pairs (4 points, 6 pairs {1,4,9,1,4,1}): numpy's median (1 + 4)/2.
  EXPECT_DOUBLE_EQ(mc::median_bandwidth<double>({0.0, 1.0, 2.0, 3.0}, 4, 1, 1000), 2.5 / std::log(4.0));
  // The subsample: only the first 3 particles count.
  EXPECT_DOUBLE_EQ(mc::median_bandwidth<double>({0.0, 1.0, 2.0, 30.0}, 4, 1, 3), 1.0 / std::log(4.0));
}

// On N(μ, Σ) in 2-d the particles' mean and covariance approach the truth as n grows. SVGD is
// deterministic given the start and its fixed point has a bias (the repulsion with a finite
// bandwidth under-spreads the particles) that shrinks with n; the tolerance asks the n-particle
// configuration to be at least as accurate as n i.i.d. draws would be at their 99.9% level:
//   mean:       n (m - μ)ᵀ Σ⁻¹ (m - μ) < χ²₂(0.999) = 13.8,
//   covariance: every entry of Σ^{-1/2} C Σ^{-1/2} - I within 3.3 √(2/n) (the sd of an i.i.d.
//               sample variance of a unit normal is √(2/n)),
// and the covariance error must shrink at every step n = 25 → 100 → 300. (Here SVGD beats i.i.d.
// draws by far on the mean; the covariance bias is about half the i.i.d. band.)
TEST(Svgd, GaussianMomentsApproachTruthAsParticlesGrow) {
  Eigen::Vector2d mu(1, -2);
  Eigen::Matrix2d sigma;
  sigma << 1, 1, 1, 4;  // scales 1 and 2, correlation 0.5
  const Eigen::Matrix2d whiten = Eigen::LLT<Eigen::Matrix2d>(sigma).matrixL().solve(Eigen::Matrix2d::Identity());
  double previous = 1e9;
  for (std::size_t n : {25, 100, 300}) {
    mc::svgd_settings s;
    s.particles = n;
    s.iterations = 250;
    s.step_size = 0.2;
    s.tolerance = 0;
    s.seed = 11;
    const auto r = run("gaussian:dim=2,rho=0.5,mean=1;-2,scale=1;2", s);
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor>> x(r.positions.data(), n, 2);
    const Eigen::Vector2d m = x.colwise().mean().transpose();
    const Eigen::MatrixXd centred = x.rowwise() - m.transpose();
    const Eigen::Matrix2d cov = centred.transpose() * centred / double(n);
    const double mahalanobis2 = double(n) * (whiten * (m - mu)).squaredNorm();
    const Eigen::Matrix2d white_cov = whiten * cov * whiten.transpose();
    const double cov_error = (white_cov - Eigen::Matrix2d::Identity()).cwiseAbs().maxCoeff();
    std::cout << "n " << n << ": n·|mean error|² (whitened) " << mahalanobis2 << ", max |whitened cov - I| "
              << cov_error << " (band " << 3.3 * std::sqrt(2.0 / n) << ")\n";
    EXPECT_LT(mahalanobis2, 13.8) << "n = " << n;
    EXPECT_LT(cov_error, 3.3 * std::sqrt(2.0 / double(n))) << "n = " << n;
    EXPECT_LT(cov_error, previous) << "n = " << n;
    previous = cov_error;
  }
}

// The default mixture: two unit Gaussians at (-3, -3) and (3, 3) with equal weights; the start is
// uniform on [-5, 5]², symmetric between the modes. Each mode must hold at least 25% of the
// particles (by symmetry half of the starts lie in each basin: Binomial(200, 1/2) has sd 3.5%, so
// 25% is 7 sd away for a working sampler), and at least 95% of them must lie within 3 of a mode.
TEST(Svgd, MixtureParticlesCoverEveryModeFromSpreadStart) {
  mc::svgd_settings s;
  s.particles = 200;
  s.iterations = 250;
  s.step_size = 0.2;
  s.tolerance = 0;
  s.seed = 3;
  const auto r = run("mixture", s);
  std::size_t near[2] = {0, 0};
  for (std::size_t i = 0; i < s.particles; ++i) {
    const double x = r.positions[2 * i], y = r.positions[2 * i + 1];
    for (int k = 0; k < 2; ++k) {
      const double c = k == 0 ? -3.0 : 3.0;
      if ((x - c) * (x - c) + (y - c) * (y - c) < 9.0) ++near[k];
    }
  }
  std::cout << "particles near each mode: " << near[0] << ", " << near[1] << "\n";
  EXPECT_GE(near[0], s.particles / 4);
  EXPECT_GE(near[1], s.particles / 4);
  EXPECT_GE(near[0] + near[1], 0.95 * s.particles);
}

TEST(Svgd, StopsOnMovementAndRecordsTrace) {
  mc::svgd_settings s;
  s.particles = 50;
  s.iterations = 5000;
  s.step_size = 0.5;
  s.optimizer = mc::svgd_optimizer::fixed;
  s.tolerance = 1e-3;
  s.seed = 1;
  const auto r = run("gaussian:dim=2", s);
  EXPECT_TRUE(r.converged);
  EXPECT_LT(r.iterations_done, s.iterations);
  ASSERT_FALSE(r.trace.empty());
  EXPECT_EQ(r.trace.back().iteration, r.iterations_done);
  EXPECT_LT(r.trace.back().movement, 1e-3 * r.trace.back().spread);
  EXPECT_TRUE(r.trace.front().ksd2.has_value());
  EXPECT_LT(*r.trace.back().ksd2, *r.trace.front().ksd2);  // the discrepancy falls as particles settle
}

// Big enough (n² d > 2e6) for the interaction to run on several threads.
TEST(Svgd, ThreadCountDoesNotChangeResults) {
  mc::svgd_settings s;
  s.particles = 1100;
  s.iterations = 5;
  s.seed = 2;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = run("rosenbrock", s);
  omp_set_num_threads(std::max(2, threads));
  const auto many = run("rosenbrock", s);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.positions, many.positions);
}

TEST(Svgd, RefusesBadInputAndBatchedTargets) {
  mc::svgd_settings s;
  s.particles = 1;
  EXPECT_THROW(run("gaussian", s), mc::input_error);
  s.particles = 10;
  s.bandwidth = -1.0;
  EXPECT_THROW(run("gaussian", s), mc::input_error);
  s.bandwidth.reset();
  s.step_size = 0;
  EXPECT_THROW(run("gaussian", s), mc::input_error);
  const mc::any_target batched = mc::logistic_target{};
  EXPECT_THROW(mc::make_cpu_svgd_backend<double>(batched), mc::input_error);
  EXPECT_THROW(mc::make_svgd_backend<double>(mc::device_choice::automatic, batched), mc::input_error);
}
