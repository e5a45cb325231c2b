// The coupled kernels and the L-lag bound: each coupled chain has its uncoupled law, the bound lies
// above the exact TV distance of a 1-d RWM chain (computed by quadrature), it never increases, pairs
// that never meet are counted, and met chains stay equal.
//
// Statistical checks use fixed seeds and tolerances of 5 Monte Carlo standard errors: a correct
// implementation fails one such comparison with probability 5.7e-7 (normal approximation), and
// this file makes fewer than 60 of them, so a false failure has probability below 4e-5.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/coupling/cpu_coupling.hpp"
#include "manychains/coupling/tv_bound.hpp"
#include "manychains/error.hpp"
#include "manychains/langevin.hpp"
#include "test_support.hpp"

using namespace manychains;

namespace {

/// Chain-major buffers for n chains of dimension d, handing out chain_slots.
struct chain_buffers {
  std::size_t d;
  std::vector<double> data, logp;
  chain_buffers(std::size_t n, std::size_t dim) : d(dim), data(5 * n * dim), logp(n) {}
  chain_slot<double> slot(std::size_t c) {
    double* b = data.data() + 5 * d * c;
    return {{b, 1}, {b + d, 1}, {b + 2 * d, 1}, {b + 3 * d, 1}, &logp[c], {b + 4 * d, 1}};
  }
};

/// Mean and variance of the mean for column j of a (n × d) chain-major sample of f(x).
struct moment {
  double mean, var_of_mean;
};
template <class F>
moment column_moment(const std::vector<double>& x, std::size_t d, std::size_t j, F f) {
  const std::size_t n = x.size() / d;
  double s = 0, s2 = 0;
  for (std::size_t c = 0; c < n; ++c) {
    const double v = f(x[c * d + j]);
    s += v;
    s2 += v * v;
  }
  const double mean = s / n;
  return {mean, (s2 / n - mean * mean) / (n - 1)};
}

/// Two-sample comparison of the first two moments of every coordinate, 5 MCSE.
void expect_same_moments(const std::vector<double>& a, const std::vector<double>& b, std::size_t d,
                         const char* what) {
  for (std::size_t j = 0; j < d; ++j) {
    const auto id = [](double v) { return v; };
    const auto sq = [](double v) { return v * v; };
    for (int m = 0; m < 2; ++m) {
      const moment ma = m == 0 ? column_moment(a, d, j, id) : column_moment(a, d, j, sq);
      const moment mb = m == 0 ? column_moment(b, d, j, id) : column_moment(b, d, j, sq);
      EXPECT_LT(std::abs(ma.mean - mb.mean), 5 * std::sqrt(ma.var_of_mean + mb.var_of_mean))
          << what << ": moment " << m + 1 << " of coordinate " << j << ": " << ma.mean << " vs " << mb.mean;
    }
  }
}

/// A dense preconditioner factor: L = diag(scale) (I + 0.3 × the strictly lower triangle of ones),
/// so that L Lᵀ is far from diagonal.
std::vector<double> correlated_factor(const std::vector<double>& scale) {
  const std::size_t d = scale.size();
  std::vector<double> chol(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j <= i; ++j) chol[i * d + j] = scale[i] * (i == j ? 1.0 : 0.3);
  return chol;
}

gaussian_ref<double> ref_of(const gaussian_target& g, std::vector<double>& params) {
  params = g.params;
  return g.ref<double>(params.data());
}

/// Positions after `lag` lead steps and `k` coupled steps: X_{lag+k} and Y_k of each pair.
template <class Target>
void coupled_positions(const Target& target, const mh_kernel<double>& kernel, const start_box<double>& box,
                       std::size_t pairs, std::size_t lag, std::size_t k, std::uint64_t seed,
                       std::vector<double>* xs, std::vector<double>* ys) {
  const std::size_t d = kernel.dim;
  chain_buffers buf(2, d);
  xs->assign(pairs * d, 0);
  ys->assign(pairs * d, 0);
  for (std::size_t p = 0; p < pairs; ++p) {
    philox_stream rng{seed, p, 0};
    const chain_slot<double> x = buf.slot(0), y = buf.slot(1);
    ASSERT_TRUE(draw_start(target, box, d, x, rng));
    ASSERT_TRUE(draw_start(target, box, d, y, rng));
    for (std::size_t t = 0; t < lag; ++t) mh_step(target, kernel, x, rng);
    for (std::size_t t = 0; t < k; ++t) coupled_mh_step(target, kernel, x, y, rng);
    for (std::size_t j = 0; j < d; ++j) {
      (*xs)[p * d + j] = x.x[j];
      (*ys)[p * d + j] = y.x[j];
    }
  }
}

/// Positions of uncoupled chains after `steps` steps; MALA through langevin.hpp's own step.
template <class Target>
std::vector<double> uncoupled_positions(const Target& target, const mh_kernel<double>& kernel,
                                        const start_box<double>& box, std::size_t chains, std::size_t steps,
                                        std::uint64_t seed, bool use_langevin) {
  const std::size_t d = kernel.dim;
  chain_buffers buf(1, d);
  std::vector<double> out(chains * d);
  for (std::size_t c = 0; c < chains; ++c) {
    philox_stream rng{seed, c, 0};
    const chain_slot<double> x = buf.slot(0);
    EXPECT_TRUE(draw_start(target, box, d, x, rng));
    for (std::size_t t = 0; t < steps; ++t) {
      if (use_langevin)
        langevin_step(target, x, kernel.pre, kernel.step_size, sampler_kind::mala, rng);
      else
        mh_step(target, kernel, x, rng);
    }
    for (std::size_t j = 0; j < d; ++j) out[c * d + j] = x.x[j];
  }
  return out;
}

// The law of a 1-d RWM chain on N(0, 1) from a uniform start, propagated on a grid of cells of
// width h over [lo, hi]: p_{t+1}(y) = ∫ p_t(x) q(y|x) α(x, y) dx + p_t(y) r(y), with the midpoint
// rule and the rejection mass r taken from the same sums (so mass is conserved on the grid).
struct grid_law {
  double lo, h;
  std::vector<double> x, p;  // cell midpoints, density
  std::vector<double> kernel;  // kernel[i * n + j]: density at x_i of a move from x_j (times h)
  std::vector<double> reject;

