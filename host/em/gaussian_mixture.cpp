// gaussian_mixture: the EM driver (initialisation, iterations, restarts) and prediction.
#include "manychains/em.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "manychains/em/backend.hpp"
#include "manychains/em/log_density.hpp"
#include "manychains/em/point_sums.hpp"
#include "manychains/em/rows.hpp"
#include "manychains/error.hpp"
#include "mpi/collectively.hpp"
#include "mpi/lone_process.hpp"

namespace manychains {
namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

/// Parameters from responsibilities r (n×K) of this process's n rows (of `total`, summed over
/// `group` in row order) by one M-step in double on the host.
gmm_params params_from_responsibilities(process_group& group, const std::vector<double>& x, std::size_t n,
                                        std::size_t total, int d, int K, covariance_type type,
                                        const std::vector<double>& r, double reg_covar) {
  gmm_params p;
  p.type = type;
  p.components = K;
  p.dim = d;
  const std::vector<double> moments = sum_over_rows(group, std::size_t(K) * (d + 1), [&](std::vector<double>& a) {
    for (std::size_t i = 0; i < n; ++i)
      em_add_first_moments(K, d, strided<const double>{&r[i * K], 1}, strided<const double>{&x[i * d], 1}, a.data(),
                           a.data() + K);
  });
  const std::vector<double> nk(moments.begin(), moments.begin() + K), sx(moments.begin() + K, moments.end());
  m_step_weights_means(p, total, nk, sx);
  std::vector<double> diff(d);
  const std::vector<double> s =
      sum_over_rows(group, std::size_t(em_scatter_size(type, K, d)), [&](std::vector<double>& a) {
        for (std::size_t i = 0; i < n; ++i)
          em_add_point_scatter(type, K, d, strided<const double>{&r[i * K], 1}, strided<const double>{&x[i * d], 1},
                               p.means.data(), a.data(), diff.data());
      });
  m_step_covariances(p, total, nk, s, reg_covar, "initialisation");
  return p;
}

/// The E-step over every process's rows: each adds its blocks' sums in block order (or, on a
/// backend without them, its totals), process after process. Returns Σ log p; fills nk and sx.
template <class T>
double e_step_over(process_group& group, em_backend<T>& backend, const gmm_arrays<T>& params, int K, int d,
                   std::vector<double>& nk, std::vector<double>& sx) {
  const double local = backend.e_step(params, nk, sx);
  if (group.size() == 1) return local;
  const std::size_t stride = std::size_t(K) * (1 + d) + 1;
  const std::vector<double> acc = sum_over_rows(group, stride, [&](std::vector<double>& a) {
    const std::vector<double>& p = backend.e_step_partials();
    for (std::size_t b = 0; b * stride < p.size(); ++b)
      for (std::size_t j = 0; j < stride; ++j) a[j] += p[b * stride + j];
    if (!p.empty()) return;
    for (int k = 0; k < K; ++k) a[k] += nk[k];
    for (int j = 0; j < K * d; ++j) a[K + j] += sx[j];
    a[stride - 1] += local;
  });
  nk.assign(acc.begin(), acc.begin() + K);
  sx.assign(acc.begin() + K, acc.end() - 1);
  return acc.back();
}

/// The scatter over every process's rows, likewise.
template <class T>
void scatter_over(process_group& group, em_backend<T>& backend, const std::vector<double>& means,
                  std::vector<double>& out) {
  backend.scatter(means, out);
  if (group.size() == 1) return;
  out = sum_over_rows(group, out.size(), [&](std::vector<double>& a) {
    const std::vector<double>& p = backend.scatter_partials();
    for (std::size_t b = 0; b * a.size() < p.size(); ++b)
      for (std::size_t j = 0; j < a.size(); ++j) a[j] += p[b * a.size() + j];
    if (p.empty())
      for (std::size_t j = 0; j < a.size(); ++j) a[j] += out[j];
  });
}

struct fit_outcome {
  gmm_params params;
  std::vector<double> trace;
  bool converged = false;
  int n_iter = 0;
};

/// The checks of a fit's shape and options after its data's (n: every process's rows), in the
/// order their messages take precedence; shared by EM's and VB's fits.
void check_mixture_options(std::size_t n, std::size_t cols, int K, int max_iter, int n_init, double tol,
                           double reg_covar) {
  MC_EXPECTS(cols <= 100000, "the data have too many columns");
  MC_EXPECTS(n >= std::size_t(K),
             fmt::format("{} data points are fewer than the {} components; use at most {} components", n, K, n));
  MC_EXPECTS(max_iter >= 0, "max_iter must be at least 0");
  MC_EXPECTS(n_init >= 1, "n_init must be at least 1");
  MC_EXPECTS(tol >= 0, "tol must be at least 0");
  MC_EXPECTS(reg_covar >= 0, "reg_covar must be at least 0");
}

}  // namespace

