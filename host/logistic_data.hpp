/// \file logistic_data.hpp
/// The logistic-regression target from a table in memory: what `logistic:data=FILE` builds after
/// reading the file, and what the Python package builds from numpy arrays (X, y).
#pragma once

#include <string>

#include "manychains/io/csv.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// The target of a table whose last column is the 0/1 response and the others the predictors.
/// `intercept`: "1" adds a column of ones, "0" does not, "auto" adds one unless a predictor column
/// is all ones. `spec` becomes target_info::spec; `source` names the data in messages. Throws
/// input_error for a table without predictors, a response not 0 or 1, or prior_scale <= 0.
logistic_target make_logistic_target(const numeric_table& table, double prior_scale, const std::string& intercept,
                                     const std::string& spec, const std::string& source);

}  // namespace manychains
