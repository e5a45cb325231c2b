// Every built-in target's gradient against central finite differences, spec parsing, and the
// logistic batch against a direct sum.
#include <gtest/gtest.h>

#include <fstream>

#include "cpu/logistic_cpu.hpp"
#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/targets.hpp"
#include "test_support.hpp"

using namespace manychains;

namespace {

/// log π and its gradient at x through any target's double ref (pointwise targets).
struct evaluated {
  double logp;
  std::vector<double> grad;
};

template <class Target>
evaluated eval(const Target& t, std::vector<double> x) {
  const auto ref = t.template ref<double>(t.params.data());
  std::vector<double> g(x.size());
  const double lp = ref.logdensity_grad(strided<const double>{x.data(), 1}, strided<double>{g.data(), 1});
  return {lp, g};
}

template <class Target>
void expect_gradient_matches_differences(const Target& t, const std::vector<double>& x) {
  const evaluated at = eval(t, x);
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double h = 1e-5 * std::max(1.0, std::abs(x[j]));
    auto up = x, down = x;
    up[j] += h;
    down[j] -= h;
    const double numeric = (eval(t, up).logp - eval(t, down).logp) / (2 * h);
    // Central differences err by O(h²·f'''), here far below 1e-5 relative.
    EXPECT_NEAR(at.grad[j], numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << t.info.spec << " coordinate " << j;
  }
}

struct visit_check {
  std::vector<double> x;
  template <class Target>
  void operator()(const Target& t) const { expect_gradient_matches_differences(t, x); }
  void operator()(const logistic_target&) const {}
};

}  // namespace

TEST(Targets, GradientsMatchFiniteDifferences) {
  const std::vector<std::pair<std::string, std::vector<double>>> cases = {
      {"gaussian:dim=3,mean=1;2;3,scale=0.5;1;2,rho=0.4", {0.3, -1.0, 2.5}},
      {"gaussian:dim=2", {0.7, -0.2}},
      {"mixture:dim=2,means=-3/3/0;5,weights=1/2/1,scales=1/0.5/2", {0.4, 1.3}},
      {"funnel:dim=4", {0.5, 0.3, -1.2, 2.0}},
      {"rosenbrock:dim=3", {0.8, 0.5, -0.3}},
      {"oring", {15.0, -0.23}},
  };
  for (const auto& [spec, x] : cases) std::visit(visit_check{x}, make_target(spec));
}

TEST(Targets, EquicorrelatedGaussianMatchesExplicitPrecision) {
  const auto t = std::get<gaussian_target>(make_target("gaussian:dim=3,rho=0.5,scale=2"));
  // Σ = 4 [(1-ρ) I + ρ 11ᵀ]; log π = -½ xᵀ Σ⁻¹ x. For x = (1, 0, 0): Σ⁻¹₁₁ = (1 - c)/((1-ρ) 4),
  // c = ρ/(1-ρ+3ρ) = 0.25, so log π = -½ · 0.75 / 2 = -0.1875.
  EXPECT_NEAR(eval(t, {1.0, 0.0, 0.0}).logp, -0.1875, 1e-14);
}

TEST(Targets, MixtureMomentsInClosedForm) {
  const auto t = std::get<mixture_target>(make_target("mixture:dim=1,means=-1/1,weights=1/3,scales=1/1"));
  EXPECT_NEAR((*t.info.true_mean)[0], 0.5, 1e-15);
  EXPECT_NEAR((*t.info.true_sd)[0], std::sqrt(2.0 - 0.25), 1e-15);
}

TEST(Targets, OringUsesTheMleInterceptPlusEulerGammaForLogB) {
  const auto t = std::get<oring_target>(make_target("oring"));
  ASSERT_EQ(t.launches, 23u);
  // Logistic MLE intercept for the 23 launches: 15.0429 (Dalal et al. 1989, Table 2).
  EXPECT_NEAR(t.params[0], 15.0429 + 0.5772157, 1e-3);
  EXPECT_EQ(t.info.parameter_names, (std::vector<std::string>{"alpha", "beta"}));
}

