#include "manychains/targets.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "manychains/checked.hpp"
#include "manychains/error.hpp"
#include "manychains/resources.hpp"
#include "manychains/io/csv.hpp"
#include "manychains/io/npy.hpp"
#include "logistic_data.hpp"
#include "target_spec.hpp"

namespace manychains {
namespace {

constexpr double euler_gamma = 0.57721566490153286;

std::vector<std::string> indexed_names(std::size_t dim) {
  std::vector<std::string> names;
  for (std::size_t j = 0; j < dim; ++j) names.push_back("x[" + std::to_string(j) + "]");
  return names;
}

/// A key given as one number or as `dim` numbers separated by ';'.
std::vector<double> per_dimension(const target_spec& spec, const std::string& key, std::size_t dim,
                                  double fallback) {
  if (!spec.has(key)) return std::vector<double>(dim, fallback);
  const auto v = spec.vectors(key);
  if (v.size() != 1 || (v[0].size() != 1 && v[0].size() != dim))
    throw input_error("target '" + spec.name() + "': " + key + " needs 1 or " + std::to_string(dim) +
                      " values separated by ';'");
  return v[0].size() == 1 ? std::vector<double>(dim, v[0][0]) : v[0];
}

/// Bytes a target keeps per parameter (its name and a handful of per-dimension numbers).
constexpr std::size_t target_bytes_per_parameter = 128;

target_info basic_info(const target_spec& spec, std::size_t dim, double radius) {
  // Refuse a dimension whose per-parameter tables alone cannot fit, before building them.
  require_memory(fmt::format("target '{}' with {} parameters", spec.name(), dim),
                 saturating_mul(dim, target_bytes_per_parameter), "use a smaller dim");
  target_info info;
  info.spec = spec.text();
  info.dim = dim;
  info.parameter_names = indexed_names(dim);
  info.init_center.assign(dim, 0.0);
  info.init_radius.assign(dim, radius);
  return info;
}

gaussian_target make_gaussian(const target_spec& spec) {
  spec.allow_only({"dim", "mean", "scale", "rho", "cov"});
  gaussian_target t;
  std::size_t dim = spec.count_or("dim", 2);
  Eigen::MatrixXd cov;
  if (spec.has("cov")) {
    const npy_array a = read_npy(spec.string_or("cov", ""));
    if (a.shape.size() != 2 || a.shape[0] != a.shape[1])
      throw input_error("target 'gaussian': cov must be a square 2-D .npy array");
    if (spec.has("dim") && dim != a.shape[0])
      throw input_error("target 'gaussian': dim=" + std::to_string(dim) + " but cov is " +
                        std::to_string(a.shape[0]) + "x" + std::to_string(a.shape[0]));
    if (spec.has("rho") || spec.has("scale"))
      throw input_error("target 'gaussian': give either cov or scale/rho, not both");
    dim = a.shape[0];
    cov = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        a.values.data(), dim, dim);
    if (!cov.allFinite()) throw input_error("target 'gaussian': cov has non-finite entries");
    if ((cov - cov.transpose()).cwiseAbs().maxCoeff() > 1e-10 * cov.cwiseAbs().maxCoeff())
      throw input_error("target 'gaussian': cov is not symmetric");
  }
  t.info = basic_info(spec, dim, 2.0);
  const auto mean = per_dimension(spec, "mean", dim, 0.0);
  auto scale = per_dimension(spec, "scale", dim, 1.0);
  for (double s : scale)
    if (s <= 0) throw input_error("target 'gaussian': scale must be positive");
  t.rho = spec.number_or("rho", 0.0);
  if (dim > 1 && !(t.rho > -1.0 / double(dim - 1) && t.rho < 1.0))
    throw input_error("target 'gaussian': rho must lie in (-1/(dim-1), 1) for a valid covariance");
  if (dim == 1 && t.rho != 0) throw input_error("target 'gaussian': rho needs dim >= 2");
  t.params = mean;
  t.info.true_mean = mean;
  Eigen::MatrixXd precision;
  if (cov.size() > 0) {
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    if (llt.info() != Eigen::Success)
      throw input_error("target 'gaussian': cov is not positive definite (Cholesky failed)");
    t.full_precision = true;
    precision = llt.solve(Eigen::MatrixXd::Identity(dim, dim));
    for (std::size_t j = 0; j < dim; ++j) scale[j] = std::sqrt(cov(j, j));
  }
  for (double s : scale) t.params.push_back(1.0 / s);
  if (cov.size() > 0)
    for (std::size_t i = 0; i < dim; ++i)
      for (std::size_t j = 0; j < dim; ++j) t.params.push_back(precision(i, j));
  t.info.true_sd = scale;
  t.info.gaussian_marginals = true;
  t.info.init_center = mean;
  for (std::size_t j = 0; j < dim; ++j) t.info.init_radius[j] = 2.0 * scale[j];
  return t;
}

mixture_target make_mixture(const target_spec& spec) {
  spec.allow_only({"dim", "weights", "means", "scales"});
  mixture_target t;
  const std::size_t dim = spec.count_or("dim", 2);
  std::vector<std::vector<double>> means =
      spec.has("means") ? spec.vectors("means") : std::vector<std::vector<double>>{{-3.0}, {3.0}};
  const std::size_t k = means.size();
  auto per_component = [&](const std::string& key, double fallback) {
    if (!spec.has(key)) return std::vector<double>(k, fallback);
    std::vector<double> v;
    for (const auto& item : spec.vectors(key)) {
      if (item.size() != 1) throw input_error("target 'mixture': " + key + " takes one number per component");
      v.push_back(item[0]);
    }
    if (v.size() != k)
      throw input_error("target 'mixture': " + key + " has " + std::to_string(v.size()) +
                        " components but means has " + std::to_string(k));
    return v;
  };
  std::vector<double> weights = per_component("weights", 1.0);
  const std::vector<double> scales = per_component("scales", 1.0);
  double total = 0;
  for (double w : weights) {
    if (!(w > 0)) throw input_error("target 'mixture': weights must be positive");
    total += w;
  }
  for (double s : scales)
    if (!(s > 0)) throw input_error("target 'mixture': scales must be positive");
  t.info = basic_info(spec, dim, 2.0);
  t.components = k;
  std::vector<double> true_mean(dim, 0.0), second(dim, 0.0);
  double extent = 0;
  for (std::size_t c = 0; c < k; ++c) {
    weights[c] /= total;
    if (means[c].size() == 1) means[c].assign(dim, means[c][0]);
    if (means[c].size() != dim)
      throw input_error("target 'mixture': each mean needs 1 or " + std::to_string(dim) + " coordinates");
    t.params.push_back(std::log(weights[c]));
  }
  t.params.insert(t.params.end(), scales.begin(), scales.end());
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < dim; ++j) {
      t.params.push_back(means[c][j]);
      true_mean[j] += weights[c] * means[c][j];
      second[j] += weights[c] * (scales[c] * scales[c] + means[c][j] * means[c][j]);
      extent = std::max(extent, std::abs(means[c][j]) + 2 * scales[c]);
    }
  }
  std::vector<double> sd(dim);
  for (std::size_t j = 0; j < dim; ++j) sd[j] = std::sqrt(second[j] - true_mean[j] * true_mean[j]);
  t.info.true_mean = true_mean;
  t.info.true_sd = sd;
  t.info.init_radius.assign(dim, extent);  // a spread start that covers every mode
  return t;
}