void check_mixture_data(matrix_view x, const char* what, std::size_t first_row) {
  MC_EXPECTS(first_row > 0 || (x.rows > 0 && x.cols > 0), fmt::format("{}: the data are empty", what));
  for (std::size_t i = 0; i < x.rows * x.cols; ++i)
    if (!std::isfinite(x.data[i]))
      throw input_error(fmt::format("{}: row {} column {} is not finite; data must be finite", what,
                                    first_row + i / x.cols + 1, i % x.cols + 1));
}

centred_data prepare_mixture_fit(matrix_view xv, int K, int max_iter, int n_init, double tol, double reg_covar) {
  MC_EXPECTS(K >= 1, "the number of components must be at least 1");
  check_mixture_data(xv, "fit");
  const std::size_t n = xv.rows;
  check_mixture_options(n, xv.cols, K, max_iter, n_init, tol, reg_covar);
  const std::size_t d = xv.cols;
  centred_data c;
  c.centre.assign(d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) c.centre[j] += xv.data[i * d + j];
  for (std::size_t j = 0; j < d; ++j) c.centre[j] /= double(n);
  c.values.resize(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) c.values[i * d + j] = xv.data[i * d + j] - c.centre[j];
  return c;
}

template <class T>
std::unique_ptr<em_backend<T>> make_em_backend(device_choice choice, const double* x, std::size_t n, int d, int K,
                                               covariance_type type, std::size_t total_rows) {
  if (select_device(choice) == backend_kind::cuda) return make_em_cuda_backend<T>(x, n, d, K, type);
  return make_em_cpu_backend<T>(x, n, d, K, type, em_block_rows(total_rows ? total_rows : n));
}

template std::unique_ptr<em_backend<float>> make_em_backend<float>(device_choice, const double*, std::size_t, int, int,
                                                                   covariance_type, std::size_t);
template std::unique_ptr<em_backend<double>> make_em_backend<double>(device_choice, const double*, std::size_t, int,
                                                                     int, covariance_type, std::size_t);

gaussian_mixture::gaussian_mixture(gaussian_mixture_options options) : options_(std::move(options)) {}

gaussian_mixture::gaussian_mixture(gmm_params params) : params_(std::move(params)), fitted_(true) {
  options_.n_components = params_.components;
  options_.covariance = params_.type;
  compute_precision_cholesky(params_, "the model's covariances");
}

gaussian_mixture& gaussian_mixture::fit(matrix_view xv) { return fit(xv, em_rows{}); }

