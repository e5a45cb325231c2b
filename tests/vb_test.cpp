// Variational Bayes for Gaussian mixtures: scikit-learn's per-iteration lower bounds and fitted
// parameters from the same initial responsibilities (tests/data/vb, made by
// tests/reference/make_vb_reference.py), a lower bound that never decreases, pruning of unneeded
// components, and bad priors and options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "manychains/em/backend.hpp"
#include "manychains/error.hpp"
#include "manychains/io/csv.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/vb.hpp"
#include "vb_test_data.hpp"

using namespace manychains;
using manychains::testing::clusters;

namespace {

const std::string data_dir = std::string(MANYCHAINS_TEST_DATA) + "/vb/";

const nlohmann::json& reference() {
  static const nlohmann::json j = [] {
    std::ifstream in(data_dir + "reference.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

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

/// |a - b| ≤ tol·max(1, |b|), element by element.
void expect_close(const std::vector<double>& a, const std::vector<double>& b, double tol, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], tol * std::max(1.0, std::abs(b[i]))) << what << " [" << i << "]";
}

bayesian_gaussian_mixture_options options_of(const nlohmann::json& c, std::size_t n) {
  bayesian_gaussian_mixture_options o;
  o.n_components = c["n_components"].get<int>();
  o.covariance = parse_covariance_type(c["covariance_type"].get<std::string>());
  o.tol = 0;
  o.max_iter = c["iterations"].get<int>();
  o.reg_covar = c["reg_covar"].get<double>();
  o.device = device_choice::cpu;
  o.prior.weight_type = parse_weight_prior_type(c["weight_concentration_prior_type"].get<std::string>());
  const npy_array r = read_npy(data_dir + "init_resp_" + c["data"].get<std::string>() + ".npy");
  EXPECT_EQ(r.shape, (std::vector<std::size_t>{n, std::size_t(o.n_components)}));
  o.resp_init = r.values;
  if (!c["priors"].is_null()) {
    const auto& p = c["priors"];
    o.prior.weight_concentration = p["weight_concentration_prior"].get<double>();
    o.prior.mean_precision = p["mean_precision_prior"].get<double>();
    o.prior.mean = flat(p["mean_prior"]);
    o.prior.degrees_of_freedom = p["degrees_of_freedom_prior"].get<double>();
    o.prior.covariance = flat(p["covariance_prior"]);
  }
  return o;
}

std::string case_name(const nlohmann::json& c) {
  return c["data"].get<std::string>() + " " + c["covariance_type"].get<std::string>() + " " +
         c["weight_concentration_prior_type"].get<std::string>() + (c["priors"].is_null() ? "" : " explicit priors");
}

void check_case(const nlohmann::json& c) {
  const numeric_table t = read_table(data_dir + c["data"].get<std::string>() + ".csv");
  const matrix_view x{t.values.data(), t.rows, t.cols};
  bayesian_gaussian_mixture vb(options_of(c, t.rows));
  vb.fit(x);
  const std::string name = case_name(c);
  // The bound is a sum over points (hundreds): 1e-8 relative, parameters 1e-8 relative or absolute.
  const auto ref_trace = flat(c["lower_bounds"]);
  ASSERT_EQ(vb.lower_bound_trace().size(), ref_trace.size()) << name;
  for (std::size_t i = 0; i < ref_trace.size(); ++i)
    EXPECT_NEAR(vb.lower_bound_trace()[i], ref_trace[i], 1e-8 * std::abs(ref_trace[i]))
        << name << " iteration " << i + 1;
  const vb_params& q = vb.params();
  expect_close(q.gaussian.weights, flat(c["weights"]), 1e-8, name + " weights");
  expect_close(q.gaussian.means, flat(c["means"]), 1e-8, name + " means");
  expect_close(q.gaussian.covariances, flat(c["covariances"]), 1e-8, name + " covariances");
  expect_close(q.gaussian.precisions_cholesky, flat(c["precisions_cholesky"]), 1e-8, name + " precisions_cholesky");
  expect_close(q.mean_precision, flat(c["mean_precision"]), 1e-8, name + " mean_precision");
  std::vector<double> dof = q.degrees_of_freedom;
  if (q.gaussian.type == covariance_type::tied) dof.resize(1);
  expect_close(dof, flat(c["degrees_of_freedom"]), 1e-8, name + " degrees_of_freedom");
  std::vector<double> wc = q.weight_concentration;
  wc.insert(wc.end(), q.weight_concentration_b.begin(), q.weight_concentration_b.end());
  expect_close(wc, flat(c["weight_concentration"]), 1e-8, name + " weight_concentration");
  // The priors as resolved from the data.
  const auto& rp = c["resolved_priors"];
  expect_close(vb.prior().mean, flat(rp["mean_prior"]), 1e-12, name + " mean_prior");
  expect_close(vb.prior().covariance, flat(rp["covariance_prior"]), 1e-12, name + " covariance_prior");
  EXPECT_DOUBLE_EQ(vb.prior().weight_concentration, rp["weight_concentration_prior"].get<double>()) << name;
  EXPECT_DOUBLE_EQ(vb.prior().degrees_of_freedom, rp["degrees_of_freedom_prior"].get<double>()) << name;
  // predict_proba of the first rows under the fitted q.
  const auto proba = vb.predict_proba({t.values.data(), 10, t.cols});
  expect_close(proba, flat(c["predict_proba_head"]), 1e-8, name + " predict_proba");
}

}  // namespace

TEST(VbReference, EveryCaseMatchesScikitLearn) {
  const auto& cases = reference()["cases"];
  ASSERT_EQ(cases.size(), 20u);
  for (const auto& c : cases) check_case(c);
}

// CAVI maximises the bound coordinate-wise: without reg_covar (which makes the M-step inexact)
// it never decreases, for every covariance type and weight prior, here from k-means++ starts
// with more components than clusters (so some empty out).
TEST(VbLowerBound, NeverDecreases) {
  const int d = 3;
  const auto x = clusters({0, 0, 0, 5, 0, 0, 0, 5, 0}, d, {150, 100, 50}, 7);
  for (auto type : {covariance_type::full, covariance_type::tied, covariance_type::diag, covariance_type::spherical})
    for (auto wt : {weight_prior_type::dirichlet_distribution, weight_prior_type::dirichlet_process}) {
      bayesian_gaussian_mixture_options o;
      o.n_components = 6;
      o.covariance = type;
      o.prior.weight_type = wt;
      o.reg_covar = 0;
      o.tol = 0;
      o.max_iter = 80;
      o.seed = 3;
      o.device = device_choice::cpu;
      bayesian_gaussian_mixture vb(o);
      vb.fit({x.data(), x.size() / d, std::size_t(d)});
      const auto& tr = vb.lower_bound_trace();
      ASSERT_EQ(tr.size(), 80u);
      for (std::size_t i = 1; i < tr.size(); ++i)
        EXPECT_GE(tr[i], tr[i - 1] - 1e-12 * std::abs(tr[i]))
            << covariance_type_name(type) << " " << weight_prior_type_name(wt) << " iteration " << i + 1;
    }
}

// Three well-separated clusters fitted with 8 components and a small weight concentration: the
// posterior puts (almost) no weight on five of them.
TEST(VbEffectiveComponents, PrunesUnneededComponents) {
  const int d = 2;
  const auto x = clusters({0, 0, 12, 0, 0, 12}, d, {300, 200, 100}, 11);
  bayesian_gaussian_mixture_options o;
  o.n_components = 8;
  o.prior.weight_type = weight_prior_type::dirichlet_distribution;
  o.prior.weight_concentration = 1e-3;
  o.max_iter = 500;
  o.seed = 5;
  o.device = device_choice::cpu;
  bayesian_gaussian_mixture vb(o);
  vb.fit({x.data(), x.size() / d, std::size_t(d)});
  EXPECT_TRUE(vb.converged());
  const auto used = vb.effective_components(0.01);
  ASSERT_EQ(used.size(), 3u);
  std::vector<double> w;
  for (int k : used) w.push_back(vb.weights()[k]);
  std::sort(w.begin(), w.end());
  // Cluster sizes 100, 200, 300 of 600; the pruned components' (1e-3 + ~0) concentrations are all
  // that is left of the weight.
  EXPECT_NEAR(w[0], 1.0 / 6, 1e-3);
  EXPECT_NEAR(w[1], 2.0 / 6, 1e-3);
  EXPECT_NEAR(w[2], 3.0 / 6, 1e-3);
}

// A model rebuilt from the fitted variational parameters (as the Python estimator rebuilds it)
// predicts exactly as the fitted one; inconsistent parameters are refused.
TEST(VbModel, RebuiltFromParametersPredictsAlike) {
  const int d = 2;
  const auto x = clusters({0, 0, 6, 0, 0, 6}, d, {120, 80, 50}, 3);
  const matrix_view xv{x.data(), x.size() / d, std::size_t(d)};
  for (auto type : {covariance_type::full, covariance_type::tied, covariance_type::diag, covariance_type::spherical}) {
    bayesian_gaussian_mixture_options o;
    o.n_components = 4;
    o.covariance = type;
    o.device = device_choice::cpu;
    bayesian_gaussian_mixture fitted(o);
    fitted.fit(xv);
    vb_params q = fitted.params();
    q.gaussian.weights.clear();
    q.gaussian.precisions_cholesky.clear();
    q.gaussian.log_det.clear();
    const bayesian_gaussian_mixture rebuilt(q);
    EXPECT_EQ(rebuilt.weights(), fitted.weights()) << covariance_type_name(type);
    EXPECT_EQ(rebuilt.predict_proba(xv), fitted.predict_proba(xv)) << covariance_type_name(type);
    EXPECT_EQ(rebuilt.score_samples(xv), fitted.score_samples(xv)) << covariance_type_name(type);
    q.mean_precision.pop_back();
    EXPECT_THROW(bayesian_gaussian_mixture{q}, input_error);
  }
}

// float32 E-steps (sums in double) follow the double fit closely.
TEST(VbPrecision, FloatFollowsDouble) {
  const auto& c = reference()["cases"][0];
  const numeric_table t = read_table(data_dir + c["data"].get<std::string>() + ".csv");
  auto o = options_of(c, t.rows);
  o.max_iter = 10;
  bayesian_gaussian_mixture a(o);
  a.fit({t.values.data(), t.rows, t.cols});
  o.precision = em_precision::float32;
  bayesian_gaussian_mixture b(o);
  b.fit({t.values.data(), t.rows, t.cols});
  for (std::size_t i = 0; i < a.lower_bound_trace().size(); ++i)
    EXPECT_NEAR(b.lower_bound_trace()[i], a.lower_bound_trace()[i], 1e-4 * std::abs(a.lower_bound_trace()[i]));
}

// The CPU backend's Σ r log r pass against the same sum over responsibilities computed row by
// row, at a fitted q (so the components overlap and the entropy is far from zero).
TEST(VbBackend, SumRLogRMatchesRowByRow) {
  const auto& c = reference()["cases"][0];
  const numeric_table t = read_table(data_dir + c["data"].get<std::string>() + ".csv");
  auto o = options_of(c, t.rows);
  o.max_iter = 3;
  bayesian_gaussian_mixture vb(o);
  vb.fit({t.values.data(), t.rows, t.cols});
  const int K = o.n_components, d = int(t.cols);
  auto backend = make_em_cpu_backend<double>(t.values.data(), t.rows, d, K, o.covariance);
  std::vector<double> nk, sx;
  backend->e_step(vb_e_step_arrays<double>(vb.params()), nk, sx);
  const auto r = vb.predict_proba({t.values.data(), t.rows, t.cols});
  double want = 0;
  for (double v : r)
    if (v > 0) want += v * std::log(v);
  EXPECT_LT(want, -10.0);
  EXPECT_NEAR(backend->sum_r_log_r(), want, 1e-12 * std::abs(want));
  double total = 0;
  for (double v : nk) total += v;
  EXPECT_NEAR(total, double(t.rows), 1e-9);
}

TEST(VbBadInput, PriorsAndOptionsAreRefused) {
  const int d = 2;
  const auto x = clusters({0, 0, 5, 5}, d, {20, 20}, 1);
  const matrix_view v{x.data(), x.size() / d, std::size_t(d)};
  auto expect_refused = [&](bayesian_gaussian_mixture_options o, const std::string& words) {
    o.device = device_choice::cpu;
    try {
      bayesian_gaussian_mixture(o).fit(v);
      ADD_FAILURE() << "accepted; expected: " << words;
    } catch (const input_error& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  bayesian_gaussian_mixture_options o;
  o.n_components = 2;
  auto p = o;
  p.prior.degrees_of_freedom = 1.0;
  expect_refused(p, "greater than d - 1 = 1");
  p = o;
  p.prior.weight_concentration = 0.0;
  expect_refused(p, "weight concentration prior must be positive");
  p = o;
  p.prior.mean_precision = -1.0;
  expect_refused(p, "mean precision prior must be positive");
  p = o;
  p.prior.mean = std::vector<double>{1.0};
  expect_refused(p, "mean prior has 1 values, expected 2");
  p = o;
  p.prior.covariance = std::vector<double>{1, 2, 2, 1};
  expect_refused(p, "not positive definite");
  p = o;
  p.prior.covariance = std::vector<double>{1, 0.5, 0, 1};
  expect_refused(p, "not symmetric");
  p = o;
  p.covariance = covariance_type::diag;
  p.prior.covariance = std::vector<double>{1, -1};
  expect_refused(p, "must be positive");
  p = o;
  p.resp_init = std::vector<double>(10, 0.5);
  expect_refused(p, "initial responsibilities have 10 values, expected 40 points x 2 components");
  p = o;
  p.n_components = 41;
  expect_refused(p, "fewer than the 41 components");
  std::vector<double> bad = x;
  bad[3] = NAN;
  try {
    bayesian_gaussian_mixture(o).fit({bad.data(), bad.size() / d, std::size_t(d)});
    ADD_FAILURE() << "NaN accepted";
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find("row 2 column 2 is not finite"), std::string::npos) << e.what();
  }
}
