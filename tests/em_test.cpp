// EM for Gaussian mixtures: scikit-learn's traces, monotone log-likelihood, recovery of known
// mixtures, float32 on offset data, the per-point math, and every bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "manychains/em.hpp"
#include "manychains/em/log_density.hpp"
#include "manychains/error.hpp"
#include "manychains/io/csv.hpp"
#include "manychains/io/npy.hpp"

using namespace manychains;

namespace {

const std::string data_dir = std::string(MANYCHAINS_TEST_DATA) + "/em/";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

struct reference_case {
  numeric_table data;
  nlohmann::json ref;
  gaussian_mixture_options options;
};

reference_case load_reference(const std::string& kind) {
  reference_case c;
  c.data = read_table(data_dir + "ref_data.csv");
  c.ref = read_json(data_dir + "ref_" + kind + ".json");
  c.options.n_components = c.ref["n_components"].get<int>();
  c.options.covariance = parse_covariance_type(kind);
  c.options.tol = 0;
  c.options.max_iter = c.ref["iterations"].get<int>();
  c.options.reg_covar = c.ref["reg_covar"].get<double>();
  c.options.device = device_choice::cpu;
  c.options.weights_init = read_npy(data_dir + "ref_init_weights.npy").values;
  c.options.means_init = read_npy(data_dir + "ref_init_means.npy").values;
  c.options.covariances_init = read_npy(data_dir + "ref_init_covariances_" + kind + ".npy").values;
  return c;
}

matrix_view view(const numeric_table& t) { return {t.values.data(), t.rows, t.cols}; }
matrix_view view(const std::vector<double>& v, std::size_t d) { return {v.data(), v.size() / d, d}; }

std::vector<double> flat(const nlohmann::json& j) {
  std::vector<double> out;
  if (j.is_array())
    for (const auto& e : j) {
      auto v = flat(e);
      out.insert(out.end(), v.begin(), v.end());
    }
  else
    out.push_back(j.get<double>());
  return out;
}

/// A true mixture to sample from: K components in d dimensions, means on a coarse grid.
gmm_params make_true_params(covariance_type type, int K, int d, double separation) {
  gmm_params p;
  p.type = type;
  p.components = K;
  p.dim = d;
  for (int k = 0; k < K; ++k) p.weights.push_back(double(k + 2));
  double s = 0;
  for (double w : p.weights) s += w;
  for (double& w : p.weights) w /= s;
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < d; ++j) p.means.push_back(separation * ((k + j) % K) + 0.5 * j);
  p.covariances.assign(covariance_size(type, K, d), 0.0);
  for (int k = 0; k < (type == covariance_type::tied ? 1 : K); ++k)
    switch (type) {
      case covariance_type::full:
      case covariance_type::tied:
        for (int i = 0; i < d; ++i)
          for (int j = 0; j < d; ++j)
            p.covariances[std::size_t(k) * d * d + i * d + j] = i == j ? 1.0 + 0.25 * k : 0.3 * (i + j == 1);
        break;
      case covariance_type::diag:
        for (int i = 0; i < d; ++i) p.covariances[std::size_t(k) * d + i] = 0.5 + 0.25 * (i + k);
        break;
      case covariance_type::spherical: p.covariances[k] = 0.5 + 0.5 * k; break;
    }
  return p;
}

const std::vector<std::string> kinds = {"full", "diag", "spherical", "tied"};

}  // namespace

// ---- The per-point math against closed forms ---------------------------------------------------

