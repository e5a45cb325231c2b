/// \file metric.hpp
/// The preconditioner warm-up estimates from the chains' spread, free of the parameters' units:
/// rescaling coordinate j by a factor a_j rescales the estimated sd_j (and row/column j of the
/// covariance) by a_j and nothing else, so the sampler's moves, in the whitened coordinates it
/// works in, are the same whatever the units (tests/metric_test.cpp).
///
/// The dense estimate shrinks the cross-chain covariance toward its own diagonal,
/// (n/(n+5)) Σ + (5/(n+5)) diag Σ — Stan's weights, but toward a target that carries the same
/// units as Σ instead of the fixed 1e-3 I that swamps a parameter whose variance is 1e-6.
/// `--metric auto` compares how well each candidate, estimated at one window, whitens the chains
/// at the next (condition numbers), and pays for the dense O(d²) step only when it helps enough.
#pragma once

#include <Eigen/Dense>

#include <cstddef>
#include <string>
#include <vector>

namespace manychains {

/// Sample covariance (ddof 1) across chains of positions (chains × dim, chain-major). Non-finite
/// positions give non-finite entries (the callers fall back).
template <class T>
Eigen::MatrixXd cross_chain_covariance(const std::vector<T>& positions, std::size_t dim);

/// Per-dimension cross-chain sd (two passes: mean, then squared deviations), keeping `fallback[j]`
/// where fewer than two chains exist or the variance is zero or not finite. O(chains · dim).
template <class T>
std::vector<double> cross_chain_sd(const std::vector<T>& positions, std::size_t dim, const std::vector<double>& fallback);

/// Per-dimension sd from the covariance's diagonal, keeping `fallback[j]` where the variance is
/// zero or not finite (every chain at the same point, or an overflowed chain).
std::vector<double> metric_sd(const Eigen::MatrixXd& cov, const std::vector<double>& fallback);

/// (n/(n+5)) cov + (5/(n+5)) diag(cov) for n chains: correlations shrunk toward zero, variances
/// kept; positive definite whenever the variances are positive.
Eigen::MatrixXd shrunk_toward_diagonal(const Eigen::MatrixXd& cov, std::size_t chains);

/// The lower Cholesky factor of `cov`, row-major d×d; empty when `cov` is not positive definite
/// or not finite.
std::vector<double> cholesky_rows(const Eigen::MatrixXd& cov);

/// Condition number (largest / smallest eigenvalue) of L⁻¹ cov L⁻ᵀ: how far the preconditioner
/// L L ᵀ is from whitening `cov`. `chol` row-major lower d×d; with `chol` empty, L = diag(sd).
/// +inf when not positive definite.
double whitened_condition_number(const Eigen::MatrixXd& cov, const std::vector<double>& sd,
                                 const std::vector<double>& chol);

/// `--metric auto`'s rule. The dense step costs O(d²) more per chain than the diagonal one; it
/// pays when it whitens the chains markedly better, so dense is chosen when the diagonal
/// candidate's condition number exceeds `dense_gain` times the dense one's (the MALA step is
/// limited by the stiffest whitened direction and mixing by the softest, so the work to a given
/// ESS grows about linearly in the condition number).
struct metric_choice {
  bool dense = false;
  double condition_diag = 0, condition_dense = 0;
  std::string reason;
};
inline constexpr double dense_gain = 2.0;
metric_choice choose_metric(const Eigen::MatrixXd& next_cov, const std::vector<double>& previous_sd,
                            const std::vector<double>& previous_chol);

}  // namespace manychains
