/// \file run_report.hpp
/// What a sampling run reports: its summary rows (with diagnostics), run.json, the footer line
/// and the plain-words warnings.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "manychains/sampler.hpp"
#include "manychains/summary.hpp"

namespace manychains::cli {

template <class T>
std::vector<parameter_summary> summarize_run(const sample_result<T>& result, const target_info& info);

/// What makes a run's draws unusable, one sentence each (empty: none): a collapsed adapted step,
/// non-finite summaries (overflowed draws), ULA proposals that left the finite numbers. The CLI
/// prints them, records them in run.json ("problems") and exits with status 4.
template <class T>
std::vector<std::string> run_problems(const sample_result<T>& result, const std::vector<parameter_summary>& rows);

template <class T>
nlohmann::json run_json(const nlohmann::json& settings, const sample_result<T>& result, const target_info& info,
                        const std::vector<parameter_summary>& rows, const std::string& device_name);

template <class T>
void print_run_footer(std::ostream& os, const sample_result<T>& result, const std::string& out_dir);

template <class T>
void print_warnings(std::ostream& os, const sample_result<T>& result, const std::vector<parameter_summary>& rows);

}  // namespace manychains::cli
