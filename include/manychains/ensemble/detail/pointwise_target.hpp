/// \file pointwise_target.hpp
/// Visits a built-in target as a pointwise one: calls f(target) for every alternative but the
/// batched logistic target, which is refused with input_error. Shared by the ensemble backends.
#pragma once

#include <type_traits>
#include <variant>
#include <vector>

#include "manychains/ensemble/backends.hpp"
#include "manychains/error.hpp"

namespace manychains::ensemble_detail {

template <class R, class F>
R visit_pointwise(const any_target& target, F&& f) {
  return std::visit(
      [&](const auto& t) -> R {
        using target_type = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<target_type, logistic_target>) {
          throw input_error(ensemble_unsupported_target_message());
        } else {
          return f(t);
        }
      },
      target);
}

template <class T>
std::vector<T> converted(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

}  // namespace manychains::ensemble_detail
