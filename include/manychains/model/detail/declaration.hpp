/// \file declaration.hpp
/// The host side of a model's `declare`: the data fields it reads, the parameters with their
/// shapes and constraints, and the start region, recorded so that the exported functions can bind
/// data, lay out parameters and name them.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "manychains/model/constraints.hpp"

namespace manychains::model {

/// Where a bound model's arrays are on the device: the data values (bound_model::value_storage)
/// copied whole to `device_values`, the int arrays (bound_model::int_storage) one after another
/// from `device_ints`. Maps an array field's host pointer to its device copy.
struct data_relocation {
  const double* host_values;
  const double* device_values;
  const std::vector<std::vector<int>>* host_ints;
  const int* device_ints;

  const double* operator()(const double* p) const { return device_values + (p - host_values); }
  const int* operator()(const int* p) const {
    std::size_t offset = 0;
    for (const auto& v : *host_ints) {
      if (p == v.data()) return device_ints + offset;
      offset += v.size();
    }
    return nullptr;  // not a bound array: nothing on the device to point at
  }
};

/// One data field: its name, whether it holds integers, its dimensions (a literal or the name of
/// an int scalar field), how to store n values into a data struct, and (arrays only) how to
/// point a copy of the struct at the device's copies of its arrays.
template <class Data>
struct data_field {
  std::string name;
  bool integer = false;
  std::vector<std::string> dims;  ///< empty for a scalar
  std::function<void(Data&, const double*, std::size_t, std::vector<std::vector<int>>&)> store;
  std::function<void(Data&, const data_relocation&)> relocate;  ///< empty for a scalar
};

/// A parameter's own start region on the unconstrained scale (overrides declaration::start).
struct start_region {
  double center = 0, radius = 0;
};
inline start_region start(double center, double radius) { return {center, radius}; }

struct param_decl {
  std::string name;
  std::vector<std::string> dims;
  constraint c;
  bool has_start = false;
  start_region region;
};

template <class Data>
class declaration {
 public:
  void data(const std::string& name, int Data::*m) {
    fields_.push_back({name, true, {}, [m](Data& d, const double* v, std::size_t, auto&) { d.*m = int(v[0]); }, {}});
  }
  void data(const std::string& name, double Data::*m) {
    fields_.push_back({name, false, {}, [m](Data& d, const double* v, std::size_t, auto&) { d.*m = v[0]; }, {}});
  }
  template <class... Dims>
  void data(const std::string& name, const double* Data::*m, Dims... dims) {
    fields_.push_back({name, false, {dim_text(dims)...},
                       [m](Data& d, const double* v, std::size_t, auto&) { d.*m = v; },
                       [m](Data& d, const data_relocation& r) { d.*m = r(d.*m); }});
  }
  template <class... Dims>
  void data(const std::string& name, const int* Data::*m, Dims... dims) {
    fields_.push_back({name, true, {dim_text(dims)...},
                       [m](Data& d, const double* v, std::size_t n, std::vector<std::vector<int>>& ints) {
                         ints.emplace_back(v, v + n);
                         d.*m = ints.back().data();
                       },
                       [m](Data& d, const data_relocation& r) { d.*m = r(d.*m); }});
  }
  /// A parameter: param("mu"), param("tau", positive()), param("theta", "J"), param("p", 3, simplex()),
  /// param("alpha", start(15.6, 2)) (its own start region).
  template <class... Args>
  void param(const std::string& name, Args... args) {
    param_decl p{name, {}, {}, false, {}};
    (add(p, args), ...);
    params_.push_back(std::move(p));
  }
  /// Chains start at center + radius · U(−1, 1) on the unconstrained scale (Stan: 0 and 2).
  void start(double center, double radius) {
    start_center_ = center;
    start_radius_ = radius;
  }

  const std::vector<data_field<Data>>& fields() const { return fields_; }
  const std::vector<param_decl>& params() const { return params_; }
  double start_center() const { return start_center_; }
  double start_radius() const { return start_radius_; }

 private:
  static std::string dim_text(const char* s) { return s; }
  static std::string dim_text(const std::string& s) { return s; }
  static std::string dim_text(int n) { return std::to_string(n); }
  static void add(param_decl& p, constraint c) { p.c = c; }
  static void add(param_decl& p, start_region r) {
    p.has_start = true;
    p.region = r;
  }
  static void add(param_decl& p, const char* dim) { p.dims.push_back(dim); }
  static void add(param_decl& p, int dim) { p.dims.push_back(std::to_string(dim)); }

  std::vector<data_field<Data>> fields_;
  std::vector<param_decl> params_;
  double start_center_ = 0, start_radius_ = 2;
};

}  // namespace manychains::model