TEST(EmMath, LogDensityMatchesClosedFormForEachType) {
  // One component, d = 2, Σ = [[2, 0.6], [0.6, 1]]: log N = -½(2 log 2π + log det Σ + rᵀΣ⁻¹r).
  gmm_params p;
  p.type = covariance_type::full;
  p.components = 1;
  p.dim = 2;
  p.weights = {1.0};
  p.means = {1.0, -1.0};
  p.covariances = {2.0, 0.6, 0.6, 1.0};
  compute_precision_cholesky(p, "test");
  const gmm_arrays<double> a(p);
  const double x[2] = {0.3, 0.4}, r0 = 0.3 - 1.0, r1 = 0.4 + 1.0;
  const double det = 2.0 - 0.36;
  const double quad = (1.0 * r0 * r0 - 2 * 0.6 * r0 * r1 + 2.0 * r1 * r1) / det;
  const double want = -0.5 * (2 * std::log(2 * M_PI) + std::log(det) + quad);
  double y[2];
  EXPECT_NEAR(em_component_log_density(a.ref(), strided<const double>{x, 1}, 0, y), want, 1e-14);

  p.type = covariance_type::diag;
  p.covariances = {2.0, 0.5};
  compute_precision_cholesky(p, "test");
  const gmm_arrays<double> b(p);
  EXPECT_NEAR(em_component_log_density(b.ref(), strided<const double>{x, 1}, 0, y),
              -0.5 * (2 * std::log(2 * M_PI) + std::log(1.0) + r0 * r0 / 2.0 + r1 * r1 / 0.5), 1e-14);

  p.type = covariance_type::spherical;
  p.covariances = {0.7};
  compute_precision_cholesky(p, "test");
  const gmm_arrays<double> c(p);
  EXPECT_NEAR(em_component_log_density(c.ref(), strided<const double>{x, 1}, 0, y),
              -0.5 * (2 * std::log(2 * M_PI) + 2 * std::log(0.7) + (r0 * r0 + r1 * r1) / 0.7), 1e-14);
}

TEST(EmMath, LogSumExpIsStableAndResponsibilitiesSumToOne) {
  const double v[3] = {-1000.0, -1001.0, -1002.0};
  const double want = -1000.0 + std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  EXPECT_NEAR(em_log_sum_exp(strided<const double>{v, 1}, 3), want, 1e-12);
  const double big[2] = {800.0, 800.0};
  EXPECT_NEAR(em_log_sum_exp(strided<const double>{big, 1}, 2), 800.0 + std::log(2.0), 1e-12);
}

// ---- scikit-learn's per-iteration log-likelihood, same initial parameters, tol 0 -----------------

class EmSklearn : public ::testing::TestWithParam<std::string> {};

TEST_P(EmSklearn, TraceAndParametersMatchInFloat64) {
  reference_case c = load_reference(GetParam());
  gaussian_mixture gm(c.options);
  const matrix_view x = view(c.data);
  gm.fit(x);
  const auto want = c.ref["log_likelihood_trace"].get<std::vector<double>>();
  const auto& got = gm.log_likelihood_trace();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-8 * std::abs(want[i])) << "iteration " << i;
  EXPECT_FALSE(gm.converged());
  EXPECT_EQ(gm.n_iter(), c.options.max_iter);
  const auto w = flat(c.ref["weights"]), m = flat(c.ref["means"]), cov = flat(c.ref["covariances"]);
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(gm.weights()[i], w[i], 1e-8);
  for (std::size_t i = 0; i < m.size(); ++i) EXPECT_NEAR(gm.means()[i], m[i], 1e-7);
  ASSERT_EQ(gm.covariances().size(), cov.size());
  for (std::size_t i = 0; i < cov.size(); ++i) EXPECT_NEAR(gm.covariances()[i], cov[i], 1e-7);
  EXPECT_NEAR(gm.bic(x), c.ref["bic"].get<double>(), 1e-8 * std::abs(c.ref["bic"].get<double>()));
  EXPECT_NEAR(gm.aic(x), c.ref["aic"].get<double>(), 1e-8 * std::abs(c.ref["aic"].get<double>()));
  const matrix_view head{c.data.values.data(), 10, c.data.cols};
  EXPECT_EQ(gm.predict(head), c.ref["predict"].get<std::vector<int>>());
  const auto s = gm.score_samples(head), s_want = c.ref["score_samples"].get<std::vector<double>>();
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_NEAR(s[i], s_want[i], 1e-8 * std::abs(s_want[i]));
}