  grid_law(double lo_, double hi, double h_, double center, double radius, double step) : lo(lo_), h(h_) {
    const std::size_t n = static_cast<std::size_t>(std::lround((hi - lo) / h));
    x.resize(n);
    p.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = lo + (i + 0.5) * h;
      p[i] = std::abs(x[i] - center) < radius ? 1 / (2 * radius) : 0.0;
    }
    kernel.resize(n * n);
    reject.assign(n, 1.0);
    const double norm = 1 / (std::sqrt(2 * M_PI) * step);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) {
        const double z = (x[i] - x[j]) / step;
        const double alpha = std::min(1.0, std::exp(0.5 * (x[j] * x[j] - x[i] * x[i])));
        const double w = h * norm * std::exp(-0.5 * z * z) * alpha;
        kernel[i * n + j] = w;
        reject[j] -= w;
      }
  }
  void step() {
    const std::size_t n = x.size();
    std::vector<double> next(n);
    for (std::size_t i = 0; i < n; ++i) {
      double s = p[i] * reject[i];
      for (std::size_t j = 0; j < n; ++j) s += kernel[i * n + j] * p[j];
      next[i] = s;
    }
    p.swap(next);
  }
  double tv_to_standard_normal() const {
    double s = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      s += std::abs(p[i] - std::exp(-0.5 * x[i] * x[i]) / std::sqrt(2 * M_PI));
    return 0.5 * s * h;
  }
  double mean() const {
    double s = 0;
    for (std::size_t i = 0; i < x.size(); ++i) s += x[i] * p[i] * h;
    return s;
  }
};

/// Calls f(ref, dim, settings): the double-precision ref of the pointwise built-in target `spec`
/// and the default coupling settings resolved for it.
template <class F>
void with_pointwise_ref(const char* spec, F&& f) {
  const any_target target = make_target(spec);
  std::visit(
      [&](const auto& t) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(t)>, logistic_target>) {
          std::vector<double> params = t.params;
          const auto ref = t.template ref<double>(params.data());
          f(ref, t.info.dim, resolve_coupling_settings(coupling_settings{}, target));
        }
      },
      target);
}

}  // namespace

