#include "manychains/metric.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace manychains {
namespace {

/// sd = sqrt(variance) where the variance is positive and finite; else sd stays (the fallback).
void keep_if_usable(double variance, double& sd) {
  if (std::isfinite(variance) && variance > 0 && std::sqrt(variance) > 0) sd = std::sqrt(variance);
}

}  // namespace

template <class T>
Eigen::MatrixXd cross_chain_covariance(const std::vector<T>& positions, std::size_t dim) {
  const std::size_t n = dim ? positions.size() / dim : 0;
  if (n < 2) return Eigen::MatrixXd::Constant(dim, dim, std::numeric_limits<double>::quiet_NaN());
  Eigen::MatrixXd x(n, dim);
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) x(c, j) = static_cast<double>(positions[c * dim + j]);
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  // lazyProduct: a coefficient-wise product, whose sums run in chain order whatever the thread count
  // (Eigen's threaded GEMM blocks the inner dimension by thread count, and the draws would follow).
  return centred.transpose().lazyProduct(centred) / (static_cast<double>(n) - 1.0);
}

template Eigen::MatrixXd cross_chain_covariance<float>(const std::vector<float>&, std::size_t);
template Eigen::MatrixXd cross_chain_covariance<double>(const std::vector<double>&, std::size_t);

template <class T>
std::vector<double> cross_chain_sd(const std::vector<T>& positions, std::size_t dim, const std::vector<double>& fallback) {
  const std::size_t n = dim ? positions.size() / dim : 0;
  if (n < 2) return fallback;
  std::vector<double> mean(dim, 0.0), ss(dim, 0.0);
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) mean[j] += static_cast<double>(positions[c * dim + j]);
  for (double& m : mean) m /= static_cast<double>(n);
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) {
      const double e = static_cast<double>(positions[c * dim + j]) - mean[j];
      ss[j] += e * e;
    }
  std::vector<double> sd(fallback);
  for (std::size_t j = 0; j < dim; ++j) keep_if_usable(ss[j] / (static_cast<double>(n) - 1.0), sd[j]);
  return sd;
}

template std::vector<double> cross_chain_sd<float>(const std::vector<float>&, std::size_t, const std::vector<double>&);
template std::vector<double> cross_chain_sd<double>(const std::vector<double>&, std::size_t, const std::vector<double>&);

std::vector<double> metric_sd(const Eigen::MatrixXd& cov, const std::vector<double>& fallback) {
  std::vector<double> sd(fallback);
  for (std::size_t j = 0; j < sd.size(); ++j) keep_if_usable(cov(j, j), sd[j]);
  return sd;
}

Eigen::MatrixXd shrunk_toward_diagonal(const Eigen::MatrixXd& cov, std::size_t chains) {
  const double n = static_cast<double>(chains), keep = n / (n + 5.0);
  Eigen::MatrixXd out = keep * cov;
  out.diagonal() = cov.diagonal();
  return out;
}

std::vector<double> cholesky_rows(const Eigen::MatrixXd& cov) {
  if (!cov.allFinite()) return {};
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) return {};
  const Eigen::MatrixXd l = llt.matrixL();
  if (!l.allFinite() || (l.diagonal().array() <= 0).any()) return {};
  const std::size_t d = static_cast<std::size_t>(cov.rows());
  std::vector<double> out(d * d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = 0; j < d; ++j) out[i * d + j] = l(i, j);
  return out;
}

double whitened_condition_number(const Eigen::MatrixXd& cov, const std::vector<double>& sd,
                                 const std::vector<double>& chol) {
  const double inf = std::numeric_limits<double>::infinity();
  const Eigen::Index d = cov.rows();
  if (!cov.allFinite()) return inf;
  Eigen::MatrixXd white;
  if (chol.empty()) {
    const Eigen::VectorXd inv = Eigen::Map<const Eigen::VectorXd>(sd.data(), d).cwiseInverse();
    white = inv.asDiagonal() * cov * inv.asDiagonal();
  } else {
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> l(chol.data(), d, d);
    const auto tri = l.triangularView<Eigen::Lower>();
    const Eigen::MatrixXd half = tri.solve(cov);                       // L⁻¹ Σ
    white = tri.solve(half.transpose()).transpose();                   // L⁻¹ Σ L⁻ᵀ (Σ symmetric)
  }
  if (!white.allFinite()) return inf;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(0.5 * (white + white.transpose()), Eigen::EigenvaluesOnly);
  if (eig.info() != Eigen::Success) return inf;
  const double lo = eig.eigenvalues().minCoeff(), hi = eig.eigenvalues().maxCoeff();
  return lo > 0 ? hi / lo : inf;
}

metric_choice choose_metric(const Eigen::MatrixXd& next_cov, const std::vector<double>& previous_sd,
                            const std::vector<double>& previous_chol) {
  metric_choice c;
  c.condition_diag = whitened_condition_number(next_cov, previous_sd, {});
  c.condition_dense = previous_chol.empty() ? std::numeric_limits<double>::infinity()
                                            : whitened_condition_number(next_cov, previous_sd, previous_chol);
  c.dense = c.condition_diag > dense_gain * c.condition_dense;
  c.reason = fmt::format("{}: condition number of the chains' covariance whitened by the diagonal metric {:.3g}, "
                         "by the dense one {:.3g} (dense when more than {:g}x better)",
                         c.dense ? "dense" : "diag", c.condition_diag, c.condition_dense, dense_gain);
  return c;
}

}  // namespace manychains
