// The stretch move: invariance of Gaussians (moments within MCSE over independent ensembles),
// affine (scale) invariance, agreement with emcee, thread-count independence, bad input.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "manychains/ensemble/cpu_backends.hpp"
#include "manychains/ensemble/ensemble.hpp"
#include "manychains/ensemble/stretch.hpp"
#include "manychains/error.hpp"
#include "test_support.hpp"

namespace mc = manychains;

namespace {

mc::stretch_result<double> run(const std::string& spec, const mc::stretch_settings& s) {
  const mc::any_target target = mc::make_target(spec);
  const mc::target_info& info = mc::info_of(target);
  auto backend = mc::make_cpu_stretch_backend<double>(target, mc::stretch_shape_for(s, info.dim), s.a, s.seed);
  return mc::run_stretch<double>(*backend, info, s);
}

/// Per-ensemble averages of f(draw) over its walkers and kept draws.
template <class F>
std::vector<double> per_ensemble(const mc::stretch_result<double>& r, F f) {
  const std::size_t w = r.shape.walkers, n = r.kept_draws, d = r.shape.dim;
  std::vector<double> out(r.shape.ensembles, 0.0);
  for (std::size_t e = 0; e < r.shape.ensembles; ++e) {
    for (std::size_t g = e * w; g < (e + 1) * w; ++g)
      for (std::size_t t = 0; t < n; ++t) out[e] += f(&r.draws[(g * n + t) * d]);
    out[e] /= double(w * n);
  }
  return out;
}

struct mean_se {
  double mean, se;
};
mean_se mean_and_se(const std::vector<double>& v) {
  double m = 0, ss = 0;
  for (double x : v) m += x;
  m /= double(v.size());
  for (double x : v) ss += (x - m) * (x - m);
  return {m, std::sqrt(ss / double(v.size() - 1) / double(v.size()))};
}

}  // namespace

TEST(StretchDraw, ZFollowsInverseCdfOnItsSupport) {
  // g(z) ∝ 1/√z on [1/a, a]: u = 0 gives 1/a, u = 1 gives a, and the median solves
  // √z = (1 + (a - 1)/2)/√a.
  EXPECT_DOUBLE_EQ(mc::stretch_z(0.0, 2.0), 0.5);
  EXPECT_DOUBLE_EQ(mc::stretch_z(1.0, 2.0), 2.0);
  EXPECT_DOUBLE_EQ(mc::stretch_z(0.5, 2.0), 1.125);
  // The partner index covers the half exactly: words 0 and 2^32 - 1 map to 0 and half - 1.
  for (std::uint64_t step = 0; step < 2000; ++step) {
    const auto d = mc::draw_stretch<double>(7, 3, step, 5, 2.0);
    EXPECT_LT(d.partner, 5u);
    EXPECT_GE(d.z, 0.5);
    EXPECT_LE(d.z, 2.0);
    EXPECT_LT(d.log_u, 0.0);
  }
}

// 64 independent ensembles of 16 walkers on a correlated 4-d Gaussian. Ensembles are independent,
// so the spread of their means gives an honest MCSE of the grand mean (walkers within an
// ensemble are correlated and are never treated as independent). Each |error| < 5 MCSE: with
// a t(63) reference distribution the false-failure rate is about 1e-5 per check, 8 checks.
TEST(Stretch, GaussianMomentsWithinMcse) {
  mc::stretch_settings s;
  s.ensembles = 64;
  s.walkers = 16;
  s.burn = 400;
  s.iterations = 1500;
  s.seed = 20240611;
  const auto r = run("gaussian:dim=4,rho=0.5,mean=1;-1;0;2,scale=1;2;0.5;3", s);
  const double mean[4] = {1, -1, 0, 2}, scale[4] = {1, 2, 0.5, 3};
  EXPECT_GT(r.acceptance_fraction, 0.3);
  EXPECT_LT(r.acceptance_fraction, 0.8);
  for (std::size_t j = 0; j < 4; ++j) {
    const mean_se m = mean_and_se(per_ensemble(r, [&](const double* x) { return x[j]; }));
    EXPECT_LT(std::abs(m.mean - mean[j]), 5 * m.se) << "mean of x[" << j << "] " << m.mean << " se " << m.se;
    const mean_se v =
        mean_and_se(per_ensemble(r, [&](const double* x) { return (x[j] - mean[j]) * (x[j] - mean[j]); }));
    const double var = scale[j] * scale[j];
    EXPECT_LT(std::abs(v.mean - var), 5 * v.se) << "variance of x[" << j << "] " << v.mean << " se " << v.se;
    // The MCSE itself must be small enough for the check to mean something (a few % of sd).
    EXPECT_LT(m.se, 0.05 * scale[j]);
  }
}

