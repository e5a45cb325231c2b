// Host side of the M-step: weights, means and covariances from the sums; precision Cholesky (Eigen).
#include "manychains/em/params.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "manychains/error.hpp"

namespace manychains {

covariance_type parse_covariance_type(const std::string& name) {
  if (name == "full") return covariance_type::full;
  if (name == "diag") return covariance_type::diag;
  if (name == "spherical") return covariance_type::spherical;
  if (name == "tied") return covariance_type::tied;
  throw input_error("covariance type must be full, diag, spherical or tied, not '" + name + "'");
}

const char* covariance_type_name(covariance_type type) {
  switch (type) {
    case covariance_type::full: return "full";
    case covariance_type::diag: return "diag";
    case covariance_type::spherical: return "spherical";
    default: return "tied";
  }
}

std::size_t covariance_size(covariance_type type, int K, int d) {
  switch (type) {
    case covariance_type::full: return std::size_t(K) * d * d;
    case covariance_type::tied: return std::size_t(d) * d;
    case covariance_type::diag: return std::size_t(K) * d;
    default: return std::size_t(K);
  }
}

double free_parameters(const gmm_params& p) {
  const double K = p.components, d = p.dim;
  double cov = 0;
  switch (p.type) {
    case covariance_type::full: cov = K * d * (d + 1) / 2; break;
    case covariance_type::tied: cov = d * (d + 1) / 2; break;
    case covariance_type::diag: cov = K * d; break;
    default: cov = K; break;
  }
  return cov + K * d + K - 1;
}

namespace {

using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

[[noreturn]] void singular(const std::string& when, int k, const gmm_params& p) {
  const std::string which = p.type == covariance_type::tied ? std::string("the tied covariance")
                                                            : fmt::format("the covariance of component {}", k);
  throw input_error(fmt::format(
      "{}: {} is singular (not positive definite); use --reg-covar > 0 (e.g. 1e-6), fewer components, "
      "or check the data for duplicated points or constant columns",
      when, which));
}

/// U = L⁻ᵀ for Σ = L Lᵀ, written upper triangular into `out` (d×d row-major); returns log det U.
double factor(const double* cov, int d, double* out, bool* ok) {
  Eigen::Map<const matrix> sigma(cov, d, d);
  Eigen::LLT<matrix> llt(sigma);
  *ok = llt.info() == Eigen::Success;
  if (!*ok) return 0;
  const matrix lower = llt.matrixL();
  for (int i = 0; i < d; ++i)
    if (!(lower(i, i) > 0) || !std::isfinite(lower(i, i))) {
      *ok = false;
      return 0;
    }
  matrix inv = matrix::Identity(d, d);
  lower.triangularView<Eigen::Lower>().solveInPlace(inv);  // L⁻¹, lower triangular
  Eigen::Map<matrix> u(out, d, d);
  u = inv.transpose();
  double log_det = 0;
  for (int i = 0; i < d; ++i) log_det += std::log(u(i, i));
  *ok = std::isfinite(log_det) && u.allFinite();
  return log_det;
}

/// A variance this small is zero up to rounding: a component on one point has its mean off that
/// point by ~10·eps·|μ| (scikit-learn's 10·eps added to N_k), and so a "variance" of that square.
double zero_variance(const gmm_params& p, int k, int i) {
  if (p.means.size() != std::size_t(p.components) * p.dim) return 0;
  const double r = 64 * std::numeric_limits<double>::epsilon() * p.means[std::size_t(k) * p.dim + i];
  return r * r;
}

}  // namespace

void check_given_parameters(const std::vector<double>& weights, const std::vector<double>& means,
                            const std::vector<double>& covariances, covariance_type type, int K, int d,
                            const std::string& what) {
  if (!weights.empty()) {
    double sum = 0;
    for (double w : weights) {
      MC_EXPECTS(w >= 0 && std::isfinite(w), what + ": the weights must be finite and non-negative");
      sum += w;
    }
    MC_EXPECTS(std::abs(sum - 1) < 1e-6, fmt::format("{}: the weights sum to {:.17g}, not 1", what, sum));
  }
  for (double m : means) MC_EXPECTS(std::isfinite(m), what + ": the means must be finite");
  for (double c : covariances) MC_EXPECTS(std::isfinite(c), what + ": the covariances must be finite");
  if (covariances.empty() || (type != covariance_type::full && type != covariance_type::tied)) return;
  const int matrices = type == covariance_type::full ? K : 1;
  if (covariances.size() != std::size_t(matrices) * d * d) return;  // the shape is checked elsewhere
  for (int k = 0; k < matrices; ++k) {
    const double* c = covariances.data() + std::size_t(k) * d * d;
    double largest = 0;
    for (int i = 0; i < d * d; ++i) largest = std::max(largest, std::abs(c[i]));
    for (int i = 0; i < d; ++i)
      for (int j = i + 1; j < d; ++j)
        if (std::abs(c[i * d + j] - c[j * d + i]) > 1e-8 * largest)
          throw input_error(fmt::format(
              "{}: {} is not symmetric (entry [{}][{}] = {:.6g} but [{}][{}] = {:.6g})", what,
              type == covariance_type::tied ? std::string("the tied covariance")
                                            : fmt::format("the covariance of component {}", k),
              i, j, c[i * d + j], j, i, c[j * d + i]));
  }
}

void compute_precision_cholesky(gmm_params& p, const std::string& when) {
  const int K = p.components, d = p.dim;
  p.precisions_cholesky.assign(covariance_size(p.type, K, d), 0.0);
  p.log_det.assign(K, 0.0);
  bool ok = true;
  switch (p.type) {
    case covariance_type::full:
      for (int k = 0; k < K; ++k) {
        p.log_det[k] = factor(&p.covariances[std::size_t(k) * d * d], d, &p.precisions_cholesky[std::size_t(k) * d * d], &ok);
        if (!ok) singular(when, k, p);
      }
      break;
    case covariance_type::tied: {
      const double ld = factor(p.covariances.data(), d, p.precisions_cholesky.data(), &ok);
      if (!ok) singular(when, 0, p);
      p.log_det.assign(K, ld);
      break;
    }
    case covariance_type::diag:
      for (int k = 0; k < K; ++k)
        for (int i = 0; i < d; ++i) {
          const double var = p.covariances[std::size_t(k) * d + i];
          if (!(var > zero_variance(p, k, i)) || !std::isfinite(var)) singular(when, k, p);
          p.precisions_cholesky[std::size_t(k) * d + i] = 1 / std::sqrt(var);
          p.log_det[k] += std::log(p.precisions_cholesky[std::size_t(k) * d + i]);
        }
      break;
    case covariance_type::spherical:
      for (int k = 0; k < K; ++k) {
        const double var = p.covariances[k];
        double zero = 0;
        for (int i = 0; i < d; ++i) zero += zero_variance(p, k, i) / d;
        if (!(var > zero) || !std::isfinite(var)) singular(when, k, p);
        p.precisions_cholesky[k] = 1 / std::sqrt(var);
        p.log_det[k] = d * std::log(p.precisions_cholesky[k]);
      }
      break;
  }
  for (int k = 0; k < K; ++k)
    if (!std::isfinite(p.log_det[k])) singular(when, k, p);
}

void m_step_weights_means(gmm_params& p, std::size_t n, const std::vector<double>& nk_in,
                          const std::vector<double>& sx) {
  const int K = p.components, d = p.dim;
  const double tiny = 10 * std::numeric_limits<double>::epsilon();
  double total = 0;
  for (int k = 0; k < K; ++k) total += nk_in[k] + tiny;
  (void)n;
  p.weights.assign(K, 0.0);
  p.means.assign(std::size_t(K) * d, 0.0);
  for (int k = 0; k < K; ++k) {
    const double nk = nk_in[k] + tiny;
    p.weights[k] = nk / total;
    for (int i = 0; i < d; ++i) p.means[std::size_t(k) * d + i] = sx[std::size_t(k) * d + i] / nk;
  }
}

void m_step_covariances(gmm_params& p, std::size_t n, const std::vector<double>& nk_in,
                        const std::vector<double>& scatter, double reg_covar, const std::string& when) {
  (void)n;
  const int K = p.components, d = p.dim;
  const double tiny = 10 * std::numeric_limits<double>::epsilon();
  p.covariances.assign(covariance_size(p.type, K, d), 0.0);
  auto symmetric = [&](const double* s, double scale, double* out) {
    for (int i = 0; i < d; ++i)
      for (int j = i; j < d; ++j) out[i * d + j] = out[j * d + i] = s[i * d + j] * scale;
    for (int i = 0; i < d; ++i) out[i * d + i] += reg_covar;
  };
  switch (p.type) {
    case covariance_type::full:
      for (int k = 0; k < K; ++k)
        symmetric(&scatter[std::size_t(k) * d * d], 1 / (nk_in[k] + tiny), &p.covariances[std::size_t(k) * d * d]);
      break;
    case covariance_type::tied: {
      double total = 0;
      for (int k = 0; k < K; ++k) total += nk_in[k] + tiny;
      symmetric(scatter.data(), 1 / total, p.covariances.data());
      break;
    }
    case covariance_type::diag:
      for (int k = 0; k < K; ++k)
        for (int i = 0; i < d; ++i)
          p.covariances[std::size_t(k) * d + i] = scatter[std::size_t(k) * d + i] / (nk_in[k] + tiny) + reg_covar;
      break;
    case covariance_type::spherical:
      for (int k = 0; k < K; ++k) {
        double s = 0;
        for (int i = 0; i < d; ++i) s += scatter[std::size_t(k) * d + i] / (nk_in[k] + tiny) + reg_covar;
        p.covariances[k] = s / d;
      }
      break;
  }
  compute_precision_cholesky(p, when);
}

template <class T>
gmm_arrays<T>::gmm_arrays(const gmm_params& p) : components(p.components), dim(p.dim), type(p.type) {
  for (double w : p.weights) log_weights.push_back(T(std::log(w)));
  means.assign(p.means.begin(), p.means.end());
  prec_chol.assign(p.precisions_cholesky.begin(), p.precisions_cholesky.end());
  log_det.assign(p.log_det.begin(), p.log_det.end());
}

template struct gmm_arrays<float>;
template struct gmm_arrays<double>;

}  // namespace manychains
