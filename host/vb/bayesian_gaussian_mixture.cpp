// bayesian_gaussian_mixture: the CAVI driver (initialisation, iterations, restarts) and prediction.
// The loop is scikit-learn's BaseMixture.fit_predict: E-step, M-step, lower bound, stop when the
// bound changes by less than tol.
#include "manychains/vb.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "manychains/em/backend.hpp"
#include "manychains/em/log_density.hpp"
#include "manychains/em/point_sums.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

/// The statistics of given responsibilities r (n×K), in double on the host.
vb_statistics statistics_of(const std::vector<double>& x, std::size_t n, int d, int K, covariance_type type,
                            const std::vector<double>& r, double reg_covar) {
  std::vector<double> r_sum(K, 0.0), rx(std::size_t(K) * d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    em_add_first_moments(K, d, strided<const double>{&r[i * K], 1}, strided<const double>{&x[i * d], 1}, r_sum.data(),
                         rx.data());
  vb_statistics s = vb_first_moments(r_sum, rx, d);
  std::vector<double> scatter(std::size_t(em_scatter_size(type, K, d)), 0.0), diff(d);
  for (std::size_t i = 0; i < n; ++i)
    em_add_point_scatter(type, K, d, strided<const double>{&r[i * K], 1}, strided<const double>{&x[i * d], 1},
                         s.xk.data(), scatter.data(), diff.data());
  vb_covariances_from_scatter(s, type, d, scatter, reg_covar);
  return s;
}

struct fit_outcome {
  vb_params q;
  std::vector<double> trace;
  bool converged = false;
  int n_iter = 0;
};

}  // namespace

bayesian_gaussian_mixture::bayesian_gaussian_mixture(bayesian_gaussian_mixture_options options)
    : options_(std::move(options)) {}

bayesian_gaussian_mixture::bayesian_gaussian_mixture(vb_params q) : q_(std::move(q)), fitted_(true) {
  gmm_params& g = q_.gaussian;
  const std::size_t K = q_.weight_concentration.size();
  MC_EXPECTS(K >= 1, "the model has no components");
  const bool process = q_.weight_type == weight_prior_type::dirichlet_process;
  MC_EXPECTS((process ? q_.weight_concentration_b.size() : K) == K && q_.mean_precision.size() == K &&
                 q_.degrees_of_freedom.size() == K && g.means.size() % K == 0 && !g.means.empty(),
             fmt::format("the model's variational parameters do not all have {} components", K));
  g.components = int(K);
  g.dim = int(g.means.size() / K);
  MC_EXPECTS(g.covariances.size() == covariance_size(g.type, g.components, g.dim),
             fmt::format("the model's covariances have {} values, expected {}", g.covariances.size(),
                         covariance_size(g.type, g.components, g.dim)));
  g.weights = vb_mean_weights(q_);
  compute_precision_cholesky(g, "the model's covariances");
  options_.n_components = g.components;
  options_.covariance = g.type;
  options_.prior.weight_type = q_.weight_type;
}

bayesian_gaussian_mixture& bayesian_gaussian_mixture::fit(matrix_view xv) {
  const auto start = clock_type::now();
  const bayesian_gaussian_mixture_options& o = options_;
  const int K = o.n_components;
  // EM's checks, and the data centred (in double) as EM centres them; the priors follow into the
  // same coordinates.
  const centred_data data = prepare_mixture_fit(xv, K, o.max_iter, o.n_init, o.tol, o.reg_covar);
  const std::vector<double>& x = data.values;
  const std::vector<double>& centre = data.centre;
  const std::size_t n = xv.rows;
  const int d = int(xv.cols);
  if (o.resp_init) {
    MC_EXPECTS(o.resp_init->size() == n * std::size_t(K),
               fmt::format("the initial responsibilities have {} values, expected {} points x {} components = {}",
                           o.resp_init->size(), n, K, n * std::size_t(K)));
    for (double r : *o.resp_init)
      MC_EXPECTS(std::isfinite(r) && r >= 0, "the initial responsibilities must be finite and non-negative");
  }
  const covariance_type type = o.covariance;

  vb_prior_options given = o.prior;
  if (given.mean)
    for (int j = 0; j < d && std::size_t(j) < given.mean->size(); ++j) (*given.mean)[j] -= centre[j];
  const vb_prior prior = resolve_vb_prior(given, type, K, x.data(), n, d);

  timings_ = em_timings{};
  auto run = [&](auto tag) {
    using T = decltype(tag);
    auto backend = make_em_backend<T>(o.device, x.data(), n, d, K, type);
    device_name_ = backend->device_name();
    fit_outcome best;
    bool have_best = false;
    std::vector<double> r_sum, rx, scatter;
    for (int restart = 0; restart < o.n_init; ++restart) {
      const std::string tag_restart = o.n_init > 1 ? fmt::format(" (restart {})", restart + 1) : std::string();
      auto t0 = clock_type::now();
      fit_outcome out;
      out.q.gaussian.type = type;
      {
        const std::vector<double> r =
            o.resp_init ? *o.resp_init : initial_responsibilities(o.init_params, x.data(), n, d, K, o.seed, restart);
        vb_m_step(prior, statistics_of(x, n, d, K, type, r, o.reg_covar), out.q, "initialisation" + tag_restart);
      }
      timings_.initialisation += seconds_since(t0);
      double lb = -std::numeric_limits<double>::infinity();
      for (int it = 1; it <= o.max_iter; ++it) {
        const auto t_iter = clock_type::now();
        const std::string when = fmt::format("VB iteration {}{}", it, tag_restart);
        t0 = clock_type::now();
        const double log_norm = backend->e_step(vb_e_step_arrays<T>(out.q), r_sum, rx);
        const double r_log_r = backend->sum_r_log_r();
        timings_.e_step += seconds_since(t0);
        if (!std::isfinite(log_norm) || !std::isfinite(r_log_r))
          throw input_error(fmt::format("{}: the responsibilities are not finite", when));
        t0 = clock_type::now();
        vb_statistics s = vb_first_moments(r_sum, rx, d);
        backend->scatter(s.xk, scatter);
        vb_covariances_from_scatter(s, type, d, scatter, o.reg_covar);
        vb_m_step(prior, s, out.q, when);
        const double next = vb_lower_bound(out.q, r_log_r);
        timings_.m_step += seconds_since(t0);
        if (!std::isfinite(next)) throw input_error(fmt::format("{}: the lower bound is not finite", when));
        out.trace.push_back(next);
        out.n_iter = it;
        ++timings_.iterations;
        const double change = next - lb;
        lb = next;
        if (o.on_iteration) o.on_iteration(vb_iteration_info{restart, it, next, change, seconds_since(t_iter)});
        if (std::abs(change) < o.tol) {
          out.converged = true;
          break;
        }
      }
      // scikit-learn keeps the first restart, then any with a larger final bound.
      if (!have_best || (!out.trace.empty() && out.trace.back() > best.trace.back())) {
        best = std::move(out);
        have_best = true;
      }
    }
    return best;
  };
  fit_outcome best = o.precision == em_precision::float32 ? run(float{}) : run(double{});
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < d; ++j) best.q.gaussian.means[std::size_t(k) * d + j] += centre[j];
  prior_ = prior;
  for (int j = 0; j < d; ++j) prior_.mean[j] += centre[j];
  q_ = std::move(best.q);
  trace_ = std::move(best.trace);
  converged_ = best.converged;
  n_iter_ = best.n_iter;
  fitted_ = true;
  timings_.total = seconds_since(start);
  return *this;
}

