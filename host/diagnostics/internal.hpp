// Helpers shared by the diagnostics sources (CPU oracle and the CUDA combine step); not public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace manychains::diagnostics_detail {

/// Indices of x sorted by value (stable for equal values is not needed: ties get one rank).
std::vector<std::uint32_t> sort_order(const double* x, std::size_t size);
/// z[i] = normal quantile of ((rank_i - 3/8) / (size + 1/4)), ranks from `order` with ties averaged.
void z_from_order(const std::vector<std::uint32_t>& order, const double* values, double* z);
/// z-scale of |values - median| given the sort order of `values`.
void folded_z(const std::vector<std::uint32_t>& order, const double* values, double median, double* z);

struct type7_position {
  std::size_t k;  ///< value = (1 - gamma) sorted[k-1] + gamma sorted[k]
  double gamma;
};
type7_position type7_locate(std::size_t size, double prob);
double type7_sorted_at(double lo_value, double hi_value, double gamma);
double quantile_from_sorted(const double* sorted, std::size_t size, double prob);
double median_from_sorted(const double* sorted, std::size_t size);

/// Throws input_error unless every value is finite; `what` names the parameter.
void check_finite(const double* x, std::size_t chains, std::size_t draws, const char* what);
/// Throws input_error when draws < 4 (ESS, split R-hat and MCSE need 4 draws per chain).
void check_min_draws(std::size_t chains, std::size_t draws, const char* statistic);
/// ArviZ's constant test: max - min < 1e-15 (numpy's float resolution).
bool is_constant(const double* x, std::size_t size);

}  // namespace manychains::diagnostics_detail