TEST(Coupling, EachCoupledMalaChainHasTheUncoupledLaw) {
  const auto target = std::get<gaussian_target>(make_target("gaussian:dim=3,rho=0.5,scale=1;2;0.5"));
  std::vector<double> params;
  const auto ref = ref_of(target, params);
  const std::vector<double> scale{1.0, 2.0, 0.5}, center{2, -3, 1}, radius{0.5, 1, 0.25};
  const mh_kernel<double> kernel{coupled_sampler::mala, 3, 0.8, {scale.data(), nullptr}};
  const start_box<double> box{center.data(), radius.data()};
  const std::size_t n = 20000, lag = 2, k = 3;
  std::vector<double> xs, ys;
  coupled_positions(ref, kernel, box, n, lag, k, 11, &xs, &ys);
  // Uncoupled references from langevin.hpp's MALA step, independent seeds.
  expect_same_moments(xs, uncoupled_positions(ref, kernel, box, n, lag + k, 12, true), 3, "X after lag + k");
  expect_same_moments(ys, uncoupled_positions(ref, kernel, box, n, k, 13, true), 3, "Y after k");
}

// The preconditioner is a whole factor L here, not its diagonal: the coupling reflects in the
// whitened space L⁻¹(·)/ε, and each chain must still move by its own (dense-preconditioned) kernel.
TEST(Coupling, EachCoupledChainHasTheUncoupledLawWithADenseMetric) {
  const auto target = std::get<gaussian_target>(make_target("gaussian:dim=3,rho=0.7"));
  std::vector<double> params;
  const auto ref = ref_of(target, params);
  const std::vector<double> scale{1.0, 1.5, 0.7}, center{2, -3, 1}, radius{0.5, 1, 0.25};
  const std::vector<double> chol{0.9, 0, 0, 0.6, 0.8, 0, -0.4, 0.5, 0.6};
  const start_box<double> box{center.data(), radius.data()};
  for (auto sampler : {coupled_sampler::mala, coupled_sampler::rwm}) {
    const mh_kernel<double> kernel{sampler, 3, sampler == coupled_sampler::mala ? 0.8 : 1.0, {scale.data(), chol.data()}};
    const std::size_t n = 20000, lag = 2, k = 3;
    std::vector<double> xs, ys;
    coupled_positions(ref, kernel, box, n, lag, k, 51, &xs, &ys);
    const bool mala = sampler == coupled_sampler::mala;
    expect_same_moments(xs, uncoupled_positions(ref, kernel, box, n, lag + k, 52, mala), 3, "dense: X after lag + k");
    expect_same_moments(ys, uncoupled_positions(ref, kernel, box, n, k, 53, mala), 3, "dense: Y after k");
  }
}

