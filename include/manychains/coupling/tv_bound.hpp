/// \file tv_bound.hpp
/// The L-lag upper bound on the total variation distance to stationarity (Biswas, Jacob &
/// Vanetti 2019, Theorem 2.5): d_TV(law(X_t), π) ≤ E[max(0, ⌈(τ - L - t)/L⌉)], estimated by the
/// mean over independent pairs, with its Monte Carlo standard error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace manychains {

/// The estimated bound at t = 0, 1, …, up to the first t where it is 0.
struct tv_bound_curve {
  std::size_t lag = 1;
  std::size_t pairs = 0;
  std::size_t unmet = 0;        ///< pairs not met: their τ is replaced by max_steps + 1
  std::vector<double> bound;    ///< bound[t]
  std::vector<double> mcse;     ///< its Monte Carlo standard error, sd / √pairs
  /// With unmet pairs the true τ's are larger, so the estimate is a lower bound on the bound.
  bool lower_bound_only() const { return unmet > 0; }
};

/// The curve from meeting times; pairs with met[i] == 0 count as τ = max_steps + 1.
/// Runs in O(pairs + max τ): with S(s) = #{τ > s}, the sum over pairs of ⌈(τ - L - t)/L⌉₊ is
/// f(t) = S(t + L) + f(t + L), and that of its square g(t) = g(t + L) + 2 f(t + L) + S(t + L).
tv_bound_curve tv_bound_from_meeting_times(const std::vector<std::uint64_t>& meeting_time,
                                           const std::vector<std::uint8_t>& met, std::size_t lag,
                                           std::uint64_t max_steps);

/// The first t whose bound + z·mcse is below `threshold` (z = 0: the estimate itself); empty when
/// none is (possible only with threshold ≤ 0).
std::optional<std::size_t> first_t_below(const tv_bound_curve& curve, double threshold, double z = 0);

}  // namespace manychains