TEST(Targets, LogisticBatchMatchesDirectSum) {
  const std::string dir = manychains::testing::temp_dir("logistic");
  std::ofstream(dir + "/d.csv") << "a,b,y\n0.5,1,1\n-1,2,0\n2,-0.5,1\n0.1,0.2,0\n";
  const auto t = std::get<logistic_target>(make_target("logistic:data=" + dir + "/d.csv,prior_scale=2"));
  ASSERT_EQ(t.info.dim, 3u);  // intercept added
  EXPECT_EQ(t.info.parameter_names[0], "intercept");
  const logistic_cpu_batch<double> batch(t);
  const std::vector<double> beta = {0.3, -0.7, 0.4, 1.0, 0.0, -2.0};  // two chains
  std::vector<double> lp(2), grad(6);
  batch.evaluate(beta.data(), 2, lp.data(), grad.data());
  for (int c = 0; c < 2; ++c) {
    double want = 0;
    std::vector<double> want_grad(3, 0.0);
    for (std::size_t i = 0; i < t.rows; ++i) {
      double eta = 0;
      for (int j = 0; j < 3; ++j) eta += t.design[i * 3 + j] * beta[c * 3 + j];
      want += t.response[i] * eta - std::log1p(std::exp(eta));
      for (int j = 0; j < 3; ++j) want_grad[j] += (t.response[i] - 1 / (1 + std::exp(-eta))) * t.design[i * 3 + j];
    }
    for (int j = 0; j < 3; ++j) {
      want -= beta[c * 3 + j] * beta[c * 3 + j] / 8.0;
      want_grad[j] -= beta[c * 3 + j] / 4.0;
      EXPECT_NEAR(grad[c * 3 + j], want_grad[j], 1e-12);
    }
    EXPECT_NEAR(lp[c], want, 1e-12);
  }
}

TEST(Targets, GaussianCovarianceFromNpyFile) {
  const std::string dir = manychains::testing::temp_dir("cov");
  const std::vector<double> cov = {4.0, 1.2, 1.2, 1.0};
  write_npy(dir + "/cov.npy", {2, 2}, cov.data());
  const auto t = std::get<gaussian_target>(make_target("gaussian:cov=" + dir + "/cov.npy,mean=1;-1"));
  EXPECT_TRUE(t.full_precision);
  EXPECT_EQ((*t.info.true_sd), (std::vector<double>{2.0, 1.0}));
  expect_gradient_matches_differences(t, {0.5, 0.2});
  // log π(mean + e1) = -½ e1ᵀ Σ⁻¹ e1 = -½ · 1/(4 - 1.44·1/1) · … : Σ⁻¹₁₁ = 1 / (4 - 1.44) = 0.390625.
  EXPECT_NEAR(eval(t, {2.0, -1.0}).logp, -0.5 * 0.390625, 1e-14);
  const std::vector<double> singular = {1.0, 1.0, 1.0, 1.0};
  write_npy(dir + "/singular.npy", {2, 2}, singular.data());
  EXPECT_THROW(make_target("gaussian:cov=" + dir + "/singular.npy"), input_error);
}

TEST(Targets, BadSpecsGiveClearErrors) {
  const auto message = [](const std::string& spec) {
    try {
      make_target(spec);
    } catch (const input_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("gausian").find("unknown target 'gausian'; valid targets"), std::string::npos);
  EXPECT_NE(message("gaussian:dimm=3").find("valid keys: cov, dim, mean, rho, scale"), std::string::npos);
  EXPECT_NE(message("gaussian:dim=3,rho=2").find("rho must lie"), std::string::npos);
  EXPECT_NE(message("gaussian:dim=x").find("not a finite number"), std::string::npos);
  EXPECT_NE(message("mixture:means=1/2,weights=1").find("weights has 1 components but means has 2"), std::string::npos);
  EXPECT_NE(message("logistic").find("needs data="), std::string::npos);
  EXPECT_NE(message("logistic:data=/nonexistent.csv").find("cannot open /nonexistent.csv"), std::string::npos);
}
