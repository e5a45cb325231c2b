// What every backend needs to know of a target: its info, and the check that the info is whole.
#include <cmath>
#include <string>
#include <variant>

#include "manychains/error.hpp"
#include "manychains/targets.hpp"

namespace manychains {

const target_info& info_of(const any_target& target) {
  return std::visit([](const auto& t) -> const target_info& { return t.info; }, target);
}

void check_target_info(const target_info& info, std::size_t dim) {
  const std::string who = "target " + (info.spec.empty() ? std::string("(unnamed)") : "'" + info.spec + "'");
  if (info.dim == 0) throw input_error(who + ": target_info.dim is 0; a target needs at least 1 dimension");
  if (info.dim != dim)
    throw input_error(who + ": target_info.dim is " + std::to_string(info.dim) + " but the target has " +
                      std::to_string(dim) + " dimensions");
  const auto check_vector = [&](const std::vector<double>& v, const char* field) {
    if (v.size() != dim)
      throw input_error(who + ": target_info." + field + " has " + std::to_string(v.size()) + " values, need " +
                        std::to_string(dim) + " (one per dimension: chains start at init_center + init_radius * "
                        "U(-1, 1))");
    for (std::size_t j = 0; j < dim; ++j)
      if (!std::isfinite(v[j]))
        throw input_error(who + ": target_info." + field + "[" + std::to_string(j) + "] is not finite");
  };
  check_vector(info.init_center, "init_center");
  check_vector(info.init_radius, "init_radius");
  for (std::size_t j = 0; j < dim; ++j)
    if (info.init_radius[j] < 0)
      throw input_error(who + ": target_info.init_radius[" + std::to_string(j) + "] is negative");
  if (!info.parameter_names.empty() && info.parameter_names.size() != dim)
    throw input_error(who + ": target_info.parameter_names has " + std::to_string(info.parameter_names.size()) +
                      " names, need " + std::to_string(dim) + " (or none)");
}

}  // namespace manychains
