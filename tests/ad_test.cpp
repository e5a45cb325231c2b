// Forward-mode AD (include/manychains/ad): every function's derivative against central finite
// differences, and whole gradients against the built-in targets' hand-written ones.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "manychains/ad/functions.hpp"
#include "manychains/model/constraints.hpp"
#include "manychains/targets.hpp"
#include "manychains/targets/logit.hpp"

using namespace manychains;
using ad::dual;

namespace {

/// Checks d f / dx from a dual against (f(x+h) − f(x−h)) / 2h; the central difference errs by
/// O(h² f'''), far below the 1e-6 relative tolerance at h = 1e-5.
template <class F>
void expect_derivative(F f, double x, const char* what) {
  const dual<double, 1> xd = [&] {
    dual<double, 1> v(x);
    v.d[0] = 1;
    return v;
  }();
  const auto y = f(xd);
  const double h = 1e-5 * std::max(1.0, std::abs(x));
  const double numeric = (f(x + h) - f(x - h)) / (2 * h);
  EXPECT_NEAR(y.v, f(x), 1e-14 * std::max(1.0, std::abs(f(x)))) << what << " at " << x;
  EXPECT_NEAR(y.d[0], numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << what << " at " << x;
}

}  // namespace

TEST(Dual, ElementaryFunctionsMatchFiniteDifferences) {
  using namespace manychains::ad;
  for (double x : {0.3, 1.7, 4.2}) {
    expect_derivative([](auto v) { return exp(v); }, x, "exp");
    expect_derivative([](auto v) { return log(v); }, x, "log");
    expect_derivative([](auto v) { return log1p(v); }, x, "log1p");
    expect_derivative([](auto v) { return expm1(v); }, x, "expm1");
    expect_derivative([](auto v) { return sqrt(v); }, x, "sqrt");
    expect_derivative([](auto v) { return sin(v); }, x, "sin");
    expect_derivative([](auto v) { return cos(v); }, x, "cos");
    expect_derivative([](auto v) { return tanh(v); }, x, "tanh");
    expect_derivative([](auto v) { return atan(v); }, x, "atan");
    expect_derivative([](auto v) { return lgamma(v); }, x, "lgamma");
    expect_derivative([](auto v) { return pow(v, 2.5); }, x, "pow(x, 2.5)");
    expect_derivative([](auto v) { return pow(2.5, v); }, x, "pow(2.5, x)");
    expect_derivative([](auto v) { return pow(v, v); }, x, "pow(x, x)");
    expect_derivative([](auto v) { return 1.0 / v - v / 3.0 + v * v; }, x, "arithmetic");
    expect_derivative([](auto v) { return fabs(v - 2.0); }, x, "fabs");
  }
  for (double x : {-30.0, -2.0, 0.4, 3.0, 40.0}) {
    expect_derivative([](auto v) { return ad::logistic(v); }, x, "logistic");
    expect_derivative([](auto v) { return ad::softplus(v); }, x, "softplus");
    expect_derivative([](auto v) { return ad::log_logistic(v); }, x, "log_logistic");
  }
}

TEST(Dual, DigammaMatchesKnownValues) {
  // ψ(1) = −γ, ψ(1/2) = −γ − 2 log 2 (Abramowitz & Stegun 6.3.2, 6.3.3).
  const double gamma = 0.57721566490153286;
  EXPECT_NEAR(ad::digamma(1.0), -gamma, 1e-13);
  EXPECT_NEAR(ad::digamma(0.5), -gamma - 2 * std::log(2.0), 1e-13);
}

TEST(Dual, DensitiesMatchFiniteDifferencesInEveryArgument) {
  using namespace manychains::ad;
  expect_derivative([](auto v) { return normal_lpdf(v, 0.3, 1.7); }, 0.9, "normal y");
  expect_derivative([](auto v) { return normal_lpdf(0.9, v, 1.7); }, 0.3, "normal mu");
  expect_derivative([](auto v) { return normal_lpdf(0.9, 0.3, v); }, 1.7, "normal sigma");
  expect_derivative([](auto v) { return cauchy_lpdf(0.9, 0.3, v); }, 1.7, "cauchy sigma");
  expect_derivative([](auto v) { return student_t_lpdf(0.9, v, 0.3, 1.7); }, 4.0, "student nu");
  expect_derivative([](auto v) { return gamma_lpdf(v, 2.0, 3.0); }, 0.8, "gamma y");
  expect_derivative([](auto v) { return gamma_lpdf(0.8, v, 3.0); }, 2.0, "gamma alpha");
  expect_derivative([](auto v) { return beta_lpdf(v, 2.0, 3.0); }, 0.3, "beta y");
  expect_derivative([](auto v) { return lognormal_lpdf(v, 0.1, 0.5); }, 1.3, "lognormal y");
  expect_derivative([](auto v) { return exponential_lpdf(0.4, v); }, 2.0, "exponential rate");
  expect_derivative([](auto v) { return bernoulli_logit_lpmf(1.0, v); }, -0.7, "bernoulli_logit");
  expect_derivative([](auto v) { return binomial_logit_lpmf(3.0, 10.0, v); }, 0.2, "binomial_logit");
  expect_derivative([](auto v) { return poisson_log_lpmf(4.0, v); }, 1.1, "poisson_log");
  // Values against closed forms (scipy.stats would print the same).
  EXPECT_NEAR(normal_lpdf(0.9, 0.3, 1.7), -0.5 * std::pow(0.6 / 1.7, 2) - std::log(1.7) - 0.5 * std::log(2 * M_PI), 1e-14);
  EXPECT_NEAR(poisson_log_lpmf(4.0, std::log(2.0)), std::log(std::pow(2.0, 4) * std::exp(-2.0) / 24), 1e-14);
}

TEST(Dual, FloatDualsCompute) {
  dual<float, 2> x(0.5f);
  x.d[0] = 1;
  const auto y = manychains::ad::exp(x) * 2.0f + manychains::ad::softplus(x);
  EXPECT_NEAR(y.d[0], 2 * std::exp(0.5f) + 1 / (1 + std::exp(-0.5f)), 1e-5);
  EXPECT_EQ(y.d[1], 0.0f);
}

TEST(Dual, GradientsEqualTheBuiltInTargetsHandWrittenOnes) {
  // The O-ring log-density written with duals against oring_ref's gradient.
  const auto t = std::get<oring_target>(make_target("oring"));
  const auto ref = t.ref<double>(t.params.data());
  const double x[2] = {14.0, -0.21};
  double g[2];
  const double lp = ref.logdensity_grad(strided<const double>{x, 1}, strided<double>{g, 1});
  using D = dual<double, 2>;
  D a(x[0]), b(x[1]);
  a.d[0] = 1;
  b.d[1] = 1;
  const double log_b = t.params[0];
  D s = a - manychains::ad::exp(a - log_b);
  for (std::size_t i = 0; i < t.launches; ++i)
    s += manychains::ad::bernoulli_logit_lpmf(t.params[1 + t.launches + i], a + b * t.params[1 + i]);
  EXPECT_NEAR(s.v, lp, 1e-12 * std::abs(lp));
  EXPECT_NEAR(s.d[0], g[0], 1e-11 * std::max(1.0, std::abs(g[0])));
  EXPECT_NEAR(s.d[1], g[1], 1e-11 * std::max(1.0, std::abs(g[1])));

  // A correlated Gaussian (gaussian_ref's closed-form gradient) with 3 tangents.
  const auto gt = std::get<gaussian_target>(make_target("gaussian:dim=3,mean=1;2;3,scale=0.5;1;2,rho=0.4"));
  const auto gref = gt.ref<double>(gt.params.data());
  const double y[3] = {0.3, -1.0, 2.5};
  double gg[3];
  const double glp = gref.logdensity_grad(strided<const double>{y, 1}, strided<double>{gg, 1});
  // log π = −½ uᵀ R⁻¹ u, u = (y − m)/s, R⁻¹ = (I − c 11ᵀ)/(1 − ρ), c = ρ / (1 − ρ + 3ρ).
  const double m[3] = {1, 2, 3}, sd[3] = {0.5, 1, 2}, rho = 0.4, c = rho / (1 - rho + 3 * rho);
  dual<double, 3> u[3], su = 0, su2 = 0;
  for (int j = 0; j < 3; ++j) {
    dual<double, 3> v(y[j]);
    v.d[j] = 1;
    u[j] = (v - m[j]) / sd[j];
    su += u[j];
    su2 += u[j] * u[j];
  }
  const auto q = -0.5 * (su2 - c * su * su) / (1 - rho);
  EXPECT_NEAR(q.v, glp, 1e-13 * std::abs(glp));
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(q.d[j], gg[j], 1e-13) << j;

  // One Bernoulli-logit row against logit_row_loglik's residual (the logistic target's gradient).
  for (double eta : {-20.0, -1.3, 0.0, 2.2, 35.0}) {
    double resid;
    const double ll = logit_row_loglik(eta, 1.0, &resid);
    dual<double, 1> e(eta);
    e.d[0] = 1;
    const auto r = manychains::ad::bernoulli_logit_lpmf(1.0, e);
    EXPECT_NEAR(r.v, ll, 1e-15 * std::max(1.0, std::abs(ll)));
    EXPECT_NEAR(r.d[0], resid, 1e-15);
  }
}

TEST(Constraints, TransformsAndLogJacobiansMatchFiniteDifferences) {
  using model::constrain;
  // Elementwise: log |dy/dx| against the finite-difference derivative of y.
  for (const model::constraint c : {model::lower(1.5), model::upper(-2.0), model::bounded(-1.0, 3.0)}) {
    for (double x : {-2.0, 0.1, 1.9}) {
      double y, yh, yl;
      const double lj = constrain(c, &x, 1, &y);
      const double h = 1e-6, xp = x + h, xm = x - h;
      constrain(c, &xp, 1, &yh);
      constrain(c, &xm, 1, &yl);
      EXPECT_NEAR(lj, std::log(std::abs((yh - yl) / (2 * h))), 1e-7);
    }
  }
  // Simplex: values sum to 1, and the log-Jacobian equals log|det| of the K−1 free coordinates'
  // Jacobian by finite differences.
  const double x[3] = {0.4, -1.2, 0.7};
  double y[4];
  const double lj = constrain(model::simplex(), x, 4, y);
  EXPECT_NEAR(y[0] + y[1] + y[2] + y[3], 1.0, 1e-15);
  double jac[3][3];
  for (int j = 0; j < 3; ++j) {
    double xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]}, yp[4], ym[4];
    xp[j] += 1e-6;
    xm[j] -= 1e-6;
    constrain(model::simplex(), xp, 4, yp);
    constrain(model::simplex(), xm, 4, ym);
    for (int i = 0; i < 3; ++i) jac[i][j] = (yp[i] - ym[i]) / 2e-6;
  }
  const double det = jac[0][0] * (jac[1][1] * jac[2][2] - jac[1][2] * jac[2][1]) -
                     jac[0][1] * (jac[1][0] * jac[2][2] - jac[1][2] * jac[2][0]) +
                     jac[0][2] * (jac[1][0] * jac[2][1] - jac[1][1] * jac[2][0]);
  EXPECT_NEAR(lj, std::log(std::abs(det)), 1e-6);
  // x = 0 is the uniform simplex (Stan's centring of the stick-breaking).
  const double zero[3] = {0, 0, 0};
  constrain(model::simplex(), zero, 4, y);
  for (double v : y) EXPECT_NEAR(v, 0.25, 1e-15);
}
