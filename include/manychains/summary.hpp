/// \file summary.hpp
/// The per-parameter summary printed after a run and stored in run.json (like CmdStan's
/// stansummary). Diagnostic columns are filled where they were computed.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace manychains {

struct parameter_summary {
  std::string name;
  double mean = 0, sd = 0, q5 = 0, q50 = 0, q95 = 0;
  std::optional<double> mcse_mean, ess_bulk, ess_tail, rhat, rhat_nested;
};

/// Mean, sd and the 5/50/95% quantiles (linear interpolation, as numpy's default) of each
/// parameter over all chains and draws; `draws` is (chains, draws, dim) in C order.
template <class T>
std::vector<parameter_summary> summarize_draws(const T* draws, std::size_t chains, std::size_t n_draws,
                                               std::size_t dim, const std::vector<std::string>& names);

/// The q-quantile of `values` (sorted in place), numpy's linear interpolation.
double quantile_sorted(const std::vector<double>& sorted, double q);

/// Prints the table; columns that no row has are left out.
void print_summary_table(std::ostream& os, const std::vector<parameter_summary>& rows);

/// As JSON: [{"name", "mean", "sd", "q5", "q50", "q95", …}, …]
nlohmann::json summary_json(const std::vector<parameter_summary>& rows);

}  // namespace manychains