gaussian_mixture& gaussian_mixture::fit(matrix_view xv, const em_rows& rows) {
  const auto start = clock_type::now();
  const gaussian_mixture_options& o = options_;
  const int K = o.n_components;
  MC_EXPECTS(K >= 1, "the number of components must be at least 1");
  static lone_process alone;
  process_group& group = rows.group ? *rows.group : alone;
  const std::size_t local = xv.rows, first = rows.group ? rows.first : 0;
  collectively(group, [&] { check_mixture_data(xv, "fit", first); });
  const std::size_t n = rows.group ? rows.total : xv.rows;  // every process's rows
  check_mixture_options(n, xv.cols, K, o.max_iter, o.n_init, o.tol, o.reg_covar);
  const int d = int(xv.cols);
  const covariance_type type = o.covariance;
  if (o.weights_init)
    MC_EXPECTS(o.weights_init->size() == std::size_t(K),
               fmt::format("the initial weights have {} values, expected {} (one per component)",
                           o.weights_init->size(), K));
  if (o.means_init)
    MC_EXPECTS(o.means_init->size() == std::size_t(K) * d,
               fmt::format("the initial means have {} values, expected {} components x {} dimensions = {}",
                           o.means_init->size(), K, d, std::size_t(K) * d));
  if (o.covariances_init) {
    const std::size_t want = covariance_size(type, K, d);
    MC_EXPECTS(o.covariances_init->size() == want,
               fmt::format("the initial covariances have {} values, expected {} for covariance type {} with {} "
                           "components in {} dimensions",
                           o.covariances_init->size(), want, covariance_type_name(type), K, d));
  }
  check_given_parameters(o.weights_init.value_or(std::vector<double>{}), o.means_init.value_or(std::vector<double>{}),
                         o.covariances_init.value_or(std::vector<double>{}), type, K, d, "the initial parameters");

  // Centre the data (in double) so that float32 passes and scatter matrices stay accurate.
  std::vector<double> centre = sum_over_rows(group, std::size_t(d), [&](std::vector<double>& a) {
    for (std::size_t i = 0; i < local; ++i)
      for (int j = 0; j < d; ++j) a[j] += xv.data[i * d + j];
  });
  for (int j = 0; j < d; ++j) centre[j] /= double(n);
  std::vector<double> x(local * std::size_t(d));
  for (std::size_t i = 0; i < local; ++i)
    for (int j = 0; j < d; ++j) x[i * d + j] = xv.data[i * d + j] - centre[j];

  timings_ = em_timings{};
  auto run = [&](auto tag) {
    using T = decltype(tag);
    std::unique_ptr<em_backend<T>> backend;
    collectively(group, [&] { backend = make_em_backend<T>(o.device, x.data(), local, d, K, type, n); });
    device_name_ = backend->device_name();
    fit_outcome best;
    bool have_best = false;
    std::vector<double> nk, sx, scatter;
    for (int restart = 0; restart < o.n_init; ++restart) {
      const std::string tag_restart = o.n_init > 1 ? fmt::format(" (restart {})", restart + 1) : std::string();
      auto t0 = clock_type::now();
      fit_outcome out;
      const bool need_resp = !(o.weights_init && o.means_init && o.covariances_init);
      if (need_resp) {
        const auto r = initial_responsibilities(o.init_params, x.data(), local, d, K, o.seed, restart, 10,
                                                em_rows{&group, first, n});
        out.params = params_from_responsibilities(group, x, local, n, d, K, type, r, o.reg_covar);
      } else {
        out.params.type = type;
        out.params.components = K;
        out.params.dim = d;
      }
      if (o.weights_init) {
        out.params.weights = *o.weights_init;
        double s = 0;
        for (double w : out.params.weights) s += w;
        for (double& w : out.params.weights) w /= s;
      }
      if (o.means_init) {
        out.params.means = *o.means_init;
        for (int k = 0; k < K; ++k)
          for (int j = 0; j < d; ++j) out.params.means[std::size_t(k) * d + j] -= centre[j];
      }
      if (o.covariances_init) {
        out.params.covariances = *o.covariances_init;
        compute_precision_cholesky(out.params, "the initial covariances");
      }
      timings_.initialisation += seconds_since(t0);

      t0 = clock_type::now();
      double ll = e_step_over(group, *backend, gmm_arrays<T>(out.params), K, d, nk, sx) / double(n);
      timings_.e_step += seconds_since(t0);
      if (!std::isfinite(ll))
        throw input_error(fmt::format("initialisation{}: the log-likelihood is not finite", tag_restart));
      out.trace.push_back(ll);
      for (int it = 1; it <= o.max_iter; ++it) {
        const auto t_iter = clock_type::now();
        const std::string when = fmt::format("EM iteration {}{}", it, tag_restart);
        t0 = clock_type::now();
        m_step_weights_means(out.params, n, nk, sx);
        scatter_over(group, *backend, out.params.means, scatter);
        m_step_covariances(out.params, n, nk, scatter, o.reg_covar, when);
        timings_.m_step += seconds_since(t0);
        t0 = clock_type::now();
        const double next = e_step_over(group, *backend, gmm_arrays<T>(out.params), K, d, nk, sx) / double(n);
        timings_.e_step += seconds_since(t0);
        if (!std::isfinite(next)) throw input_error(fmt::format("{}: the log-likelihood is not finite", when));
        out.trace.push_back(next);
        out.n_iter = it;
        ++timings_.iterations;
        const double change = next - ll;
        ll = next;
        if (o.on_iteration) o.on_iteration(em_iteration_info{restart, it, next, change, seconds_since(t_iter)});
        if (std::abs(change) < o.tol) {
          out.converged = true;
          break;
        }
      }
      if (!have_best || out.trace.back() > best.trace.back()) {
        best = std::move(out);
        have_best = true;
      }
    }
    return best;
  };
  fit_outcome best;
  try {
    best = o.precision == em_precision::float32 ? run(float{}) : run(double{});
  } catch (const input_error&) {
    // Every process computes the same values (sums over all rows), so an input error (a
    // singular covariance, a log-likelihood not finite) is every process's alike.
    if (group.size() > 1) failure_agreed() = true;
    throw;
  }
  for (int k = 0; k < K; ++k)
    for (int j = 0; j < d; ++j) best.params.means[std::size_t(k) * d + j] += centre[j];
  params_ = std::move(best.params);
  trace_ = std::move(best.trace);
  converged_ = best.converged;
  n_iter_ = best.n_iter;
  fitted_ = true;
  timings_.total = seconds_since(start);
  return *this;
}