// One MALA: a coupled pair's leading chain is moved by langevin.hpp's propose and accept, with the
// stream read as langevin_step reads it, so it follows langevin_step bit for bit, with a diagonal or
// a dense preconditioner, before and after the pair meets.
TEST(Coupling, CoupledChainStepIsLangevinStepBitForBit) {
  const any_target any = make_target("oring");
  const auto& oring = std::get<oring_target>(any);
  std::vector<double> params = oring.params;
  const auto ref = oring.ref<double>(params.data());
  const coupling_settings s = resolve_coupling_settings(coupling_settings{}, any);
  const std::vector<double> chol = correlated_factor(s.scale);
  for (bool dense : {false, true}) {
    const preconditioner<double> pre{s.scale.data(), dense ? chol.data() : nullptr};
    const mh_kernel<double> k{coupled_sampler::mala, 2, s.step_size, pre};
    chain_buffers buf(3, 2);
    const chain_slot<double> x = buf.slot(0), y = buf.slot(1), alone = buf.slot(2);
    std::size_t met = 0, accepted = 0;
    for (std::uint64_t p = 0; p < 20; ++p) {
      philox_stream rng{7, p, 0};
      ASSERT_TRUE(draw_start(ref, {s.init_center.data(), s.init_radius.data()}, 2, x, rng));
      ASSERT_TRUE(draw_start(ref, {s.init_center.data(), s.init_radius.data()}, 2, y, rng));
      for (std::size_t j = 0; j < 2; ++j) {
        alone.x[j] = x.x[j];
        alone.grad[j] = x.grad[j];
      }
      *alone.logp = *x.logp;
      philox_stream alone_rng = rng;
      for (int step = 0; step < 300; ++step) {
        const coupled_step_info<double> c = coupled_mh_step(ref, k, x, y, rng);
        const step_info<double> a = langevin_step(ref, alone, pre, k.step_size, sampler_kind::mala, alone_rng);
        ASSERT_EQ(c.x.accepted, a.accepted) << "pair " << p << " step " << step;
        ASSERT_EQ(c.x.accept_prob, a.accept_prob);
        ASSERT_EQ(*x.logp, *alone.logp);
        for (std::size_t j = 0; j < 2; ++j) {
          ASSERT_EQ(x.x[j], alone.x[j]) << (dense ? "dense" : "diagonal") << ", pair " << p << " step " << step;
          ASSERT_EQ(x.grad[j], alone.grad[j]);
        }
        accepted += a.accepted;
      }
      met += same_position(x, y, 2);
    }
    EXPECT_GT(met, 10u) << (dense ? "dense" : "diagonal");
    EXPECT_GT(accepted, 1000u);  // the comparison covers moves, not only rejections
  }
}

TEST(Coupling, EachCoupledRwmChainHasTheUncoupledLaw) {
  const auto target = std::get<gaussian_target>(make_target("gaussian:dim=3,rho=0.5"));
  std::vector<double> params;
  const auto ref = ref_of(target, params);
  const std::vector<double> scale{1.0, 1.0, 1.0}, center{3, -3, 2}, radius{0.5, 0.5, 0.5};
  const mh_kernel<double> kernel{coupled_sampler::rwm, 3, 1.2, {scale.data(), nullptr}};
  const start_box<double> box{center.data(), radius.data()};
  const std::size_t n = 20000, lag = 1, k = 4;
  std::vector<double> xs, ys;
  coupled_positions(ref, kernel, box, n, lag, k, 21, &xs, &ys);
  expect_same_moments(xs, uncoupled_positions(ref, kernel, box, n, lag + k, 22, false), 3, "X after lag + k");
  expect_same_moments(ys, uncoupled_positions(ref, kernel, box, n, k, 23, false), 3, "Y after k");
}