TEST_P(EmSklearn, Float32TraceAgreesToFloatRounding) {
  reference_case c = load_reference(GetParam());
  c.options.precision = em_precision::float32;
  gaussian_mixture gm(c.options);
  gm.fit(view(c.data));
  const auto want = c.ref["log_likelihood_trace"].get<std::vector<double>>();
  // Per point, float32 rounds the log-density to ~1e-7 relative; EM's fixed point is stable, so
  // errors stay at that level over a dozen iterations. 2e-5 leaves a 100x margin.
  for (std::size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(gm.log_likelihood_trace()[i], want[i], 2e-5 * std::abs(want[i])) << "iteration " << i;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, EmSklearn, ::testing::ValuesIn(kinds));

// ---- The log-likelihood never decreases with reg_covar = 0 ------------------------------------

class EmMonotone : public ::testing::TestWithParam<std::string> {};

TEST_P(EmMonotone, TraceNeverDecreasesForEachInitialisation) {
  const covariance_type type = parse_covariance_type(GetParam());
  const gaussian_mixture truth(make_true_params(type, 3, 2, 2.0));  // overlapping: many iterations
  const auto x = truth.sample(600, 7);
  for (em_init init : {em_init::kmeans_pp, em_init::random, em_init::random_from_data}) {
    gaussian_mixture_options o;
    o.n_components = 4;  // one too many: EM keeps moving
    o.covariance = type;
    o.reg_covar = 0;
    o.tol = 0;
    o.max_iter = 60;
    o.init_params = init;
    o.device = device_choice::cpu;
    gaussian_mixture gm(o);
    gm.fit(view(x, 2));
    const auto& t = gm.log_likelihood_trace();
    ASSERT_EQ(t.size(), 61u);
    for (std::size_t i = 1; i < t.size(); ++i)
      EXPECT_GE(t[i], t[i - 1] - 1e-12 * std::abs(t[i - 1])) << em_init_name(init) << " iteration " << i;
    EXPECT_GT(t.back(), t.front()) << em_init_name(init);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, EmMonotone, ::testing::ValuesIn(kinds));

// ---- Recovery of well-separated mixtures ------------------------------------------------------

class EmRecovery : public ::testing::TestWithParam<std::string> {};

TEST_P(EmRecovery, FindsTheTrueParameters) {
  const covariance_type type = parse_covariance_type(GetParam());
  const int K = 3, d = 2;
  const gmm_params true_p = make_true_params(type, K, d, 12.0);  // ≥ 12 σ apart: labels are unambiguous
  const gaussian_mixture truth(true_p);
  const std::size_t n = 6000;
  std::vector<int> labels;
  const auto x = truth.sample(n, 11, &labels);
  gaussian_mixture_options o;
  o.n_components = K;
  o.covariance = type;
  o.n_init = 2;
  o.device = device_choice::cpu;
  gaussian_mixture gm(o);
  gm.fit(view(x, d));
  EXPECT_TRUE(gm.converged());
  // Match components by the nearest mean.
  std::vector<int> match(K);
  for (int k = 0; k < K; ++k) {
    double best = 1e300;
    for (int j = 0; j < K; ++j) {
      double s = 0;
      for (int i = 0; i < d; ++i) s += std::pow(gm.means()[j * d + i] - true_p.means[k * d + i], 2);
      if (s < best) best = s, match[k] = j;
    }
  }
  // With separated components EM's estimates equal the per-component sample statistics, whose
  // standard errors are known: weights sqrt(w(1-w)/n), means sqrt(Σ_ii/n_k), variances
  // Σ_ii sqrt(2/n_k). Each check at 5 standard errors fails by chance with probability 6e-7;
  // with under 40 checks per type, below 3e-5 per test run.
  for (int k = 0; k < K; ++k) {
    const int j = match[k];
    const double w = true_p.weights[k], nk = w * double(n);
    EXPECT_NEAR(gm.weights()[j], w, 5 * std::sqrt(w * (1 - w) / double(n)));
    for (int i = 0; i < d; ++i) {
      double var = 0;
      switch (type) {
        case covariance_type::full: var = true_p.covariances[k * d * d + i * d + i]; break;
        case covariance_type::tied: var = true_p.covariances[i * d + i]; break;
        case covariance_type::diag: var = true_p.covariances[k * d + i]; break;
        case covariance_type::spherical: var = true_p.covariances[k]; break;
      }
      EXPECT_NEAR(gm.means()[j * d + i], true_p.means[k * d + i], 5 * std::sqrt(var / nk)) << "component " << k;
      double got = 0;
      double se = var * std::sqrt(2 / nk);
      switch (type) {
        case covariance_type::full: got = gm.covariances()[j * d * d + i * d + i]; break;
        case covariance_type::tied: got = gm.covariances()[i * d + i], se = var * std::sqrt(2.0 / double(n)); break;
        case covariance_type::diag: got = gm.covariances()[j * d + i]; break;
        case covariance_type::spherical: got = gm.covariances()[j], se = var * std::sqrt(2 / (nk * d)); break;
      }
      EXPECT_NEAR(got, var, 5 * se) << "component " << k << " dimension " << i;
    }
  }
  // Labels: with ≥ 12 σ separation no point is misassigned (misassignment probability < 1e-30).
  const auto pred = gm.predict(view(x, d));
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(pred[i], match[labels[i]]) << "point " << i;
  const auto proba = gm.predict_proba(view(x, d));
  for (std::size_t i = 0; i < n; i += 97) {
    double s = 0;
    for (int k = 0; k < K; ++k) s += proba[i * K + k];
    EXPECT_NEAR(s, 1.0, 1e-12);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, EmRecovery, ::testing::ValuesIn(kinds));

// ---- float32 on data far from the origin --------------------------------------------------------

TEST(EmFloat, LargeOffsetsStayAccurateInFloat32) {
  gmm_params p = make_true_params(covariance_type::full, 2, 2, 6.0);
  for (double& m : p.means) m += 1e6;  // float32 spacing at 1e6 is 0.0625: centring is what saves us
  const auto x = gaussian_mixture(p).sample(3000, 5);
  gaussian_mixture_options o;
  o.n_components = 2;
  o.tol = 0;
  o.max_iter = 15;
  o.device = device_choice::cpu;
  gaussian_mixture g64(o);
  g64.fit(view(x, 2));
  o.precision = em_precision::float32;
  gaussian_mixture g32(o);
  g32.fit(view(x, 2));
  const auto &a = g64.log_likelihood_trace(), &b = g32.log_likelihood_trace();
  ASSERT_EQ(a.size(), b.size());
  // float32 rounding of centred data (|x - c| ≲ 10) is ~1e-6 absolute: the mean log-likelihood
  // agrees to ~1e-6 relative; 1e-5 leaves margin, while uncentred float32 errs by ~1e-2.
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], 1e-5 * std::abs(a[i])) << "iteration " << i;
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(g32.means()[i], g64.means()[i], 1e-4);
}

// ---- restarts, round trip, sampling -------------------------------------------------------------

TEST(EmApi, MoreRestartsNeverEndLower) {
  const gaussian_mixture truth(make_true_params(covariance_type::full, 4, 2, 3.0));
  const auto x = truth.sample(800, 3);
  gaussian_mixture_options o;
  o.n_components = 4;
  o.device = device_choice::cpu;
  o.init_params = em_init::random_from_data;
  gaussian_mixture one(o);
  one.fit(view(x, 2));
  o.n_init = 4;
  gaussian_mixture four(o);
  four.fit(view(x, 2));  // restart 1 of four is the same fit as `one`
  EXPECT_GE(four.lower_bound(), one.lower_bound());
}

TEST(EmApi, JsonRoundTripPredictsTheSame) {
  const gaussian_mixture truth(make_true_params(covariance_type::diag, 3, 3, 4.0));
  const auto x = truth.sample(500, 9);
  for (const auto& kind : kinds) {
    gaussian_mixture_options o;
    o.n_components = 3;
    o.covariance = parse_covariance_type(kind);
    o.device = device_choice::cpu;
    gaussian_mixture gm(o);
    gm.fit(view(x, 3));
    const gaussian_mixture back = gaussian_mixture::from_json(nlohmann::json::parse(gm.to_json().dump()));
    EXPECT_EQ(back.predict(view(x, 3)), gm.predict(view(x, 3))) << kind;
    EXPECT_NEAR(back.score(view(x, 3)), gm.score(view(x, 3)), 1e-12) << kind;
    EXPECT_NEAR(gm.score(view(x, 3)), gm.lower_bound(), 1e-10) << kind;
  }
}

TEST(EmApi, SampleHasTheMixtureMoments) {
  const gmm_params p = make_true_params(covariance_type::spherical, 2, 2, 5.0);
  const std::size_t n = 20000;
  const auto x = gaussian_mixture(p).sample(n, 21);
  // Mixture mean Σ w_k μ_k and variance Σ w_k (σ_k² + μ_k²) - mean²; 5 standard errors (6e-7 each).
  for (int j = 0; j < 2; ++j) {
    double mean = 0, second = 0, m = 0, v = 0;
    for (std::size_t i = 0; i < n; ++i) mean += x[i * 2 + j] / double(n);
    for (int k = 0; k < 2; ++k) {
      m += p.weights[k] * p.means[k * 2 + j];
      second += p.weights[k] * (p.covariances[k] + p.means[k * 2 + j] * p.means[k * 2 + j]);
    }
    v = second - m * m;
    EXPECT_NEAR(mean, m, 5 * std::sqrt(v / double(n)));
  }
}

// ---- Bad input ------------------------------------------------------------------------------------

namespace {
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST(EmBadInput, EachIsAClearError) {
  const std::vector<double> x = {0, 0, 1, 1, 2, 0, 3, 1};  // 4 points in 2-D
  gaussian_mixture_options o;
  o.device = device_choice::cpu;
  o.n_components = 0;
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("at least 1"), std::string::npos);
  o.n_components = 5;
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("fewer than the 5 components"),
            std::string::npos);
  o.n_components = 2;
  o.means_init = std::vector<double>{0, 0, 1};
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("initial means have 3 values"),
            std::string::npos);
  o.means_init.reset();
  o.weights_init = std::vector<double>{1.0};
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("initial weights have 1 values"),
            std::string::npos);
  o.weights_init = std::vector<double>{0.7, 0.7};
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("sum to"), std::string::npos);
  o.weights_init.reset();
  o.covariances_init = std::vector<double>{1, 0, 0, 1};
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("initial covariances have 4 values"),
            std::string::npos);
  o.covariances_init = std::vector<double>{1, 0, 0, 1, 1, 2, 2, 1};  // second is not positive definite
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(x, 2)); }).find("component 1 is singular"),
            std::string::npos);
  o.covariances_init.reset();
  const std::vector<double> bad = {0, 0, NAN, 1, 2, 0, 3, 1};
  EXPECT_NE(error_of([&] { gaussian_mixture(o).fit(view(bad, 2)); }).find("row 2 column 1 is not finite"),
            std::string::npos);
  gaussian_mixture gm(o);
  gm.fit(view(x, 2));
  const std::vector<double> three = {0, 0, 0};
  EXPECT_NE(error_of([&] { gm.predict(view(three, 3)); }).find("3 columns but the model has 2"), std::string::npos);
}