// Affine invariance. Stretching one axis by 2^14 maps every start, proposal and log-density
// ratio onto the unstretched run's exactly (powers of two scale without rounding), so with the
// same seed the runs must agree bit for bit after the map: any scale-dependent step would break it.
TEST(Stretch, ScaleInvariantExactlyUnderPowerOfTwoStretch) {
  mc::stretch_settings s;
  s.ensembles = 8;
  s.walkers = 16;
  s.iterations = 300;
  s.seed = 99;
  const auto plain = run("gaussian:dim=3,scale=1;1;1", s);
  const auto stretched = run("gaussian:dim=3,scale=1;1;16384", s);
  EXPECT_EQ(plain.acceptance, stretched.acceptance);
  for (std::size_t q = 0; q < plain.draws.size(); q += 3) {
    ASSERT_EQ(plain.draws[q], stretched.draws[q]);
    ASSERT_EQ(plain.draws[q + 2], stretched.draws[q + 2] / 16384);
  }
}

// Stretched by 1e4 the map rounds, so an accept test on the edge can go the other way and the
// runs then part (the partner structure spreads it). The acceptance must still agree within
// sampling error: 5 standard errors of the difference of two independent runs' acceptance,
// estimated from the spread over ensembles (a conservative bound, as the runs share their random
// numbers; false-failure rate below 1e-5).
TEST(Stretch, ScaleInvariantAcceptanceUnder1e4Stretch) {
  mc::stretch_settings s;
  s.ensembles = 16;
  s.walkers = 16;
  s.iterations = 500;
  s.seed = 99;
  const auto plain = run("gaussian:dim=3,scale=1;1;1", s);
  const auto stretched = run("gaussian:dim=3,scale=1;1;1e4", s);
  std::vector<double> per(s.ensembles, 0.0);
  for (std::size_t g = 0; g < plain.acceptance.size(); ++g) per[g / s.walkers] += plain.acceptance[g] / s.walkers;
  const double se = mean_and_se(per).se;
  EXPECT_LT(std::abs(plain.acceptance_fraction - stretched.acceptance_fraction), 5 * std::sqrt(2.0) * se)
      << plain.acceptance_fraction << " vs " << stretched.acceptance_fraction << " se " << se;
  std::cout << "acceptance " << plain.acceptance_fraction << " vs " << stretched.acceptance_fraction << " (se "
            << se << ")\n";
}

// One thread runs whole ensembles; several threads split one big ensemble's half-steps. The
// counter-based streams make both give the same numbers.
TEST(Stretch, ThreadCountDoesNotChangeResults) {
  mc::stretch_settings s;
  s.ensembles = 1;
  s.walkers = 1024;
  s.iterations = 20;
  s.seed = 5;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = run("rosenbrock", s);
  omp_set_num_threads(std::max(2, threads));
  const auto many = run("rosenbrock", s);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.draws, many.draws);
  EXPECT_EQ(one.acceptance, many.acceptance);
}

TEST(Stretch, RefusesBadInput) {
  mc::stretch_settings s;
  s.walkers = 7;
  EXPECT_THROW(mc::stretch_shape_for(s, 2), mc::input_error);
  s.walkers = 6;
  EXPECT_THROW(mc::stretch_shape_for(s, 4), mc::input_error);  // fewer than 2·dim
  s.walkers = 8;
  s.a = 1.0;
  EXPECT_THROW(mc::stretch_shape_for(s, 4), mc::input_error);
  const mc::any_target batched = mc::logistic_target{};
  EXPECT_THROW(mc::make_stretch_backend<double>(mc::device_choice::cpu, batched, {1, 8, 2}, 2.0, 1), mc::input_error);
}

TEST(Stretch, DeviceCudaRefusedInCpuOnlyBuild) {
  if (mc::cuda_enabled) GTEST_SKIP() << "this build has the CUDA backend";
  const mc::any_target target = mc::make_target("gaussian");
  EXPECT_THROW(mc::make_stretch_backend<double>(mc::device_choice::cuda, target, {1, 8, 2}, 2.0, 1), mc::device_error);
  EXPECT_NO_THROW(mc::make_stretch_backend<double>(mc::device_choice::automatic, target, {1, 8, 2}, 2.0, 1));
}