TEST(Coupling, BoundLiesAboveTheExactTvOfA1dRwmChain) {
  const double step = 1.0, center = 3.0, radius = 1.0;
  // Exact law on two grids; their difference bounds the quadrature error.
  grid_law fine(-8, 10, 0.01, center, radius, step), coarse(-8, 10, 0.02, center, radius, step);
  const std::size_t horizon = 13;
  std::vector<double> tv(horizon), tv_err(horizon), mean(horizon), mean_err(horizon);
  for (std::size_t t = 0; t < horizon; ++t) {
    tv[t] = fine.tv_to_standard_normal();
    tv_err[t] = std::abs(tv[t] - coarse.tv_to_standard_normal());
    mean[t] = fine.mean();
    mean_err[t] = std::abs(mean[t] - coarse.mean());
    fine.step();
    coarse.step();
  }
  ASSERT_GT(tv[0], 0.9);  // the start is far from the target
  ASSERT_GT(tv[6], 0.05);

  const any_target target = make_target("gaussian:dim=1");
  std::vector<double> params;
  const auto ref = ref_of(std::get<gaussian_target>(target), params);
  const std::vector<double> scale{1.0}, c{center}, r{radius};
  const mh_kernel<double> kernel{coupled_sampler::rwm, 1, step, {scale.data(), nullptr}};
  // First, the chain the bound is about is the chain of the grid: compare E[X_t].
  for (std::size_t t : {1, 3, 6}) {
    const auto xs = uncoupled_positions(ref, kernel, {c.data(), r.data()}, 20000, t, 31 + t, false);
    const moment m = column_moment(xs, 1, 0, [](double v) { return v; });
    EXPECT_LT(std::abs(m.mean - mean[t]), 5 * std::sqrt(m.var_of_mean) + 2 * mean_err[t]) << "E[X_" << t << "]";
  }
  for (std::size_t lag : {1, 4, 16}) {
    coupling_settings s;
    s.sampler = coupled_sampler::rwm;
    s.lag = lag;
    s.pairs = 20000;
    s.max_steps = 100000;
    s.step_size = step;
    s.scale = scale;
    s.init_center = c;
    s.init_radius = r;
    s.seed = 40 + lag;
    const coupling_result res = run_coupling_cpu<double>(target, s);
    ASSERT_EQ(res.unmet, 0u);
    const tv_bound_curve curve = tv_bound_from_meeting_times(res.meeting_time, res.met, lag, s.max_steps);
    for (std::size_t t = 0; t < horizon; ++t) {
      const double b = t < curve.bound.size() ? curve.bound[t] : 0.0;
      const double e = t < curve.mcse.size() ? curve.mcse[t] : 0.0;
      EXPECT_GE(b + 5 * e + 2 * tv_err[t], tv[t]) << "lag " << lag << ", t = " << t;
      if (t % 3 == 0)
        std::printf("lag %zu  t %2zu  exact TV %.4f (quadrature error %.1e)  bound %.4f (MCSE %.4f)\n", lag, t, tv[t],
                    tv_err[t], b, e);
    }
  }
}

TEST(Coupling, BoundFromMeetingTimesMatchesItsDefinition) {
  // Hand-computed: τ = 5, 7 and one unmet pair (τ ≥ 10 with max_steps 9), L = 2.
  const tv_bound_curve c = tv_bound_from_meeting_times({5, 7, 9}, {1, 1, 0}, 2, 9);
  EXPECT_EQ(c.unmet, 1u);
  EXPECT_TRUE(c.lower_bound_only());
  ASSERT_EQ(c.bound.size(), 9u);                   // t = 0 … 10 - 2
  EXPECT_DOUBLE_EQ(c.bound[0], (2 + 3 + 4) / 3.0);  // ⌈3/2⌉, ⌈5/2⌉, ⌈8/2⌉
  EXPECT_DOUBLE_EQ(c.bound[3], (0 + 1 + 3) / 3.0);  // ⌈0/2⌉, ⌈2/2⌉, ⌈5/2⌉
  // Brute force on random meeting times, several lags.
  std::mt19937_64 gen(5);
  for (std::size_t lag : {1, 2, 3, 7}) {
    std::vector<std::uint64_t> tau(500);
    std::vector<std::uint8_t> met(500);
    for (std::size_t i = 0; i < tau.size(); ++i) {
      tau[i] = lag + 1 + gen() % 60;
      met[i] = tau[i] <= 50;
      if (!met[i]) tau[i] = 50;
    }
    const tv_bound_curve curve = tv_bound_from_meeting_times(tau, met, lag, 50);
    for (std::size_t t = 0; t < curve.bound.size() + 3; ++t) {
      double s = 0, s2 = 0;
      for (std::size_t i = 0; i < tau.size(); ++i) {
        const double tt = met[i] ? double(tau[i]) : 51.0;
        const double v = std::max(0.0, std::ceil((tt - lag - double(t)) / lag));
        s += v;
        s2 += v * v;
      }
      const double n = double(tau.size()), mean = s / n;
      const double mcse = std::sqrt((s2 - n * mean * mean) / (n - 1) / n);
      const double got = t < curve.bound.size() ? curve.bound[t] : 0.0;
      const double got_se = t < curve.mcse.size() ? curve.mcse[t] : 0.0;
      EXPECT_NEAR(got, mean, 1e-12) << "lag " << lag << " t " << t;
      EXPECT_NEAR(got_se, mcse, 1e-9) << "lag " << lag << " t " << t;
    }
    EXPECT_EQ(curve.bound.back(), 0.0);
  }
  EXPECT_EQ(first_t_below(c, 0.5).value_or(99), 6u);  // bound[5] = 2/3, bound[6] = 1/3
}