funnel_target make_funnel(const target_spec& spec) {
  spec.allow_only({"dim"});
  funnel_target t;
  const std::size_t dim = spec.count_or("dim", 10);
  if (dim < 2) throw input_error("target 'funnel': dim must be at least 2");
  t.info = basic_info(spec, dim, 2.0);
  t.info.parameter_names[0] = "v";
  for (std::size_t j = 1; j < dim; ++j) t.info.parameter_names[j] = "x[" + std::to_string(j - 1) + "]";
  std::vector<double> sd(dim, std::sqrt(std::exp(4.5)));  // Var x_i = E e^v = e^{9/2}
  sd[0] = 3.0;
  t.info.true_mean = std::vector<double>(dim, 0.0);
  t.info.true_sd = sd;
  return t;
}

rosenbrock_target make_rosenbrock(const target_spec& spec) {
  spec.allow_only({"dim", "a", "b"});
  rosenbrock_target t;
  const std::size_t dim = spec.count_or("dim", 2);
  if (dim < 2) throw input_error("target 'rosenbrock': dim must be at least 2");
  t.a = spec.number_or("a", 100.0);
  t.b = spec.number_or("b", 20.0);
  if (!(t.a > 0 && t.b > 0)) throw input_error("target 'rosenbrock': a and b must be positive");
  t.info = basic_info(spec, dim, 2.0);
  return t;
}

