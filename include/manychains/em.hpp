/// \file em.hpp
/// Gaussian mixture models fitted by EM, in scikit-learn's vocabulary:
///
/// \code
///   manychains::gaussian_mixture_options o;
///   o.n_components = 3;
///   manychains::gaussian_mixture gm(o);
///   gm.fit({x.data(), n, d});                 // row-major n×d doubles
///   std::vector<int> labels = gm.predict({x.data(), n, d});
///   double bic = gm.bic({x.data(), n, d});
/// \endcode
///
/// The passes over the data run on the CPU (OpenMP) or a CUDA device; the host factorises the K
/// covariances each iteration. Data are centred before fitting, so float32 stays accurate on data
/// far from the origin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manychains/devices.hpp"
#include "manychains/em/init.hpp"
#include "manychains/em/params.hpp"
#include "manychains/em/rows.hpp"

namespace manychains {

/// A row-major n×d matrix of doubles, not owned.
struct matrix_view {
  const double* data;
  std::size_t rows, cols;
};

/// Refuses (input_error naming `what`) empty data and any value that is not finite. Mixture fits
/// check their data with it. `first_row`: the global index of x's first row when the rows are split
/// over processes (a process's share may then be empty).
void check_mixture_data(matrix_view x, const char* what, std::size_t first_row = 0);

/// The checks before a fitted mixture (EM's or VB's) reads new data: fitted, the data
/// (check_mixture_data), and `dim` columns; throws input_error naming `what`.
void check_prediction_data(bool fitted, matrix_view x, int dim, const char* what);

/// A fit's data centred (in double) on their column means, so that float32 passes and scatter
/// matrices stay accurate: `values` (row-major n×d) = x - `centre`.
struct centred_data {
  std::vector<double> values, centre;
};

/// The checks every mixture fit (EM, VB) makes of its data and options, in this order: K ≥ 1,
/// the data (check_mixture_data), n ≥ K, max_iter ≥ 0, n_init ≥ 1, tol ≥ 0, reg_covar ≥ 0;
/// throws input_error. Returns the data centred.
centred_data prepare_mixture_fit(matrix_view x, int K, int max_iter, int n_init, double tol, double reg_covar);

enum class em_precision { float32, float64 };

/// What the progress callback sees after each EM iteration.
struct em_iteration_info {
  int restart;                 ///< 0 … n_init-1
  int iteration;               ///< 1 … max_iter
  double mean_log_likelihood;  ///< per sample, at the parameters after this iteration
  double change;               ///< against the previous iteration
  double seconds;              ///< this iteration's wall time
};

/// Options of a fit; the names and defaults are scikit-learn's GaussianMixture's.
struct gaussian_mixture_options {
  int n_components = 1;
  covariance_type covariance = covariance_type::full;
  double tol = 1e-3;        ///< stop when the change of the mean log-likelihood per sample is below tol
  double reg_covar = 1e-6;  ///< added to the covariances' diagonal
  int max_iter = 100;
  int n_init = 1;  ///< restarts; the one with the best final log-likelihood is kept
  em_init init_params = em_init::kmeans_pp;
  std::uint64_t seed = 0;
  /// Optional starting values (override what init_params gives): weights K, means K×d,
  /// covariances in the covariance type's shape (see gmm_params).
  std::optional<std::vector<double>> weights_init, means_init, covariances_init;
  device_choice device = device_choice::automatic;
  em_precision precision = em_precision::float64;
  std::function<void(const em_iteration_info&)> on_iteration;  ///< progress, may be empty
};

/// Wall time of a fit's parts, in seconds.
struct em_timings {
  double initialisation = 0, e_step = 0, m_step = 0, total = 0;
  int iterations = 0;  ///< over all restarts
};

/// Responsibilities (n×K, row-major) of the rows of x under the mixture `a`, whose log weights may
/// be any per-component offsets (VB puts E[log π] and its other terms there).
std::vector<double> mixture_responsibilities(const gmm_arrays<double>& a, matrix_view x);
/// log Σ_k exp(log weight_k + log N(x | k)) of each row of x under `a` (the responsibilities'
/// normaliser): log p(x) for a mixture, scikit-learn's score_samples for VB's offsets.
std::vector<double> mixture_log_normalisers(const gmm_arrays<double>& a, matrix_view x);
/// The most probable component of each of n rows of responsibilities r (n×K).
std::vector<int> most_probable_components(const std::vector<double>& r, std::size_t n, int K);

/// A Gaussian mixture model (scikit-learn's GaussianMixture).
class gaussian_mixture {
 public:
  explicit gaussian_mixture(gaussian_mixture_options options = {});
  /// A fitted model from given parameters (e.g. read back from gmm.json).
  explicit gaussian_mixture(gmm_params params);

  /// Fits by EM; throws input_error for bad data or options, and for a singular covariance
  /// (naming the component and iteration).
  gaussian_mixture& fit(matrix_view x);
  /// Fits on rows split over processes: `x` holds this process's rows [rows.first, rows.first +
  /// x.rows) of rows.total (em_row_share). Collective; every process ends with the model fit(x)
  /// gives on all rows, bit for bit on the CPU backend (rows.hpp).
  gaussian_mixture& fit(matrix_view x, const em_rows& rows);

  std::vector<int> predict(matrix_view x) const;            ///< most probable component per row
  std::vector<double> predict_proba(matrix_view x) const;   ///< responsibilities, n×K
  std::vector<double> score_samples(matrix_view x) const;   ///< log p(x) per row
  double score(matrix_view x) const;                        ///< mean log p(x)
  double bic(matrix_view x) const;
  double aic(matrix_view x) const;
  /// n draws (n×d) from the mixture; their components in `labels` when given.
  std::vector<double> sample(std::size_t n, std::uint64_t seed, std::vector<int>* labels = nullptr) const;

  const gmm_params& params() const { return params_; }
  const std::vector<double>& weights() const { return params_.weights; }
  const std::vector<double>& means() const { return params_.means; }
  const std::vector<double>& covariances() const { return params_.covariances; }
  bool converged() const { return converged_; }
  int n_iter() const { return n_iter_; }
  /// Mean log-likelihood per sample at the initial parameters and after every iteration (best restart).
  const std::vector<double>& log_likelihood_trace() const { return trace_; }
  double lower_bound() const { return trace_.empty() ? 0.0 : trace_.back(); }
  const em_timings& timings() const { return timings_; }
  const std::string& device_name() const { return device_name_; }
  const gaussian_mixture_options& options() const { return options_; }

  /// The model as JSON (weights, means, covariances, covariance_type, trace, …).
  nlohmann::json to_json() const;
  /// Reads a model written by to_json; throws input_error when fields are missing or inconsistent.
  static gaussian_mixture from_json(const nlohmann::json& j);

 private:
  void check_fitted(matrix_view x, const char* what) const;

  gaussian_mixture_options options_;
  gmm_params params_;
  bool fitted_ = false, converged_ = false;
  int n_iter_ = 0;
  std::vector<double> trace_;
  em_timings timings_;
  std::string device_name_;
};

}  // namespace manychains