void check_prediction_data(bool fitted, matrix_view x, int dim, const char* what) {
  if (!fitted) throw input_error(fmt::format("{}: the model has not been fitted", what));
  check_mixture_data(x, what);
  MC_EXPECTS(x.cols == std::size_t(dim),
             fmt::format("{}: the data have {} columns but the model has {} dimensions", what, x.cols, dim));
}

void gaussian_mixture::check_fitted(matrix_view x, const char* what) const {
  check_prediction_data(fitted_, x, params_.dim, what);
}

std::vector<double> mixture_responsibilities(const gmm_arrays<double>& a, matrix_view x) {
  const int K = a.components, d = a.dim;
  const gmm_ref<double> m = a.ref();
  std::vector<double> r(x.rows * std::size_t(K));
#pragma omp parallel if (double(x.rows) * K * (d + 1) > 2e5)
  {
    std::vector<double> y(d);
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < x.rows; ++i)
      em_point_responsibilities(m, strided<const double>{x.data + i * d, 1}, strided<double>{&r[i * K], 1}, y.data());
  }
  return r;
}

std::vector<int> most_probable_components(const std::vector<double>& r, std::size_t n, int K) {
  std::vector<int> labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = int(std::max_element(&r[i * K], &r[i * K] + K) - &r[i * K]);
  return labels;
}

std::vector<double> gaussian_mixture::predict_proba(matrix_view x) const {
  check_fitted(x, "predict_proba");
  return mixture_responsibilities(gmm_arrays<double>(params_), x);
}

std::vector<int> gaussian_mixture::predict(matrix_view x) const {
  return most_probable_components(predict_proba(x), x.rows, params_.components);
}

std::vector<double> mixture_log_normalisers(const gmm_arrays<double>& a, matrix_view x) {
  const int K = a.components, d = a.dim;
  const gmm_ref<double> m = a.ref();
  std::vector<double> out(x.rows);
#pragma omp parallel if (double(x.rows) * K * (d + 1) > 2e5)
  {
    std::vector<double> y(d), r(K);
#pragma omp for schedule(static)
    for (std::size_t i = 0; i < x.rows; ++i)
      out[i] = em_point_responsibilities(m, strided<const double>{x.data + i * d, 1}, strided<double>{r.data(), 1},
                                         y.data());
  }
  return out;
}

std::vector<double> gaussian_mixture::score_samples(matrix_view x) const {
  check_fitted(x, "score_samples");
  return mixture_log_normalisers(gmm_arrays<double>(params_), x);
}

double gaussian_mixture::score(matrix_view x) const {
  const auto s = score_samples(x);
  double total = 0;
  for (double v : s) total += v;
  return total / double(x.rows);
}

double gaussian_mixture::bic(matrix_view x) const {
  return -2 * score(x) * double(x.rows) + free_parameters(params_) * std::log(double(x.rows));
}

double gaussian_mixture::aic(matrix_view x) const { return -2 * score(x) * double(x.rows) + 2 * free_parameters(params_); }

