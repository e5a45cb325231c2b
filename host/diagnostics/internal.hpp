// Helpers shared by the diagnostics sources (CPU oracle and the CUDA combine step); not public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "manychains/diagnostics/formulas.hpp"

namespace manychains::diagnostics_detail {

/// x sorted (values) with the original index of each sorted element (order): values[i] = x[order[i]].
struct sorted_draws {
  std::vector<double> values;
  std::vector<std::uint32_t> order;
};
/// LSD radix sort on the IEEE bit patterns (std::sort below 4096 values); NaN-free input.
sorted_draws sort_draws(const double* x, std::size_t size);
/// table[i] = normal quantile of ((i + 1 - 3/8) / (size + 1/4)): the z of rank i + 1 without ties.
std::vector<double> rank_z_table(std::size_t size);
/// z[order[i]] = z-scaled rank of sorted position i, ties averaged (scipy rankdata "average"),
/// Blom's offset 3/8; `table` (rank_z_table(size)) or nullptr.
void z_from_sorted(const double* sorted_values, const std::uint32_t* order, std::size_t size, const double* table,
                   double* z);
/// z-scale of |x - median| given x sorted.
void folded_z(const sorted_draws& s, double median, const double* table, double* z);

using diagnostics_formula::type7_locate;
using diagnostics_formula::type7_position;
double quantile_from_sorted(const double* sorted, std::size_t size, double prob);
double median_from_sorted(const double* sorted, std::size_t size);

/// Throws input_error unless every value is finite; `what` names the parameter.
void check_finite(const double* x, std::size_t chains, std::size_t draws, const char* what);
/// Throws input_error when draws < 4 (ESS, split R-hat and MCSE need 4 draws per chain).
void check_min_draws(std::size_t chains, std::size_t draws, const char* statistic);
/// ArviZ's constant test: max - min < 1e-15 (numpy's float resolution).
bool is_constant(const double* x, std::size_t size);

}  // namespace manychains::diagnostics_detail

#include "manychains/diagnostics.hpp"

namespace manychains::diagnostics_detail {
/// diagnose_parameter with a shared rank_z_table (recomputed when null or of another size).
parameter_diagnostics diagnose_with_table(const double* x, std::size_t chains, std::size_t draws,
                                          const diagnose_options& options, const std::string& name,
                                          const std::vector<double>* z_table);
}  // namespace manychains::diagnostics_detail
