/// \file run_report.hpp
/// What a sampling run reports: its summary rows (with diagnostics), run.json, the footer line
/// and the plain-words warnings.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "manychains/io/run_folder.hpp"
#include "manychains/sampler.hpp"
#include "manychains/summary.hpp"

namespace manychains::cli {

template <class T>
std::vector<parameter_summary> summarize_run(const sample_result<T>& result, const target_info& info);

/// The files beside run.json that hold the adapted preconditioner (named in run.json under the
/// same keys): the per-dimension scale (d,) and, for a dense metric, its Cholesky factor (d, d).
inline const char* const inverse_metric_sqrt_file = "inverse_metric_sqrt.npy";
inline const char* const inverse_metric_factor_file = "inverse_metric_factor.npy";
/// Every file a run of any subcommand writes beside run.json: a new run removes the ones it does
/// not write itself (run_folder::commit), so that no file of a previous run stays beside it.
inline const std::vector<std::string> run_folder_files = {
    "draws.npy", "posterior.nc", "particles.npy", "inverse_metric_sqrt.npy", "inverse_metric_factor.npy",
    "acceptance_fraction_per_ensemble.npy", "levels.npy"};
/// Above this many parameters run.json's "summary" is null (the numbers are in posterior.nc).
inline constexpr std::size_t max_summary_rows_in_json = 1000;

/// run.json's "parameter_names": the names, or null above max_summary_rows_in_json parameters
/// (then "parameter_shapes" and posterior.nc say the same in a few bytes).
nlohmann::json parameter_names_json(const std::vector<std::string>& names);
/// run.json's "parameter_shapes": [{"name", "shape"}] as posterior.nc groups them ("x" of shape [n]).
nlohmann::json parameter_shapes_json(const std::vector<std::string>& names);

template <class T>
void stage_metric_files(run_folder& folder, const sample_result<T>& result);

/// What makes a run's draws unusable, one sentence each (empty: none): a collapsed adapted step,
/// non-finite summaries (overflowed draws), ULA proposals that left the finite numbers. The CLI
/// prints them, records them in run.json ("problems") and exits with status 1 (a failed run).
template <class T>
std::vector<std::string> run_problems(const sample_result<T>& result, const std::vector<parameter_summary>& rows);

template <class T>
nlohmann::json run_json(const nlohmann::json& settings, const sample_result<T>& result, const target_info& info,
                        const std::vector<parameter_summary>& rows, const std::string& device_name);

template <class T>
void print_run_footer(std::ostream& os, const sample_result<T>& result, const std::string& out_dir);

/// One warning line per failed check (R-hat, nested R-hat, bulk ESS), naming the worst parameter
/// and how many more fail it.
void print_diagnostic_warnings(std::ostream& os, const std::vector<parameter_summary>& rows,
                               const std::string& rhat_advice = "");

template <class T>
void print_warnings(std::ostream& os, const sample_result<T>& result, const std::vector<parameter_summary>& rows);

/// A numeric array stored in run.json under `key`: inline (flat, or nested rows, read in C order)
/// or as the name of a .npy file, relative to the directory of run.json (`run_json_path`).
/// Empty when the key is absent or null; throws input_error naming the file for anything else.
std::vector<double> read_run_array(const nlohmann::json& run, const std::string& key, const std::string& run_json_path);

}  // namespace manychains::cli
