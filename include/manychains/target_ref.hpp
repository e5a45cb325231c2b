/// \file target_ref.hpp
/// How every backend takes a pointwise target, built-in or a user's functor: its parameters in
/// the backend's precision T (which the backend copies into its own memory) and the trivially
/// copyable ref it evaluates, made over that copy. A user's functor (`dim()` and
/// `logdensity_grad(x, grad)`) has no parameters and is its own ref; a built-in target owns its
/// parameters as double and makes a gaussian_ref<T> etc. over the copy. The one visitation of
/// `any_target` (visit_target, visit_pointwise) hands each alternative to the same templates.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "manychains/error.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// A user's functor: no parameters, its own ref, its own dim().
template <class Target, class = void>
struct target_binding {
  template <class T>
  static std::vector<T> params(const Target&) {
    return {};
  }
  template <class T>
  static Target ref(const Target& target, const T*) {
    return target;
  }
  static std::size_t dim(const Target& target) { return target.dim(); }
};

/// A built-in target (`info`, `params` as double, `ref<T>(params)`).
template <class Target>
struct target_binding<Target, std::void_t<decltype(std::declval<const Target&>().info),
                                          decltype(std::declval<const Target&>().params)>> {
  template <class T>
  static std::vector<T> params(const Target& target) {
    return std::vector<T>(target.params.begin(), target.params.end());
  }
  template <class T>
  static auto ref(const Target& target, const T* params) {
    return target.template ref<T>(params);
  }
  static std::size_t dim(const Target& target) { return target.info.dim; }
};

/// The ref a backend of precision T evaluates for `Target`.
template <class T, class Target>
using target_ref_t = decltype(target_binding<Target>::ref(std::declval<const Target&>(), static_cast<const T*>(nullptr)));

/// A target's parameters in precision T and its ref over them, for backends whose memory is the
/// host's (the CPU backends): `ref` points into `params`, so the object is not copyable.
template <class T, class Target>
struct host_bound_target {
  std::vector<T> params;
  target_ref_t<T, Target> ref;

  explicit host_bound_target(const Target& target)
      : params(target_binding<Target>::template params<T>(target)),
        ref(target_binding<Target>::ref(target, params.data())) {}
  host_bound_target(const host_bound_target&) = delete;
  host_bound_target& operator=(const host_bound_target&) = delete;
};

/// Calls pointwise(t) for a pointwise alternative t of `target`, batched(t) for the logistic one.
template <class Pointwise, class Batched>
decltype(auto) visit_target(const any_target& target, Pointwise&& pointwise, Batched&& batched) {
  return std::visit(
      [&](const auto& t) -> decltype(auto) {
        if constexpr (std::is_same_v<std::decay_t<decltype(t)>, logistic_target>)
          return batched(t);
        else
          return pointwise(t);
      },
      target);
}

/// Calls f(t) for a pointwise alternative; the batched logistic target is refused with
/// input_error(`refusal`).
template <class F>
decltype(auto) visit_pointwise(const any_target& target, F&& f, const char* refusal) {
  return visit_target(target, std::forward<F>(f), [&](const logistic_target&) -> decltype(f(std::declval<const gaussian_target&>())) {
    throw input_error(refusal);
  });
}

}  // namespace manychains