oring_target make_oring(const target_spec& spec) {
  spec.allow_only({"logb"});
  oring_target t;
  std::vector<double> temp, fail;
  for (const auto& launch : challenger_launches()) {
    temp.push_back(launch.temperature);
    fail.push_back(launch.incident);
  }
  const std::vector<double> mle = logistic_mle(temp, fail);
  const double log_b = spec.number_or("logb", mle[0] + euler_gamma);
  t.launches = temp.size();
  t.params.push_back(log_b);
  t.params.insert(t.params.end(), temp.begin(), temp.end());
  t.params.insert(t.params.end(), fail.begin(), fail.end());
  t.info = basic_info(spec, 2, 0.0);
  t.info.parameter_names = {"alpha", "beta"};
  // Start around the posterior mode, spread over ±2 Laplace standard deviations. The prior
  // on α has a doubly exponential right tail, so starts far above the mode have gradients of
  // order e^(α - log b) that no Langevin step survives: the start region must be the bulk.
  Eigen::Vector2d mode(mle[0], mle[1]);
  Eigen::Matrix2d neg_hessian;
  for (int iter = 0; iter < 100; ++iter) {
    Eigen::Vector2d grad(1.0 - std::exp(mode[0] - log_b), 0.0);
    neg_hessian << std::exp(mode[0] - log_b), 0.0, 0.0, 0.0;
    for (std::size_t i = 0; i < temp.size(); ++i) {
      const double p = 1.0 / (1.0 + std::exp(-(mode[0] + mode[1] * temp[i])));
      const Eigen::Vector2d x(1.0, temp[i]);
      grad += (fail[i] - p) * x;
      neg_hessian += p * (1 - p) * x * x.transpose();
    }
    const Eigen::Vector2d delta = neg_hessian.ldlt().solve(grad);
    mode += delta;
    if (delta.norm() < 1e-12 * (1 + mode.norm())) break;
  }
  const Eigen::Matrix2d cov = neg_hessian.inverse();
  t.info.init_center = {mode[0], mode[1]};
  t.info.init_radius = {2 * std::sqrt(cov(0, 0)), 2 * std::sqrt(cov(1, 1))};
  return t;
}

logistic_target make_logistic(const target_spec& spec) {
  spec.allow_only({"data", "prior_scale", "intercept"});
  if (!spec.has("data")) throw input_error("target 'logistic' needs data=FILE.csv (predictors, then the 0/1 response)");
  const numeric_table table = read_table(spec.string_or("data", ""));
  if (table.cols >= 2)  // refuse a dimension whose tables cannot fit before building them
    basic_info(spec, table.cols, 2.0);
  return make_logistic_target(table, spec.number_or("prior_scale", 2.5), spec.string_or("intercept", "auto"),
                              spec.text(), spec.string_or("data", ""));
}

}  // namespace

const std::vector<challenger_launch>& challenger_launches() {
  static const std::vector<challenger_launch> launches = {
      {66, 0}, {70, 1}, {69, 0}, {68, 0}, {67, 0}, {72, 0}, {73, 0}, {70, 0},
      {57, 1}, {63, 1}, {70, 1}, {78, 0}, {67, 0}, {53, 1}, {67, 0}, {75, 0},
      {70, 0}, {81, 0}, {76, 0}, {79, 0}, {75, 1}, {76, 0}, {58, 1}};
  return launches;
}

std::vector<double> logistic_mle(const std::vector<double>& t, const std::vector<double>& y) {
  Eigen::Vector2d theta(0.0, 0.0);
  for (int iter = 0; iter < 100; ++iter) {
    Eigen::Vector2d grad = Eigen::Vector2d::Zero();
    Eigen::Matrix2d hess = Eigen::Matrix2d::Zero();
    for (std::size_t i = 0; i < t.size(); ++i) {
      const double p = 1.0 / (1.0 + std::exp(-(theta[0] + theta[1] * t[i])));
      const Eigen::Vector2d x(1.0, t[i]);
      grad += (y[i] - p) * x;
      hess += p * (1 - p) * x * x.transpose();
    }
    const Eigen::Vector2d delta = hess.ldlt().solve(grad);
    theta += delta;
    if (delta.norm() < 1e-12 * (1 + theta.norm())) break;
  }
  return {theta[0], theta[1]};
}

any_target make_target(const std::string& spec_text) {
  const target_spec spec(spec_text);
  const std::string& name = spec.name();
  if (name == "gaussian") return make_gaussian(spec);
  if (name == "mixture") return make_mixture(spec);
  if (name == "funnel") return make_funnel(spec);
  if (name == "rosenbrock") return make_rosenbrock(spec);
  if (name == "oring") return make_oring(spec);
  if (name == "logistic") return make_logistic(spec);
  throw input_error("unknown target '" + name.substr(0, 40) +
                    "'; valid targets: gaussian, mixture, funnel, rosenbrock, oring, logistic (their keys: "
                    "manychains sample --help)");
}

std::string target_help() {
  return "  gaussian[:dim=2,mean=M,scale=S,rho=R | cov=FILE.npy]  (M, S: one number or d numbers 'a;b;…')\n"
         "  mixture[:dim=2,means=-3/3,weights=1/1,scales=1/1]     (components separated by '/')\n"
         "  funnel[:dim=10]                                       (Neal's funnel)\n"
         "  rosenbrock[:dim=2,a=100,b=20]                         (banana)\n"
         "  oring[:logb=L]                                        (Challenger O-ring, Dalal et al. 1989)\n"
         "  logistic:data=FILE.csv[,prior_scale=2.5,intercept=auto|1|0]";
}

}  // namespace manychains