TEST(Coupling, BoundNeverIncreasesAndReachesZero) {
  const any_target target = make_target("gaussian:dim=5,rho=0.3");
  for (auto sampler : {coupled_sampler::mala, coupled_sampler::rwm}) {
    coupling_settings s;
    s.sampler = sampler;
    s.lag = 3;
    s.pairs = 2000;
    s.seed = 3;
    const coupling_result r = run_coupling_cpu<double>(target, s);
    const tv_bound_curve c = tv_bound_from_meeting_times(r.meeting_time, r.met, s.lag, s.max_steps);
    ASSERT_GT(c.bound.size(), 3u);
    EXPECT_GT(c.bound[0], 0.5);
    for (std::size_t t = 1; t < c.bound.size(); ++t) EXPECT_LE(c.bound[t], c.bound[t - 1]) << "t = " << t;
    EXPECT_EQ(c.bound.back(), 0.0);
  }
}

TEST(Coupling, PairsThatDoNotMeetAreCountedNotHidden) {
  const any_target target = make_target("gaussian:dim=4");
  coupling_settings s;
  s.sampler = coupled_sampler::mala;
  s.lag = 2;
  s.pairs = 3000;
  s.seed = 17;
  const coupling_result full = run_coupling_cpu<double>(target, s);
  ASSERT_EQ(full.unmet, 0u);
  std::vector<std::uint64_t> sorted = full.meeting_time;
  std::sort(sorted.begin(), sorted.end());
  const std::uint64_t cut = sorted[sorted.size() / 2];
  s.max_steps = cut;  // the same streams: the same trajectories, cut short
  const coupling_result part = run_coupling_cpu<double>(target, s);
  std::size_t expected_unmet = 0;
  for (std::size_t p = 0; p < s.pairs; ++p) {
    const bool met = full.meeting_time[p] <= cut;
    expected_unmet += !met;
    EXPECT_EQ(part.met[p], met ? 1 : 0);
    EXPECT_EQ(part.meeting_time[p], met ? full.meeting_time[p] : cut);
  }
  EXPECT_GT(expected_unmet, 0u);
  EXPECT_EQ(part.unmet, expected_unmet);
  const tv_bound_curve c = tv_bound_from_meeting_times(part.meeting_time, part.met, s.lag, s.max_steps);
  EXPECT_EQ(c.unmet, expected_unmet);
  EXPECT_TRUE(c.lower_bound_only());
  // No coupled step at all: every pair is unmet.
  s.max_steps = s.lag;
  EXPECT_EQ(run_coupling_cpu<double>(target, s).unmet, s.pairs);
}

TEST(Coupling, MetChainsStayIdenticalForever) {
  for (const char* spec : {"gaussian:dim=3,rho=0.9", "oring", "mixture:dim=2"}) {
    with_pointwise_ref(spec, [&](const auto& ref, std::size_t d, const coupling_settings& s) {
      const std::vector<double> chol = correlated_factor(s.scale);
      for (auto [sampler, dense] : {std::pair{coupled_sampler::mala, false}, std::pair{coupled_sampler::rwm, false},
                                    std::pair{coupled_sampler::mala, true}, std::pair{coupled_sampler::rwm, true}}) {
        const mh_kernel<double> k{sampler, d, s.step_size, {s.scale.data(), dense ? chol.data() : nullptr}};
        chain_buffers buf(2, d);
        const chain_slot<double> x = buf.slot(0), y = buf.slot(1);
        std::size_t met_pairs = 0;
        for (std::uint64_t p = 0; p < 20; ++p) {
          philox_stream rng{9, p, 0};
          const pair_outcome o = run_lag_pair(ref, k, {s.init_center.data(), s.init_radius.data()}, 1, 20000,
                                              x, y, rng);
          if (o.status != pair_status::met) continue;
          ++met_pairs;
          std::size_t moves = 0;
          for (int step = 0; step < 200; ++step) {
            const auto info = coupled_mh_step(ref, k, x, y, rng);
            EXPECT_TRUE(info.same_proposal);
            EXPECT_EQ(info.x.accepted, info.y.accepted);
            moves += info.x.accepted;
            ASSERT_TRUE(same_position(x, y, d)) << spec << " pair " << p << " step " << step;
            ASSERT_EQ(*x.logp, *y.logp);
            for (std::size_t j = 0; j < d; ++j) ASSERT_EQ(x.grad[j], y.grad[j]);
          }
          EXPECT_GT(moves, 10u) << spec;  // the chains do move together
        }
        EXPECT_GT(met_pairs, 10u) << spec << (dense ? " dense" : " diagonal");
      }
    });
  }
}

