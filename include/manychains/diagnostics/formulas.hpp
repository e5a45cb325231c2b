/// \file formulas.hpp
/// The one home of each per-parameter diagnostics formula, as host-device functions: the host
/// pipeline (host/diagnostics) and the CUDA one (kernels/diagnostics.cu) call these, and only
/// these, so the two backends cannot drift apart. Each follows ArviZ 0.23 (see diagnostics.hpp).
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/diagnostics/chain_partials.hpp"

namespace manychains::diagnostics_formula {

// ---- ranks -----------------------------------------------------------------------------------

/// Rank normalisation (Blom's offset 3/8, as ArviZ `_z_scale`): z = Φ⁻¹((rank - 3/8) / (size + 1/4)),
/// `rank` 1-based, ties averaged.
MC_HD_INLINE double rank_z(double rank, std::size_t size) {
  const double denom = (static_cast<double>(size) - 0.75) + 1.0;
  return normal_quantile_hd((rank - 0.375) / denom);
}

/// The average 1-based rank of a tie group at sorted positions [first, end) (scipy rankdata "average").
MC_HD_INLINE double average_rank(std::size_t first, std::size_t end) {
  return end == first + 1 ? static_cast<double>(end)
                          : 0.5 * (static_cast<double>(first + 1) + static_cast<double>(end));
}

// ---- quantiles -------------------------------------------------------------------------------

/// Where the type-7 quantile of `size` sorted values lies: value = (1 - gamma) s[k-1] + gamma s[k].
struct type7_position {
  std::size_t k;
  double gamma;
};

/// scipy mquantiles(alphap=1, betap=1), as ArviZ's `_quantile`: aleph = n p + (1 - p),
/// k = floor(clip(aleph, 1, n - 1)), gamma = clip(aleph - k, 0, 1). Needs size >= 2.
MC_HD_INLINE type7_position type7_locate(std::size_t size, double prob) {
  const double n = static_cast<double>(size);
  const double m = 1.0 + prob * (1.0 - 1.0 - 1.0);
  const double aleph = n * prob + m;
  const double k = floor(fmin(fmax(aleph, 1.0), n - 1.0));
  const double gamma = fmin(fmax(aleph - k, 0.0), 1.0);
  return {static_cast<std::size_t>(k), gamma};
}

/// The type-7 value between the sorted neighbours s[k-1] and s[k].
MC_HD_INLINE double type7_between(double lo_value, double hi_value, double gamma) {
  return (1.0 - gamma) * lo_value + gamma * hi_value;
}

/// numpy.median of sorted values: the middle one, or the mean of the middle two (`lo`, `hi`;
/// equal for an odd count).
MC_HD_INLINE double median_between(double lo_value, double hi_value) { return (lo_value + hi_value) / 2.0; }

// ---- moments ---------------------------------------------------------------------------------

/// ArviZ's constant test (numpy's float resolution): every value counts as equal.
MC_HD_INLINE bool is_constant_range(double lo, double hi) { return (hi - lo) < 1e-15; }

/// Mean and sd (ddof 1) of all `chains` × `draws` values from each chain's mean and M2 = Σ(x - mean)²
/// (Chan et al.'s pairwise combine, for equal chain lengths).
struct pooled_moments {
  double mean = 0, sd = 0;
};
MC_HD_INLINE pooled_moments pool_chain_moments(const double* means, const double* m2, std::size_t chains,
                                               std::size_t draws) {
  double mean = 0;
  for (std::size_t c = 0; c < chains; ++c) mean += means[c];
  mean /= static_cast<double>(chains);
  double ss = 0;
  for (std::size_t c = 0; c < chains; ++c)
    ss += m2[c] + static_cast<double>(draws) * (means[c] - mean) * (means[c] - mean);
  const std::size_t size = chains * draws;
  return {mean, size > 1 ? sqrt(ss / static_cast<double>(size - 1)) : 0.0};
}

/// The mean of x² over all values from each chain's mean and M2: Σ (M2 + draws · mean²) / size.
MC_HD_INLINE double pool_mean_square(const double* means, const double* m2, std::size_t chains, std::size_t draws) {
  double s = 0;
  for (std::size_t c = 0; c < chains; ++c) s += m2[c] + static_cast<double>(draws) * means[c] * means[c];
  return s / (static_cast<double>(chains) * static_cast<double>(draws));
}

// ---- MCSE ------------------------------------------------------------------------------------

/// MCSE of the mean: sd / sqrt(ESS of the mean).
MC_HD_INLINE double mcse_mean(double sd, double ess_mean) { return sd / sqrt(ess_mean); }

/// MCSE of the sd by the delta method (ArviZ `_mcse_sd`): with v = (x - mean)², E v = `mean_v`,
/// E v² = `mean_v2` and `ess_v` the ESS of v on split chains, Var(E v) ≈ (E v² - (E v)²) / ess_v and
/// sd = sqrt(E v), so MCSE = sqrt(Var(E v) / (4 E v)). 0 when every draw is equal.
MC_HD_INLINE double mcse_sd_delta(double mean_v, double mean_v2, double ess_v) {
  if (!(mean_v > 0)) return 0.0;
  const double varvar = (mean_v2 - mean_v * mean_v) / ess_v;
  return sqrt(varvar / mean_v / 4);
}

}  // namespace manychains::diagnostics_formula
