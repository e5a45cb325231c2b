/// \file prior.hpp
/// The priors of the Bayesian Gaussian mixture (scikit-learn's BayesianGaussianMixture): on the
/// weights a Dirichlet distribution or a Dirichlet process (stick-breaking), on each component a
/// Normal–Wishart, N(μ | m₀, (β₀ Λ)⁻¹) W(Λ | Ψ₀⁻¹, ν₀). Each prior left unset takes scikit-learn's
/// default from the data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "manychains/em/types.hpp"

namespace manychains {

/// scikit-learn's `weight_concentration_prior_type`.
enum class weight_prior_type {
  dirichlet_distribution,  ///< π ~ Dirichlet(α₀, …, α₀)
  dirichlet_process,       ///< stick-breaking: v_k ~ Beta(1, α₀), π_k = v_k Π_{j<k} (1 - v_j) (truncated at K)
};

/// Parses "dirichlet_distribution" or "dirichlet_process"; throws input_error otherwise.
weight_prior_type parse_weight_prior_type(const std::string& name);
const char* weight_prior_type_name(weight_prior_type type);

/// Priors as the user gives them; an empty optional takes scikit-learn's default.
struct vb_prior_options {
  weight_prior_type weight_type = weight_prior_type::dirichlet_process;  ///< scikit-learn's default
  std::optional<double> weight_concentration;  ///< α₀ > 0; default 1/K
  std::optional<double> mean_precision;        ///< β₀ > 0; default 1
  std::optional<std::vector<double>> mean;     ///< m₀ (d values); default the data's mean
  std::optional<double> degrees_of_freedom;    ///< ν₀ > d - 1; default d
  /// Ψ₀ in the covariance type's shape: full and tied d×d (symmetric positive definite), diag d
  /// values, spherical 1 value (all positive); default the data's covariance (ddof = 1), its
  /// diagonal, or the mean of that diagonal.
  std::optional<std::vector<double>> covariance;
};

/// The priors with every default filled in.
struct vb_prior {
  weight_prior_type weight_type = weight_prior_type::dirichlet_process;
  double weight_concentration = 0, mean_precision = 0, degrees_of_freedom = 0;
  std::vector<double> mean;        ///< d
  std::vector<double> covariance;  ///< full/tied d×d, diag d, spherical 1
};

/// Number of values a covariance prior of `type` holds in d dimensions (d×d, d or 1).
std::size_t covariance_prior_size(covariance_type type, int d);

/// Fills the defaults from the row-major data x (n×d, n ≥ 2) and checks what was given; throws
/// input_error naming the prior (e.g. "--degrees-of-freedom-prior 1.5 must be greater than 2").
vb_prior resolve_vb_prior(const vb_prior_options& given, covariance_type type, int K, const double* x,
                          std::size_t n, int d);

}  // namespace manychains