TEST(Coupling, MeetingTimesDoNotDependOnThreadCounts) {
  const any_target target = make_target("funnel:dim=3");
  coupling_settings s;
  s.lag = 5;
  s.pairs = 400;
  s.max_steps = 2000;
  s.seed = 99;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const coupling_result one = run_coupling_cpu<double>(target, s);
  omp_set_num_threads(std::max(2, threads));
  const coupling_result many = run_coupling_cpu<double>(target, s);
  omp_set_num_threads(threads);
  EXPECT_EQ(one.meeting_time, many.meeting_time);
  EXPECT_EQ(one.met, many.met);
  // A later block of pairs is the same pairs whatever run computes it.
  coupling_settings tail = s;
  tail.first_pair = 100;
  tail.pairs = 300;
  const coupling_result later = run_coupling_cpu<double>(target, tail);
  EXPECT_TRUE(std::equal(later.meeting_time.begin(), later.meeting_time.end(), one.meeting_time.begin() + 100));
}

TEST(Coupling, FloatPrecisionMeetsToo) {
  const any_target target = make_target("gaussian:dim=10");
  coupling_settings s;
  s.lag = 10;
  s.pairs = 500;
  s.seed = 4;
  const coupling_result r = run_coupling_cpu<float>(target, s);
  EXPECT_EQ(r.unmet, 0u);
  EXPECT_GT(r.accept_rate, 0.3);
}

TEST(Coupling, BadSettingsAreClearInputErrors) {
  const any_target target = make_target("gaussian:dim=2");
  coupling_settings s;
  s.lag = 0;
  EXPECT_THROW(resolve_coupling_settings(s, target), input_error);
  s.lag = 1;
  s.scale = {1, 2, 3};
  EXPECT_THROW(resolve_coupling_settings(s, target), input_error);
  s.scale = {};
  s.step_size = -1;
  EXPECT_THROW(resolve_coupling_settings(s, target), input_error);
  s.step_size = 0;
  s.chol = {1, 0, 0};  // not 2×2
  EXPECT_THROW(resolve_coupling_settings(s, target), input_error);
  s.chol = {1, 0.5, 0, 1};  // not lower-triangular
  EXPECT_THROW(resolve_coupling_settings(s, target), input_error);
  s.chol = {1, 0, 0.5, 0};  // singular
  EXPECT_THROW(resolve_coupling_settings(s, target), input_error);
  s.chol = {};
  logistic_target logistic;
  logistic.info.spec = "logistic:data=x.csv";
  logistic.info.dim = 2;
  try {
    run_coupling_cpu<double>(any_target{logistic}, s);
    FAIL() << "a batched target was accepted";
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find("pointwise"), std::string::npos) << e.what();
  }
  // A start box where the density is zero everywhere.
  const any_target funnel = make_target("funnel:dim=2");
  s.init_center = {1e6};
  s.init_radius = {0};
  EXPECT_NO_THROW(resolve_coupling_settings(s, funnel));
  const coupling_result ok = run_coupling_cpu<double>(make_target("gaussian:dim=2"), coupling_settings{});
  EXPECT_EQ(ok.met.size(), 1024u);
}

