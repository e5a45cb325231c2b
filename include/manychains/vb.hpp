/// \file vb.hpp
/// Variational Bayes for Gaussian mixtures (scikit-learn's BayesianGaussianMixture): mean-field
/// coordinate ascent (CAVI) on the evidence lower bound, the sibling of EM.
///
/// \code
///   manychains::bayesian_gaussian_mixture_options o;
///   o.n_components = 10;                      // an upper bound: unneeded components get ~0 weight
///   o.prior.weight_type = manychains::weight_prior_type::dirichlet_distribution;
///   manychains::bayesian_gaussian_mixture vb(o);
///   vb.fit({x.data(), n, d});
///   auto used = vb.effective_components(0.01);  // components with weight above 1%
/// \endcode
///
/// Each iteration: the E-step (responsibilities from E[log π_k] and E[log N(x | μ_k, Λ_k)]) runs
/// through the EM backend (CPU or CUDA, em/backend.hpp), the M-step and the lower bound on the host.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manychains/em.hpp"
#include "manychains/vb/cavi.hpp"
#include "manychains/vb/prior.hpp"

namespace manychains {

/// What the progress callback sees after each iteration.
struct vb_iteration_info {
  int restart;         ///< 0 … n_init-1
  int iteration;       ///< 1 … max_iter
  double lower_bound;  ///< after this iteration's M-step
  double change;       ///< against the previous iteration (+inf after the first)
  double seconds;      ///< this iteration's wall time
};

/// Options of a fit; names and defaults are scikit-learn's BayesianGaussianMixture's.
struct bayesian_gaussian_mixture_options {
  int n_components = 1;
  covariance_type covariance = covariance_type::full;
  double tol = 1e-3;  ///< stop when the lower bound changes by less than tol
  double reg_covar = 1e-6;
  int max_iter = 100;
  int n_init = 1;  ///< restarts; the one with the largest final lower bound is kept
  em_init init_params = em_init::kmeans_pp;
  std::uint64_t seed = 0;
  /// Starting responsibilities (n×K, row-major), in place of init_params (every restart).
  std::optional<std::vector<double>> resp_init;
  vb_prior_options prior;
  device_choice device = device_choice::automatic;
  em_precision precision = em_precision::float64;
  std::function<void(const vb_iteration_info&)> on_iteration;  ///< progress, may be empty
};

/// A Bayesian Gaussian mixture fitted by variational inference.
class bayesian_gaussian_mixture {
 public:
  explicit bayesian_gaussian_mixture(bayesian_gaussian_mixture_options options = {});
  /// A fitted model from given variational parameters (weight_concentration(_b), mean_precision,
  /// degrees_of_freedom, and gaussian's type, means and covariances); the weights and precision
  /// factors are computed from them. Throws input_error for inconsistent sizes.
  explicit bayesian_gaussian_mixture(vb_params q);

  /// Fits by CAVI; throws input_error for bad data, options or priors.
  bayesian_gaussian_mixture& fit(matrix_view x);

  std::vector<double> predict_proba(matrix_view x) const;  ///< q(z = k) per row, n×K
  std::vector<int> predict(matrix_view x) const;           ///< the most probable component per row
  /// scikit-learn's score_samples: log Σ_k exp(E[log π_k] + E[log N(x | μ_k, Λ_k⁻¹)]) per row.
  std::vector<double> score_samples(matrix_view x) const;

  /// The variational parameters; means in the data's coordinates.
  const vb_params& params() const { return q_; }
  const std::vector<double>& weights() const { return q_.gaussian.weights; }
  const std::vector<double>& means() const { return q_.gaussian.means; }
  const std::vector<double>& covariances() const { return q_.gaussian.covariances; }
  /// The priors used, defaults filled in (the mean prior in the data's coordinates).
  const vb_prior& prior() const { return prior_; }
  /// Components whose weight exceeds `threshold`, in component order.
  std::vector<int> effective_components(double threshold) const;
  bool converged() const { return converged_; }
  int n_iter() const { return n_iter_; }
  /// The lower bound after each iteration (scikit-learn's lower_bounds_), best restart.
  const std::vector<double>& lower_bound_trace() const { return trace_; }
  double lower_bound() const { return trace_.empty() ? 0.0 : trace_.back(); }
  const em_timings& timings() const { return timings_; }
  const std::string& device_name() const { return device_name_; }
  const bayesian_gaussian_mixture_options& options() const { return options_; }

  /// The fit as JSON: the variational parameters under scikit-learn's attribute names, weights,
  /// priors, lower-bound trace, convergence.
  nlohmann::json to_json() const;

 private:
  void check_fitted(matrix_view x, const char* what) const;

  bayesian_gaussian_mixture_options options_;
  vb_prior prior_;
  vb_params q_;
  bool fitted_ = false, converged_ = false;
  int n_iter_ = 0;
  std::vector<double> trace_;
  em_timings timings_;
  std::string device_name_;
};

}  // namespace manychains