void bayesian_gaussian_mixture::check_fitted(matrix_view x, const char* what) const {
  check_prediction_data(fitted_, x, q_.gaussian.dim, what);
}

std::vector<double> bayesian_gaussian_mixture::predict_proba(matrix_view x) const {
  check_fitted(x, "predict_proba");
  return mixture_responsibilities(vb_e_step_arrays<double>(q_), x);
}

std::vector<double> bayesian_gaussian_mixture::score_samples(matrix_view x) const {
  check_fitted(x, "score_samples");
  return mixture_log_normalisers(vb_e_step_arrays<double>(q_), x);
}

std::vector<int> bayesian_gaussian_mixture::predict(matrix_view x) const {
  return most_probable_components(predict_proba(x), x.rows, q_.gaussian.components);
}

std::vector<int> bayesian_gaussian_mixture::effective_components(double threshold) const {
  std::vector<int> out;
  for (int k = 0; k < int(weights().size()); ++k)
    if (weights()[k] > threshold) out.push_back(k);
  return out;
}

nlohmann::json bayesian_gaussian_mixture::to_json() const {
  const gmm_params& g = q_.gaussian;
  const int K = g.components, d = g.dim;
  const bool tied = g.type == covariance_type::tied;
  // Arrays in scikit-learn's shapes: rows of d values, or d×d matrices.
  auto rows = [&](const double* v, int count, int width) {
    nlohmann::json a = nlohmann::json::array();
    for (int i = 0; i < count; ++i)
      a.push_back(std::vector<double>(v + std::size_t(i) * width, v + std::size_t(i + 1) * width));
    return a;
  };
  auto covariance_json = [&](const std::vector<double>& c) {
    switch (g.type) {
      case covariance_type::full: {
        nlohmann::json a = nlohmann::json::array();
        for (int k = 0; k < K; ++k) a.push_back(rows(&c[std::size_t(k) * d * d], d, d));
        return a;
      }
      case covariance_type::tied: return rows(c.data(), d, d);
      case covariance_type::diag: return rows(c.data(), K, d);
      default: return nlohmann::json(c);
    }
  };
  // Precision Cholesky factors: ours are upper triangular row-major (U, precision = U Uᵀ), as
  // scikit-learn's precisions_cholesky_ are.
  nlohmann::json weight_concentration = q_.weight_concentration;
  if (q_.weight_type == weight_prior_type::dirichlet_process)
    weight_concentration = nlohmann::json::array({q_.weight_concentration, q_.weight_concentration_b});
  nlohmann::json prior_cov = prior_.covariance;
  if (g.type == covariance_type::full || tied) prior_cov = rows(prior_.covariance.data(), d, d);
  else if (g.type == covariance_type::spherical) prior_cov = prior_.covariance[0];
  nlohmann::json j = {
      {"n_components", K},
      {"n_features", d},
      {"covariance_type", covariance_type_name(g.type)},
      {"weight_concentration_prior_type", weight_prior_type_name(q_.weight_type)},
      {"weights", g.weights},
      {"means", rows(g.means.data(), K, d)},
      {"covariances", covariance_json(g.covariances)},
      {"precisions_cholesky", covariance_json(g.precisions_cholesky)},
      {"weight_concentration", weight_concentration},
      {"mean_precision", q_.mean_precision},
      {"degrees_of_freedom", tied ? nlohmann::json(q_.degrees_of_freedom[0]) : nlohmann::json(q_.degrees_of_freedom)},
      {"priors",
       {{"weight_concentration_prior", prior_.weight_concentration},
        {"mean_precision_prior", prior_.mean_precision},
        {"mean_prior", prior_.mean},
        {"degrees_of_freedom_prior", prior_.degrees_of_freedom},
        {"covariance_prior", prior_cov}}},
      {"lower_bound_trace", trace_},
      {"lower_bound", lower_bound()},
      {"converged", converged_},
      {"n_iter", n_iter_}};
  return j;
}

}  // namespace manychains
