// CAVI for the Bayesian Gaussian mixture on the host: the M-step, the E-step's per-component
// offsets and scikit-learn's lower bound (sklearn/mixture/_bayesian_mixture.py, the same formulas).
#include "manychains/vb/cavi.hpp"

#include <cmath>
#include <limits>

#include "manychains/ad/scalar_math.hpp"

namespace manychains {
namespace {

constexpr double log_2 = 0.69314718055994530941723212145818;

double digamma(double x) { return ad::digamma(x); }

/// Σ_{j<d} ψ((ν - j)/2).
double digamma_sum(double nu, int d) {
  double s = 0;
  for (int j = 0; j < d; ++j) s += digamma(0.5 * (nu - j));
  return s;
}

}  // namespace

vb_statistics vb_first_moments(const std::vector<double>& r_sum, const std::vector<double>& rx_sum, int d) {
  const int K = int(r_sum.size());
  const double tiny = 10 * std::numeric_limits<double>::epsilon();
  vb_statistics s;
  s.nk.resize(K);
  s.xk.resize(std::size_t(K) * d);
  for (int k = 0; k < K; ++k) {
    s.nk[k] = r_sum[k] + tiny;
    for (int j = 0; j < d; ++j) s.xk[std::size_t(k) * d + j] = rx_sum[std::size_t(k) * d + j] / s.nk[k];
  }
  return s;
}

void vb_covariances_from_scatter(vb_statistics& s, covariance_type type, int d, const std::vector<double>& scatter,
                                 double reg_covar) {
  const int K = int(s.nk.size());
  s.sk.assign(covariance_size(type, K, d), 0.0);
  // The scatter holds (at least) the upper triangle of full and tied matrices.
  auto symmetric = [&](const double* in, double scale, double* out) {
    for (int i = 0; i < d; ++i)
      for (int j = i; j < d; ++j) out[i * d + j] = out[j * d + i] = in[i * d + j] * scale;
    for (int i = 0; i < d; ++i) out[i * d + i] += reg_covar;
  };
  switch (type) {
    case covariance_type::full:
      for (int k = 0; k < K; ++k)
        symmetric(&scatter[std::size_t(k) * d * d], 1 / s.nk[k], &s.sk[std::size_t(k) * d * d]);
      break;
    case covariance_type::tied: {
      double total = 0;
      for (double v : s.nk) total += v;
      symmetric(scatter.data(), 1 / total, s.sk.data());
      break;
    }
    case covariance_type::diag:
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < d; ++j)
          s.sk[std::size_t(k) * d + j] = scatter[std::size_t(k) * d + j] / s.nk[k] + reg_covar;
      break;
    case covariance_type::spherical:
      for (int k = 0; k < K; ++k) {
        double v = 0;
        for (int j = 0; j < d; ++j) v += scatter[std::size_t(k) * d + j] / s.nk[k] + reg_covar;
        s.sk[k] = v / d;
      }
      break;
  }
}

void vb_m_step(const vb_prior& prior, const vb_statistics& s, vb_params& q, const std::string& when) {
  const int K = int(s.nk.size()), d = int(prior.mean.size());
  const covariance_type type = q.gaussian.type;
  const double b0 = prior.mean_precision, nu0 = prior.degrees_of_freedom;
  const std::vector<double>& nk = s.nk;
  q.weight_type = prior.weight_type;
  q.gaussian.components = K;
  q.gaussian.dim = d;

  // Weights: Dirichlet(α₀ + N_k), or the sticks' Beta(1 + N_k, α₀ + Σ_{j>k} N_j).
  q.weight_concentration.resize(K);
  if (prior.weight_type == weight_prior_type::dirichlet_distribution) {
    q.weight_concentration_b.clear();
    for (int k = 0; k < K; ++k) q.weight_concentration[k] = prior.weight_concentration + nk[k];
  } else {
    q.weight_concentration_b.resize(K);
    double tail = 0;  // Σ_{j>k} N_j, summed from the last component as numpy's reversed cumsum
    for (int k = K - 1; k >= 0; --k) {
      q.weight_concentration[k] = 1 + nk[k];
      q.weight_concentration_b[k] = prior.weight_concentration + tail;
      tail += nk[k];
    }
  }

  // Means: β_k = β₀ + N_k, m_k = (β₀ m₀ + N_k x̄_k) / β_k.
  q.mean_precision.resize(K);
  q.gaussian.means.resize(std::size_t(K) * d);
  for (int k = 0; k < K; ++k) {
    q.mean_precision[k] = b0 + nk[k];
    for (int j = 0; j < d; ++j)
      q.gaussian.means[std::size_t(k) * d + j] =
          (b0 * prior.mean[j] + nk[k] * s.xk[std::size_t(k) * d + j]) / q.mean_precision[k];
  }

  // Wishart factors, normalised by ν_k: covariances = (Ψ₀ + N_k S_k + N_k β₀/β_k (x̄_k - m₀)(x̄_k - m₀)ᵀ) / ν_k.
  auto diff = [&](int k, int j) { return s.xk[std::size_t(k) * d + j] - prior.mean[j]; };
  auto& cov = q.gaussian.covariances;
  cov.assign(covariance_size(type, K, d), 0.0);
  q.degrees_of_freedom.assign(K, 0.0);
  switch (type) {
    case covariance_type::full:
      for (int k = 0; k < K; ++k) {
        q.degrees_of_freedom[k] = nu0 + nk[k];
        const double c = nk[k] * b0 / q.mean_precision[k];
        double* out = &cov[std::size_t(k) * d * d];
        const double* sk = &s.sk[std::size_t(k) * d * d];
        for (int i = 0; i < d; ++i)
          for (int j = 0; j < d; ++j)
            out[i * d + j] = (prior.covariance[i * d + j] + nk[k] * sk[i * d + j] + c * diff(k, i) * diff(k, j)) /
                             q.degrees_of_freedom[k];
      }
      break;
    case covariance_type::tied: {
      double total = 0;
      for (double v : nk) total += v;
      const double nu = nu0 + total / K;
      q.degrees_of_freedom.assign(K, nu);
      for (int i = 0; i < d; ++i)
        for (int j = 0; j < d; ++j) {
          double between = 0;
          for (int k = 0; k < K; ++k) between += nk[k] / q.mean_precision[k] * diff(k, i) * diff(k, j);
          cov[i * d + j] =
              (prior.covariance[i * d + j] + s.sk[i * d + j] * total / K + b0 / K * between) / nu;
        }
      break;
    }
    case covariance_type::diag:
      for (int k = 0; k < K; ++k) {
        q.degrees_of_freedom[k] = nu0 + nk[k];
        for (int j = 0; j < d; ++j) {
          const double t = diff(k, j);
          cov[std::size_t(k) * d + j] =
              (prior.covariance[j] + nk[k] * (s.sk[std::size_t(k) * d + j] + b0 / q.mean_precision[k] * t * t)) /
              q.degrees_of_freedom[k];
        }
      }
      break;
    case covariance_type::spherical:
      for (int k = 0; k < K; ++k) {
        q.degrees_of_freedom[k] = nu0 + nk[k];
        double sq = 0;
        for (int j = 0; j < d; ++j) sq += diff(k, j) * diff(k, j);
        cov[k] = (prior.covariance[0] + nk[k] * (s.sk[k] + b0 / q.mean_precision[k] * (sq / d))) /
                 q.degrees_of_freedom[k];
      }
      break;
  }
  q.gaussian.weights = vb_mean_weights(q);
  compute_precision_cholesky(q.gaussian, when);
}

