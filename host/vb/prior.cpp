// The Bayesian Gaussian mixture's priors: scikit-learn's defaults from the data, checks of given ones.
#include "manychains/vb/prior.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <cmath>

#include <fmt/format.h>

#include "manychains/em/params.hpp"
#include "manychains/error.hpp"

namespace manychains {

weight_prior_type parse_weight_prior_type(const std::string& name) {
  if (name == "dirichlet_distribution") return weight_prior_type::dirichlet_distribution;
  if (name == "dirichlet_process") return weight_prior_type::dirichlet_process;
  throw input_error("the weight prior type must be dirichlet_distribution or dirichlet_process, not '" + name + "'");
}

const char* weight_prior_type_name(weight_prior_type type) {
  return type == weight_prior_type::dirichlet_distribution ? "dirichlet_distribution" : "dirichlet_process";
}

std::size_t covariance_prior_size(covariance_type type, int d) {
  switch (type) {
    case covariance_type::full:
    case covariance_type::tied: return std::size_t(d) * d;
    case covariance_type::diag: return std::size_t(d);
    default: return 1;
  }
}

namespace {

using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void check_positive(std::optional<double> v, const char* what) {
  if (v)
    MC_EXPECTS(std::isfinite(*v) && *v > 0, fmt::format("the {} prior must be positive and finite, not {}", what, *v));
}

/// The data's covariance with ddof = 1 (numpy's np.cov(X.T)), d×d row-major.
std::vector<double> data_covariance(const double* x, std::size_t n, int d) {
  std::vector<double> mean(d, 0.0), cov(std::size_t(d) * d, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) mean[j] += x[i * d + j];
  for (int j = 0; j < d; ++j) mean[j] /= double(n);
  for (std::size_t i = 0; i < n; ++i)
    for (int a = 0; a < d; ++a)
      for (int b = a; b < d; ++b) cov[a * d + b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
  for (int a = 0; a < d; ++a)
    for (int b = a; b < d; ++b) cov[b * d + a] = cov[a * d + b] /= double(n - 1);
  return cov;
}

}  // namespace

vb_prior resolve_vb_prior(const vb_prior_options& given, covariance_type type, int K, const double* x, std::size_t n,
                          int d) {
  MC_EXPECTS(n >= 2, fmt::format("the Bayesian mixture needs at least 2 data points, not {}", n));
  check_positive(given.weight_concentration, "weight concentration");
  check_positive(given.mean_precision, "mean precision");
  vb_prior p;
  p.weight_type = given.weight_type;
  p.weight_concentration = given.weight_concentration.value_or(1.0 / K);
  p.mean_precision = given.mean_precision.value_or(1.0);
  if (given.degrees_of_freedom)
    MC_EXPECTS(std::isfinite(*given.degrees_of_freedom) && *given.degrees_of_freedom > d - 1.0,
               fmt::format("the degrees-of-freedom prior must be greater than d - 1 = {} (d = {} dimensions), not {}",
                           d - 1, d, *given.degrees_of_freedom));
  p.degrees_of_freedom = given.degrees_of_freedom.value_or(double(d));

  if (given.mean) {
    MC_EXPECTS(given.mean->size() == std::size_t(d),
               fmt::format("the mean prior has {} values, expected {} (one per dimension)", given.mean->size(), d));
    for (double v : *given.mean) MC_EXPECTS(std::isfinite(v), "the mean prior must be finite");
    p.mean = *given.mean;
  } else {
    p.mean.assign(d, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (int j = 0; j < d; ++j) p.mean[j] += x[i * d + j];
    for (int j = 0; j < d; ++j) p.mean[j] /= double(n);
  }

  const std::size_t want = covariance_prior_size(type, d);
  if (given.covariance) {
    const auto& c = *given.covariance;
    MC_EXPECTS(c.size() == want, fmt::format("the covariance prior has {} values, expected {} for covariance type {}",
                                             c.size(), want, covariance_type_name(type)));
    for (double v : c) MC_EXPECTS(std::isfinite(v), "the covariance prior must be finite");
    if (type == covariance_type::full || type == covariance_type::tied) {
      const Eigen::Map<const matrix> m(c.data(), d, d);
      MC_EXPECTS((m - m.transpose()).cwiseAbs().maxCoeff() <= 1e-8 * m.cwiseAbs().maxCoeff(),
                 "the covariance prior is not symmetric");
      MC_EXPECTS(Eigen::LLT<matrix>(m).info() == Eigen::Success, "the covariance prior is not positive definite");
    } else {
      for (double v : c) MC_EXPECTS(v > 0, fmt::format("the covariance prior must be positive, not {}", v));
    }
    p.covariance = c;
  } else {
    const std::vector<double> cov = data_covariance(x, n, d);
    switch (type) {
      case covariance_type::full:
      case covariance_type::tied: p.covariance = cov; break;
      case covariance_type::diag:
        for (int j = 0; j < d; ++j) p.covariance.push_back(cov[j * d + j]);
        break;
      case covariance_type::spherical: {
        double s = 0;
        for (int j = 0; j < d; ++j) s += cov[j * d + j];
        p.covariance = {s / d};
        break;
      }
    }
  }
  return p;
}

}  // namespace manychains
