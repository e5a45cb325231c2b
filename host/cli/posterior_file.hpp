/// \file posterior_file.hpp
/// A sampling run as ArviZ InferenceData (posterior.nc): posterior and sample_stats, and with
/// --save-warmup warmup_posterior and warmup_sample_stats.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "manychains/sampler.hpp"

namespace manychains::cli {

/// Writes `result` (with its draws at result.draws_data()) to `path` with `settings` as attributes.
template <class T>
void write_posterior_file(const std::string& path, const sample_result<T>& result, const target_info& info,
                          const nlohmann::json& settings);

}  // namespace manychains::cli