TEST(EmBadInput, SingularCovarianceNamesComponentAndIteration) {
  // 40 points near the origin and one far away; component 1 starts on the far point, takes only it
  // after the first E-step, and its covariance collapses to zero at iteration 1 (reg_covar 0).
  std::vector<double> x;
  std::mt19937_64 g(5);
  std::normal_distribution<double> z;
  for (int i = 0; i < 40; ++i) x.push_back(z(g)), x.push_back(z(g));
  x.push_back(100), x.push_back(100);
  gaussian_mixture_options o;
  o.n_components = 2;
  o.reg_covar = 0;
  o.device = device_choice::cpu;
  o.weights_init = std::vector<double>{0.5, 0.5};
  o.means_init = std::vector<double>{0, 0, 100, 100};
  o.covariances_init = std::vector<double>{1, 0, 0, 1, 1, 0, 0, 1};
  for (const auto& kind : kinds) {
    o.covariance = parse_covariance_type(kind);
    if (kind == "tied") continue;  // the shared covariance does not collapse
    if (kind == "diag") o.covariances_init = std::vector<double>{1, 1, 1, 1};
    if (kind == "spherical") o.covariances_init = std::vector<double>{1, 1};
    const std::string msg = error_of([&] { gaussian_mixture(o).fit(view(x, 2)); });
    EXPECT_NE(msg.find("EM iteration 1: the covariance of component 1 is singular"), std::string::npos)
        << kind << ": " << msg;
    EXPECT_NE(msg.find("--reg-covar"), std::string::npos);
  }
  // The same fit with a small reg_covar runs to the end with finite values.
  o.covariance = covariance_type::full;
  o.covariances_init = std::vector<double>{1, 0, 0, 1, 1, 0, 0, 1};
  o.reg_covar = 1e-6;
  gaussian_mixture gm(o);
  gm.fit(view(x, 2));
  EXPECT_TRUE(std::isfinite(gm.lower_bound()));
}
