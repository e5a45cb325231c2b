/// \file require_finite.hpp
/// The check that keeps a diverged ensemble's numbers from reaching a file or a caller, shared by
/// `manychains ensemble` and the Python package.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "manychains/error.hpp"

namespace manychains {

/// Throws diverged_error unless every value is finite: no NaN or inf leaves a run. `what` names the
/// method ("SVGD", "the stretch move"); `advice` says what to change.
template <class T>
void require_finite(const std::vector<T>& values, const std::string& what, const std::string& advice) {
  const auto bad = std::find_if(values.begin(), values.end(), [](T v) { return !std::isfinite(double(v)); });
  if (bad != values.end())
    throw diverged_error(fmt::format("{} diverged: {} holds {} (value {} of {}); nothing was written. {}", what,
                                     what == "SVGD" ? "a particle" : "a walker", double(*bad), bad - values.begin(),
                                     values.size(), advice));
}

}  // namespace manychains
