// The Challenger O-ring posterior against a truth computed here by quadrature on a 2-D grid.
#include <gtest/gtest.h>

#include <cmath>

#include "manychains/sampler.hpp"
#include "test_support.hpp"

using namespace manychains;
using manychains::testing::across_chains;
using manychains::testing::per_chain_average;

namespace {
struct moments {
  double mean[2], sd[2];
};

/// Posterior means and sds by the midpoint rule on a fine grid over the bulk (±10 sd).
moments quadrature(const oring_target& t) {
  const auto ref = t.ref<double>(t.params.data());
  const double a0 = t.info.init_center[0], b0 = t.info.init_center[1];
  const double ra = 5 * t.info.init_radius[0], rb = 5 * t.info.init_radius[1];  // ±10 Laplace sd
  const int n = 1000;
  double w_sum = 0, m[2] = {0, 0}, s[2] = {0, 0}, max_lp = -1e300;
  std::vector<double> lp(n * n);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double x[2] = {a0 - ra + 2 * ra * (i + 0.5) / n, b0 - rb + 2 * rb * (k + 0.5) / n};
      double g[2];
      lp[i * n + k] = ref.logdensity_grad(strided<const double>{x, 1}, strided<double>{g, 1});
      max_lp = std::max(max_lp, lp[i * n + k]);
    }
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double x[2] = {a0 - ra + 2 * ra * (i + 0.5) / n, b0 - rb + 2 * rb * (k + 0.5) / n};
      const double w = std::exp(lp[i * n + k] - max_lp);
      w_sum += w;
      for (int d = 0; d < 2; ++d) {
        m[d] += w * x[d];
        s[d] += w * x[d] * x[d];
      }
    }
  moments out{};
  for (int d = 0; d < 2; ++d) {
    out.mean[d] = m[d] / w_sum;
    out.sd[d] = std::sqrt(s[d] / w_sum - out.mean[d] * out.mean[d]);
  }
  return out;
}
}  // namespace

TEST(Oring, QuadratureMatchesPublishedScale) {
  const auto t = std::get<oring_target>(make_target("oring"));
  const moments truth = quadrature(t);
  // The posterior the issue describes: α sd about 1.2, β sd about 0.02, correlation about -0.9.
  EXPECT_NEAR(truth.sd[0], 1.2, 0.1);
  EXPECT_NEAR(truth.sd[1], 0.02, 0.002);
  EXPECT_NEAR(truth.mean[1], -0.23, 0.01);
}

TEST(Oring, MalaWithDefaultsMatchesQuadratureWithinFiveMcse) {
  const any_target target = make_target("oring");
  const moments truth = quadrature(std::get<oring_target>(target));
  sample_settings s;  // defaults, but fewer chains to keep the test short
  s.chains = 256;
  s.seed = 2024;
  auto engine = make_cpu_engine<double>(target, chain_range{0, s.chains}, s.seed);
  const auto r = run_sampler<double>(*engine, info_of(target), s);
  EXPECT_EQ(r.divergences, 0u);
  for (std::size_t p = 0; p < 2; ++p) {
    const auto m = across_chains(per_chain_average(r.draws, s.chains, r.kept_draws, 2, p, [](double x) { return x; }));
    EXPECT_LT(std::abs(m.value - truth.mean[p]), 5 * m.mcse) << "mean of parameter " << p;
    const double mu = truth.mean[p];
    const auto v = across_chains(
        per_chain_average(r.draws, s.chains, r.kept_draws, 2, p, [mu](double x) { return (x - mu) * (x - mu); }));
    EXPECT_LT(std::abs(v.value - truth.sd[p] * truth.sd[p]), 5 * v.mcse) << "variance of parameter " << p;
  }
}