std::vector<double> gaussian_mixture::sample(std::size_t n, std::uint64_t seed, std::vector<int>* labels) const {
  if (!fitted_) throw input_error("sample: the model has not been fitted");
  const int K = params_.components, d = params_.dim;
  using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<matrix> factors(K);  // Σ_k = F Fᵀ
  for (int k = 0; k < K; ++k) {
    matrix f = matrix::Zero(d, d);
    const auto& c = params_.covariances;
    switch (params_.type) {
      case covariance_type::full:
        f = Eigen::Map<const matrix>(&c[std::size_t(k) * d * d], d, d).llt().matrixL();
        break;
      case covariance_type::tied: f = Eigen::Map<const matrix>(c.data(), d, d).llt().matrixL(); break;
      case covariance_type::diag:
        for (int j = 0; j < d; ++j) f(j, j) = std::sqrt(c[std::size_t(k) * d + j]);
        break;
      case covariance_type::spherical:
        for (int j = 0; j < d; ++j) f(j, j) = std::sqrt(c[k]);
        break;
    }
    factors[k] = f;
  }
  std::mt19937_64 g(seed);
  auto u01 = [&] { return (double(g() >> 11) + 0.5) * (1.0 / 9007199254740992.0); };
  std::vector<double> out(n * std::size_t(d));
  if (labels) labels->assign(n, 0);
  Eigen::VectorXd z(d);
  for (std::size_t i = 0; i < n; ++i) {
    double u = u01(), acc = 0;
    int k = K - 1;
    for (int c = 0; c < K; ++c) {
      acc += params_.weights[c];
      if (u < acc) {
        k = c;
        break;
      }
    }
    for (int j = 0; j < d; ++j)  // Box–Muller
      z[j] = std::sqrt(-2 * std::log(u01())) * std::cos(6.283185307179586 * u01());
    const Eigen::VectorXd v = factors[k] * z;
    for (int j = 0; j < d; ++j) out[i * d + j] = params_.means[std::size_t(k) * d + j] + v[j];
    if (labels) (*labels)[i] = k;
  }
  return out;
}

nlohmann::json gaussian_mixture::to_json() const {
  const int K = params_.components, d = params_.dim;
  nlohmann::json means = nlohmann::json::array(), covs = nlohmann::json::array();
  for (int k = 0; k < K; ++k)
    means.push_back(std::vector<double>(params_.means.begin() + std::size_t(k) * d,
                                        params_.means.begin() + std::size_t(k + 1) * d));
  const auto& c = params_.covariances;
  auto matrix_json = [&](const double* m) {
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < d; ++i) rows.push_back(std::vector<double>(m + std::size_t(i) * d, m + std::size_t(i + 1) * d));
    return rows;
  };
  switch (params_.type) {
    case covariance_type::full:
      for (int k = 0; k < K; ++k) covs.push_back(matrix_json(&c[std::size_t(k) * d * d]));
      break;
    case covariance_type::tied: covs = matrix_json(c.data()); break;
    case covariance_type::diag:
      for (int k = 0; k < K; ++k)
        covs.push_back(std::vector<double>(c.begin() + std::size_t(k) * d, c.begin() + std::size_t(k + 1) * d));
      break;
    case covariance_type::spherical: covs = c; break;
  }
  nlohmann::json j = {{"n_components", K},
                      {"n_features", d},
                      {"covariance_type", covariance_type_name(params_.type)},
                      {"weights", params_.weights},
                      {"means", means},
                      {"covariances", covs}};
  if (!trace_.empty()) {
    j["log_likelihood_trace"] = trace_;
    j["mean_log_likelihood"] = trace_.back();
    j["converged"] = converged_;
    j["n_iter"] = n_iter_;
  }
  return j;
}

gaussian_mixture gaussian_mixture::from_json(const nlohmann::json& j) {
  try {
    gmm_params p;
    p.type = parse_covariance_type(j.at("covariance_type").get<std::string>());
    p.components = j.at("n_components").get<int>();
    p.dim = j.at("n_features").get<int>();
    MC_EXPECTS(p.components >= 1 && p.dim >= 1, "model: n_components and n_features must be at least 1");
    p.weights = j.at("weights").get<std::vector<double>>();
    for (const auto& row : j.at("means")) {
      const auto v = row.get<std::vector<double>>();
      p.means.insert(p.means.end(), v.begin(), v.end());
    }
    const auto& c = j.at("covariances");
    auto flatten = [&](const nlohmann::json& a, auto& self) -> void {
      if (a.is_array())
        for (const auto& e : a) self(e, self);
      else
        p.covariances.push_back(a.get<double>());
    };
    flatten(c, flatten);
    const int K = p.components, d = p.dim;
    MC_EXPECTS(p.weights.size() == std::size_t(K), "model: 'weights' must have n_components values");
    MC_EXPECTS(p.means.size() == std::size_t(K) * d, "model: 'means' must be n_components x n_features");
    MC_EXPECTS(p.covariances.size() == covariance_size(p.type, K, d),
               "model: 'covariances' has the wrong shape for its covariance_type");
    check_given_parameters(p.weights, p.means, p.covariances, p.type, K, d, "model");
    return gaussian_mixture(std::move(p));
  } catch (const nlohmann::json::exception& e) {
    throw input_error("model: not a manychains gmm.json (" + plain_reason(e) + ")");
  }
}

}  // namespace manychains
