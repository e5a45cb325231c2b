/// \file tv.hpp
/// Total-variation estimates of convergence to stationarity from a positions snapshot: with
/// thousands of chains, the law of X_t is seen directly. Per parameter, the marginal of the
/// chains' positions at step t is binned into B equal-probability bins of a reference (the
/// target's exact marginal where it is known, else a reference sample such as the pooled final
/// draws) and TV = 1/2 sum_b |p_b - q_b|. The noise floor is the expected TV of a sample of the
/// same size drawn from the reference itself, so a curve near the floor means "converged as far as
/// this many chains can tell".
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace manychains {

/// A snapshot of positions: element (chain c, parameter j) at data[c * chain_stride + j * dim_stride].
/// The engines' state is dimension-major (chain_stride 1, dim_stride chains); draws.npy rows are
/// chain-major (chain_stride dim, dim_stride 1).
struct positions_view {
  const double* data = nullptr;
  std::size_t chains = 0, dim = 0;
  std::size_t chain_stride = 1, dim_stride = 0;
  double at(std::size_t c, std::size_t j) const { return data[c * chain_stride + j * dim_stride]; }
};

struct tv_estimate {
  std::vector<double> per_parameter;  ///< TV of each marginal
  double max = 0, median = 0;         ///< over parameters
  double noise_floor = 0;             ///< expected TV between two samples of these sizes from one law
  std::size_t bins = 0;
};

/// Bins used for `n` positions when `bins` is 0: n / 50 (>= ~50 per bin, so the normal
/// approximation of the noise floor holds), clamped to [4, 200].
std::size_t default_tv_bins(std::size_t n);

/// Expected binned TV between an n-point sample and an m-point sample (m = 0: the exact law) of
/// the same law with B equal-probability bins, normal approximation: sqrt((B-1)(1/n + 1/m) / (2 pi)).
double tv_noise_floor(std::size_t n, std::size_t m, std::size_t bins);

/// TV against exact marginals given by their quantile functions quantile(j, p) (bin edges at
/// p = b/B), parameters in parallel (so `quantile` must be safe to call from several threads).
/// Throws input_error on an empty snapshot or non-finite positions.
tv_estimate marginal_tv_exact(const positions_view& positions,
                              const std::function<double(std::size_t j, double p)>& quantile, std::size_t bins = 0);

/// TV against a reference sample (e.g. the pooled final draws): bin edges at the reference's
/// type-7 quantiles b/B, reference bin masses counted the same way as the positions'.
tv_estimate marginal_tv_sample(const positions_view& positions, const positions_view& reference, std::size_t bins = 0);

/// Independent-Gaussian marginals (mean_j, sd_j): the quantile function for marginal_tv_exact.
std::function<double(std::size_t, double)> gaussian_marginals(std::vector<double> mean, std::vector<double> sd);

}  // namespace manychains
