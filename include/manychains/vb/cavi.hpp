/// \file cavi.hpp
/// Coordinate-ascent mean-field VI for the Bayesian Gaussian mixture, in scikit-learn's
/// parameterisation (BayesianGaussianMixture): the variational factors q(π) and
/// q(μ_k, Λ_k) = N(μ_k | m_k, (β_k Λ_k)⁻¹) W(Λ_k | W_k, ν_k) from the responsibilities' sums
/// (the M-step, on the host), the per-component terms the E-step adds to a Gaussian
/// log-density (so the EM E-step's kernels compute the responsibilities), and the lower bound.
///
/// As in scikit-learn, `covariances` are the normalised W_k⁻¹ / ν_k, so that the E-step's
/// Gaussian log-density at (m_k, covariances_k) plus the offsets below gives
/// E[log π_k] + E[log N(x | μ_k, Λ_k⁻¹)] up to a constant shared by all components.
#pragma once

#include <string>
#include <vector>

#include "manychains/em/params.hpp"
#include "manychains/vb/prior.hpp"

namespace manychains {

/// The sums over the data that one M-step needs, scikit-learn's `_estimate_gaussian_parameters`:
/// nk = Σ_n r_nk + 10·eps (K), xk = Σ_n r_nk x_n / nk (K×d), and the responsibility-weighted
/// covariances sk around xk plus reg_covar on the diagonal (full K×d×d, tied d×d, diag K×d,
/// spherical K).
struct vb_statistics {
  std::vector<double> nk, xk, sk;
};

/// nk and xk from the raw sums Σ r (K) and Σ r x (K×d).
vb_statistics vb_first_moments(const std::vector<double>& r_sum, const std::vector<double>& rx_sum, int d);
/// Fills s.sk from the scatter around s.xk (point_sums.hpp's em_scatter_size layout).
void vb_covariances_from_scatter(vb_statistics& s, covariance_type type, int d, const std::vector<double>& scatter,
                                 double reg_covar);

/// The variational parameters (scikit-learn's attribute names without the trailing underscore).
struct vb_params {
  weight_prior_type weight_type = weight_prior_type::dirichlet_process;
  /// Dirichlet: α_k (K). Dirichlet process: the Beta factors' first parameters (K); their second
  /// parameters are in weight_concentration_b.
  std::vector<double> weight_concentration, weight_concentration_b;
  std::vector<double> mean_precision;      ///< β_k (K)
  std::vector<double> degrees_of_freedom;  ///< ν_k (K; tied: K equal values, scikit-learn keeps one)
  /// means (m_k), covariances (W_k⁻¹/ν_k), their precision Cholesky factors and log-determinants,
  /// and weights = E_q[π] (scikit-learn's weights_), in gmm_params' shapes.
  gmm_params gaussian;
};

/// The M-step: q's parameters from the statistics and the priors. Throws input_error naming
/// `when` if a covariance is not positive definite (it cannot be with a positive definite prior,
/// save for rounding).
void vb_m_step(const vb_prior& prior, const vb_statistics& s, vb_params& q, const std::string& when);

/// E_q[log π_k] (K): ψ(α_k) - ψ(Σα) for the Dirichlet distribution; for the Dirichlet process
/// ψ(a_k) - ψ(a_k + b_k) + Σ_{j<k} (ψ(b_j) - ψ(a_j + b_j)).
std::vector<double> vb_expected_log_weights(const vb_params& q);

/// E_q[π] normalised (scikit-learn's weights_).
std::vector<double> vb_mean_weights(const vb_params& q);

/// What the E-step adds to each component's Gaussian log-density at (m_k, covariances_k):
/// E[log π_k] - ½ d log ν_k + ½ (d log 2 + Σ_j ψ((ν_k - j)/2) - d/β_k) (K values).
std::vector<double> vb_log_density_offsets(const vb_params& q);

/// The arrays the EM E-step reads (em/log_density.hpp), with the offsets in place of log weights:
/// its responsibilities are then q(z_n = k).
template <class T>
gmm_arrays<T> vb_e_step_arrays(const vb_params& q);

/// scikit-learn's lower bound (constants dropped) after an M-step, from Σ r log r of the
/// responsibilities that M-step used: -Σ r log r - Σ_k log B(W_k, ν_k) - log C(α) - ½ d Σ_k log β_k.
double vb_lower_bound(const vb_params& q, double sum_r_log_r);

}  // namespace manychains