std::vector<double> vb_expected_log_weights(const vb_params& q) {
  const int K = int(q.weight_concentration.size());
  std::vector<double> out(K);
  if (q.weight_type == weight_prior_type::dirichlet_distribution) {
    double total = 0;
    for (double a : q.weight_concentration) total += a;
    const double psi_total = digamma(total);
    for (int k = 0; k < K; ++k) out[k] = digamma(q.weight_concentration[k]) - psi_total;
  } else {
    double broken = 0;  // Σ_{j<k} E[log(1 - v_j)]
    for (int k = 0; k < K; ++k) {
      const double a = q.weight_concentration[k], b = q.weight_concentration_b[k], psi_sum = digamma(a + b);
      out[k] = digamma(a) - psi_sum + broken;
      broken += digamma(b) - psi_sum;
    }
  }
  return out;
}

std::vector<double> vb_mean_weights(const vb_params& q) {
  const int K = int(q.weight_concentration.size());
  std::vector<double> w(K);
  double total = 0;
  if (q.weight_type == weight_prior_type::dirichlet_distribution) {
    for (int k = 0; k < K; ++k) total += w[k] = q.weight_concentration[k];
  } else {
    double left = 1;  // Π_{j<k} E[1 - v_j]
    for (int k = 0; k < K; ++k) {
      const double a = q.weight_concentration[k], b = q.weight_concentration_b[k];
      total += w[k] = a / (a + b) * left;
      left *= b / (a + b);
    }
  }
  for (double& v : w) v /= total;
  return w;
}

std::vector<double> vb_log_density_offsets(const vb_params& q) {
  const int K = q.gaussian.components, d = q.gaussian.dim;
  std::vector<double> out = vb_expected_log_weights(q);
  for (int k = 0; k < K; ++k) {
    const double nu = q.degrees_of_freedom[k];
    const double log_lambda = d * log_2 + digamma_sum(nu, d);
    out[k] += -0.5 * d * std::log(nu) + 0.5 * (log_lambda - d / q.mean_precision[k]);
  }
  return out;
}

template <class T>
gmm_arrays<T> vb_e_step_arrays(const vb_params& q) {
  gmm_params g = q.gaussian;
  g.weights.assign(g.components, 1.0);  // log weights replaced below
  gmm_arrays<T> a(g);
  const std::vector<double> offsets = vb_log_density_offsets(q);
  for (int k = 0; k < g.components; ++k) a.log_weights[k] = T(offsets[k]);
  return a;
}

template gmm_arrays<float> vb_e_step_arrays<float>(const vb_params&);
template gmm_arrays<double> vb_e_step_arrays<double>(const vb_params&);

double vb_lower_bound(const vb_params& q, double sum_r_log_r) {
  const int K = q.gaussian.components, d = q.gaussian.dim;
  double log_wishart = 0, log_beta = 0;
  for (int k = 0; k < K; ++k) {
    const double nu = q.degrees_of_freedom[k];
    const double log_det = q.gaussian.log_det[k] - 0.5 * d * std::log(nu);
    double lg = 0;
    for (int j = 0; j < d; ++j) lg += std::lgamma(0.5 * (nu - j));
    log_wishart += -(nu * log_det + nu * d * 0.5 * log_2 + lg);
    log_beta += std::log(q.mean_precision[k]);
  }
  double log_norm_weight = 0;
  if (q.weight_type == weight_prior_type::dirichlet_distribution) {
    double total = 0;
    for (double a : q.weight_concentration) {
      total += a;
      log_norm_weight -= std::lgamma(a);
    }
    log_norm_weight += std::lgamma(total);
  } else {
    for (int k = 0; k < K; ++k) {
      const double a = q.weight_concentration[k], b = q.weight_concentration_b[k];
      log_norm_weight -= std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);  // -log B(a, b)
    }
  }
  return -sum_r_log_r - log_wishart - log_norm_weight - 0.5 * d * log_beta;
}

}  // namespace manychains
