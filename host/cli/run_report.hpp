/// \file run_report.hpp
/// What a sampling run reports: its summary rows (with diagnostics), run.json, the footer line
/// and the plain-words warnings.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "manychains/sampler.hpp"
#include "manychains/summary.hpp"

namespace manychains::cli {

template <class T>
std::vector<parameter_summary> summarize_run(const sample_result<T>& result, const target_info& info);

template <class T>
nlohmann::json run_json(const nlohmann::json& settings, const sample_result<T>& result, const target_info& info,
                        const std::vector<parameter_summary>& rows, const std::string& device_name);

template <class T>
void print_run_footer(std::ostream& os, const sample_result<T>& result, const std::string& out_dir);

template <class T>
void print_warnings(std::ostream& os, const sample_result<T>& result, const std::vector<parameter_summary>& rows);

/// A numeric array stored in run.json under `key`: inline (flat, or nested rows, read in C order)
/// or as the name of a .npy file, relative to the directory of run.json (`run_json_path`).
/// Empty when the key is absent or null; throws input_error naming the file for anything else.
std::vector<double> read_run_array(const nlohmann::json& run, const std::string& key, const std::string& run_json_path);

}  // namespace manychains::cli
