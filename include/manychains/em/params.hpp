/// \file params.hpp
/// A Gaussian mixture's parameters on the host (double), the M-step from accumulated sums, and the
/// precision-Cholesky factorisation (Eigen) that the E-step reads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "manychains/em/types.hpp"

namespace manychains {

/// Parses "full", "diag", "spherical" or "tied"; throws input_error otherwise.
covariance_type parse_covariance_type(const std::string& name);
/// The name of a covariance type as scikit-learn spells it.
const char* covariance_type_name(covariance_type type);

/// Parameters of a K-component mixture in d dimensions.
///
/// Shapes (row-major): weights K; means K×d; covariances full K×d×d, tied d×d, diag K×d,
/// spherical K; precisions_cholesky the same shape as covariances (upper-triangular factors for
/// full and tied, 1/σ for diag and spherical); log_det K.
struct gmm_params {
  covariance_type type = covariance_type::full;
  int components = 0;
  int dim = 0;
  std::vector<double> weights, means, covariances, precisions_cholesky, log_det;
};

/// Number of covariance values a type holds for K components in d dimensions.
std::size_t covariance_size(covariance_type type, int K, int d);

/// Number of free parameters (scikit-learn's `_n_parameters`), for BIC and AIC.
double free_parameters(const gmm_params& p);

/// Checks parameters given from outside (initial values, a saved model): finite, non-negative
/// weights summing to 1 (within 1e-6), finite means, and for full and tied covariances finite,
/// symmetric matrices (|Σ - Σᵀ| within 1e-8 of their largest entry). Empty arrays are not
/// checked. Throws input_error naming `what` ("the initial covariances", "model").
void check_given_parameters(const std::vector<double>& weights, const std::vector<double>& means,
                            const std::vector<double>& covariances, covariance_type type, int K, int d,
                            const std::string& what);

/// Fills precisions_cholesky and log_det from covariances. A covariance that is not positive
/// definite throws input_error naming the component and `when` (e.g. "EM iteration 3").
void compute_precision_cholesky(gmm_params& p, const std::string& when);

/// The M-step from the sums over the data: nk (K), sx = Σ r x (K×d) give weights and means.
/// Adds 10·eps to every N_k as scikit-learn does, so empty components stay finite.
void m_step_weights_means(gmm_params& p, std::size_t n, const std::vector<double>& nk, const std::vector<double>& sx);

/// The M-step's covariances from the scatter around the new means (see point_sums.hpp),
/// plus reg_covar on the diagonal; then the precision Cholesky factors (compute_precision_cholesky).
void m_step_covariances(gmm_params& p, std::size_t n, const std::vector<double>& nk, const std::vector<double>& scatter,
                        double reg_covar, const std::string& when);

/// Converts parameters to the arrays a gmm_ref<T> points to (log weights, means, factors, log det).
template <class T>
struct gmm_arrays {
  int components = 0, dim = 0;
  covariance_type type = covariance_type::full;
  std::vector<T> log_weights, means, prec_chol, log_det;

  explicit gmm_arrays(const gmm_params& p);
  gmm_ref<T> ref() const {
    return gmm_ref<T>{components, dim, type, log_weights.data(), means.data(), prec_chol.data(), log_det.data()};
  }
};

}  // namespace manychains