// A user's functor reaches the couplings through run_coupling_cpu_for: one that only forwards to
// the built-in O-ring gives the built-in target's meeting times, with a dense preconditioner too.
TEST(Coupling, UserFunctorsReachTheCoupling) {
  const any_target any = make_target("oring");
  const auto& o = std::get<oring_target>(any);
  std::vector<double> params = o.params;
  const manychains::testing::forwarding_target<oring_ref<double>> user{o.ref<double>(params.data())};
  coupling_settings s = resolve_coupling_settings(coupling_settings{}, any);
  s.pairs = 300;
  s.lag = 3;
  s.seed = 8;
  s.max_steps = 3000;
  s.chol = correlated_factor(s.scale);
  const coupling_result builtin = run_coupling_cpu<double>(any, s);
  const coupling_result custom = run_coupling_cpu_for<double>(user, o.info, s);
  EXPECT_EQ(custom.meeting_time, builtin.meeting_time);
  EXPECT_EQ(custom.met, builtin.met);
  EXPECT_LT(custom.unmet, s.pairs / 2);  // mostly met pairs: the comparison covers meetings
  target_info wrong = o.info;
  wrong.dim = 3;
  EXPECT_THROW(run_coupling_cpu_for<double>(user, wrong, coupling_settings{}), input_error);
}

// The CUDA backend runs pairs in segments (continue_lag_pair with a budget of steps), packing the
// unfinished ones between segments. Segments of any lengths must give the run in one piece bit
// for bit: the same outcome, the same chains and the same stream position, met or not.
TEST(Coupling, PairsRunInSegmentsEqualPairsRunInOnePiece) {
  for (const char* spec : {"gaussian:dim=3,rho=0.9", "oring", "funnel:dim=4"}) {
    with_pointwise_ref(spec, [&](const auto& ref, std::size_t d, const coupling_settings& s) {
      const start_box<double> box{s.init_center.data(), s.init_radius.data()};
      std::mt19937_64 lengths(5);
      std::size_t met = 0, unmet = 0;
      for (auto [sampler, lag, max_steps] : {std::tuple{coupled_sampler::mala, 1, 300},
                                             std::tuple{coupled_sampler::rwm, 7, 60}}) {
        const mh_kernel<double> k{sampler, d, s.step_size, {s.scale.data(), nullptr}};
        for (std::uint64_t p = 0; p < 24; ++p) {
          chain_buffers whole_buf(2, d), seg_buf(2, d);
          philox_stream whole_rng{4, p, 0}, seg_rng{4, p, 0};
          const pair_outcome want =
              run_lag_pair(ref, k, box, lag, max_steps, whole_buf.slot(0), whole_buf.slot(1), whole_rng);
          lag_pair_progress progress{};
          int segments = 0;
          while (!continue_lag_pair(ref, k, box, lag, max_steps, seg_buf.slot(0), seg_buf.slot(1), seg_rng,
                                    progress, 1 + lengths() % 40))
            ++segments;
          const pair_outcome& got = progress.out;
          EXPECT_EQ(got.status, want.status) << spec << " pair " << p;
          EXPECT_EQ(got.meeting_time, want.meeting_time) << spec << " pair " << p;
          EXPECT_EQ(got.x_steps, want.x_steps);
          EXPECT_EQ(got.x_accepted, want.x_accepted);
          EXPECT_EQ(got.divergent, want.divergent);
          EXPECT_EQ(got.x_accept_prob, want.x_accept_prob);
          EXPECT_EQ(seg_rng.block, whole_rng.block);
          for (int c = 0; c < 2; ++c)
            for (std::size_t j = 0; j < d; ++j) ASSERT_EQ(seg_buf.slot(c).x[j], whole_buf.slot(c).x[j]);
          EXPECT_TRUE(continue_lag_pair(ref, k, box, lag, max_steps, seg_buf.slot(0), seg_buf.slot(1), seg_rng,
                                        progress, 10));  // a finished pair stays finished
          EXPECT_EQ(seg_rng.block, whole_rng.block);
          if (want.meeting_time > 40) EXPECT_GT(segments, 0);
          (want.status == pair_status::met ? met : unmet) += 1;
        }
      }
      EXPECT_GT(met, 0u) << spec;
      EXPECT_GT(unmet, 0u) << spec << ": some pairs reach max_steps";
    });
  }
}