// Agreement with emcee (tests/reference/make_ensemble_reference.py: emcee 3's StretchMove with
// fixed halves on the same Gaussian, the same start distribution, burn-in and length, 32 runs).
// Ours: 32 independent ensembles. For the acceptance fraction and each coordinate's integrated
// autocorrelation time (emcee's estimator), the two means must agree within
// 5 sqrt(sd_ours²/M + sd_emcee²/R), the standard error of their difference from the run-to-run
// spreads: for the same Markov chain the false-failure rate is about 1e-4 per check (the sds are
// estimated from 32 runs, so the reference distribution is close to a t(≈60)), 4 checks.
TEST(Stretch, AgreesWithEmceeOnAcceptanceAndAutocorrelationTime) {
  std::ifstream file(std::string(MANYCHAINS_TEST_DATA) + "/ensemble/emcee_reference.json");
  ASSERT_TRUE(file) << "missing tests/data/ensemble/emcee_reference.json";
  const nlohmann::json ref = nlohmann::json::parse(file);
  mc::stretch_settings s;
  s.ensembles = ref["runs"].get<std::size_t>();
  s.walkers = ref["walkers"].get<std::size_t>();
  s.burn = ref["burn"].get<std::size_t>();
  s.iterations = ref["steps"].get<std::size_t>();
  s.a = ref["a"].get<double>();
  s.seed = 77;
  const auto r = run(ref["spec"].get<std::string>(), s);
  const std::size_t m = s.ensembles, w = s.walkers, d = r.shape.dim;
  std::vector<double> acc(m, 0.0);
  for (std::size_t g = 0; g < m * w; ++g) acc[g / w] += r.acceptance[g] / double(w);
  const mean_se a = mean_and_se(acc);
  const double ref_acc_se = ref["acceptance_sd"].get<double>() / std::sqrt(ref["runs"].get<double>());
  std::cout << "acceptance: ours " << a.mean << " ± " << a.se << ", emcee " << ref["acceptance_mean"] << " ± "
            << ref_acc_se << "\n";
  EXPECT_LT(std::abs(a.mean - ref["acceptance_mean"].get<double>()), 5 * std::hypot(a.se, ref_acc_se));
  for (std::size_t j = 0; j < d; ++j) {
    std::vector<double> tau(m);
    for (std::size_t e = 0; e < m; ++e)
      tau[e] = mc::integrated_time(r.draws.data(), m * w, r.kept_draws, d, j, e * w, w);
    const mean_se t = mean_and_se(tau);
    const double ref_mean = ref["tau_mean"][j].get<double>();
    const double ref_se = ref["tau_sd"][j].get<double>() / std::sqrt(ref["runs"].get<double>());
    std::cout << "tau[" << j << "]: ours " << t.mean << " ± " << t.se << ", emcee " << ref_mean << " ± " << ref_se
              << "\n";
    EXPECT_LT(std::abs(t.mean - ref_mean), 5 * std::hypot(t.se, ref_se)) << "coordinate " << j;
  }
}

// emcee's estimator on an AR(1) series x_t = φ x_{t-1} + e_t, whose integrated time is
// (1 + φ)/(1 - φ) = 9 for φ = 0.8: 64 independent series of 4000 steps averaged (as walkers) give
// a standard error near 0.2; the window truncation biases it down by a few % at most. |τ - 9| < 1.
TEST(IntegratedTime, MatchesAr1) {
  const std::size_t walkers = 64, n = 4000;
  std::vector<double> x(walkers * n);
  mc::philox_stream stream{1, 0, 0};
  for (std::size_t k = 0; k < walkers; ++k) {
    double v = 0;
    double z[4];
    for (std::size_t t = 0; t < n + 100; ++t) {
      if (t % 4 == 0) mc::normal4<double>(stream, z);
      v = 0.8 * v + z[t % 4];
      if (t >= 100) x[k * n + t - 100] = v;
    }
  }
  const double tau = mc::integrated_time(x.data(), walkers, n, 1, 0, 0, walkers);
  EXPECT_NEAR(tau, 9.0, 1.0);
}

// A user's functor reaches the stretch move and SVGD through the templated factories: a functor
// that only forwards to the built-in Gaussian moves exactly as the built-in target does.
TEST(Ensemble, UserFunctorsReachStretchAndSvgd) {
  const mc::any_target any = mc::make_target("gaussian:dim=3,rho=0.5");
  const auto& g = std::get<mc::gaussian_target>(any);
  std::vector<double> params = g.params;
  const mc::testing::forwarding_target<mc::gaussian_ref<double>> user{g.ref<double>(params.data())};
  mc::stretch_settings s;
  s.iterations = 50;
  s.seed = 5;
  const mc::stretch_shape shape = mc::stretch_shape_for(s, 3);
  auto builtin = mc::make_cpu_stretch_backend<double>(any, shape, s.a, s.seed);
  auto custom = mc::make_cpu_stretch_backend_for<double>(user, shape, s.a, s.seed);
  EXPECT_EQ(mc::run_stretch<double>(*custom, g.info, s).draws, mc::run_stretch<double>(*builtin, g.info, s).draws);
  mc::svgd_settings v;
  v.particles = 64;
  v.iterations = 20;
  auto svgd_builtin = mc::make_cpu_svgd_backend<double>(any);
  auto svgd_custom = mc::make_cpu_svgd_backend_for<double>(user);
  EXPECT_EQ(mc::run_svgd<double>(*svgd_custom, g.info, v).positions,
            mc::run_svgd<double>(*svgd_builtin, g.info, v).positions);
  EXPECT_THROW(mc::make_cpu_stretch_backend_for<double>(user, mc::stretch_shape{1, 8, 2}, s.a, 1), mc::input_error);
}
