/// \file targets.hpp
/// Host-side built-in targets. Each owns its parameters (as double) and makes a non-owning,
/// trivially copyable `ref` over a copy of them in the precision and memory the backend uses.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "manychains/targets/funnel.hpp"
#include "manychains/targets/gaussian.hpp"
#include "manychains/targets/mixture.hpp"
#include "manychains/targets/oring.hpp"
#include "manychains/targets/rosenbrock.hpp"

namespace manychains {

/// What the runner and outputs need to know about any target.
struct target_info {
  std::string spec;                         ///< the spec string it was built from
  std::size_t dim = 0;
  std::vector<std::string> parameter_names;
  std::vector<double> init_center;          ///< chains start at center + radius ∘ U(-1, 1)
  std::vector<double> init_radius;
  std::optional<std::vector<double>> true_mean;  ///< known in closed form (Gaussians, mixtures)
  std::optional<std::vector<double>> true_sd;
  bool gaussian_marginals = false;  ///< the marginals are N(true_mean, true_sd²)
};

struct gaussian_target {
  target_info info;
  double rho = 0;
  bool full_precision = false;
  std::vector<double> params;  ///< mean, 1/scale, [precision]
  template <class T>
  gaussian_ref<T> ref(const T* p) const { return {info.dim, T(rho), full_precision, p}; }
};

struct mixture_target {
  target_info info;
  std::size_t components = 0;
  std::vector<double> params;  ///< log weights, scales, means
  template <class T>
  mixture_ref<T> ref(const T* p) const { return {info.dim, components, p}; }
};

struct funnel_target {
  target_info info;
  std::vector<double> params;  ///< none
  template <class T>
  funnel_ref<T> ref(const T*) const { return {info.dim}; }
};

struct rosenbrock_target {
  target_info info;
  double a = 100, b = 20;
  std::vector<double> params;  ///< none
  template <class T>
  rosenbrock_ref<T> ref(const T*) const { return {info.dim, T(a), T(b)}; }
};

struct oring_target {
  target_info info;
  std::size_t launches = 0;
  std::vector<double> params;  ///< log b, temperatures, outcomes
  template <class T>
  oring_ref<T> ref(const T* p) const { return {launches, p}; }
};

/// Bayesian logistic regression, a batched target: the log-likelihood of all chains at once is a
/// product of the data (rows × dim) with the positions (dim × chains).
struct logistic_target {
  target_info info;
  std::size_t rows = 0;
  std::vector<double> design;    ///< rows × dim, row-major
  std::vector<double> response;  ///< rows, 0/1
  double prior_scale = 2.5;
};

using any_target = std::variant<gaussian_target, mixture_target, funnel_target, rosenbrock_target,
                                oring_target, logistic_target>;

/// Builds a target from a spec such as `gaussian:dim=100,rho=0.9` or `logistic:data=x.csv`.
/// Throws input_error listing the valid targets or keys when the spec is not understood.
any_target make_target(const std::string& spec);

/// The info of any target.
const target_info& info_of(const any_target& target);

/// Throws input_error, naming the target and what is wrong, unless `info` describes a target of
/// `dim` dimensions (dim >= 1) with a usable start region: init_center and init_radius of `dim`
/// finite values each, radii >= 0, and parameter_names empty or `dim` long. Every runner calls
/// it before drawing starting points, so a user target with a missing start region is refused
/// instead of read out of bounds.
void check_target_info(const target_info& info, std::size_t dim);

/// The names of the built-in targets, with their keys, for help texts and error messages.
std::string target_help();

/// The Challenger data built into `oring`: 23 launches (temperature °F, at least one O-ring
/// incident), Dalal, Fowlkes & Hoadley (1989).
struct challenger_launch {
  double temperature;
  int incident;
};
const std::vector<challenger_launch>& challenger_launches();

/// Maximum-likelihood (intercept, slope) of a logistic regression of y on t, by Newton's method.
std::vector<double> logistic_mle(const std::vector<double>& t, const std::vector<double>& y);

}  // namespace manychains
