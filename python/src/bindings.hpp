/// \file bindings.hpp
/// What the binding files of manychains._core share: numpy arrays in and out, options read from a
/// Python dict, and the run control that lets Ctrl-C and a progress bar reach a run that holds
/// no GIL.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manychains/error.hpp"
#include "manychains/summary.hpp"

namespace manychains::python {

namespace nb = nanobind;

/// A read-only C-contiguous array of doubles on the host (the Python side converts to it).
template <class... Extra>
using host_array = nb::ndarray<const double, nb::c_contig, nb::device::cpu, Extra...>;

/// A numpy array that owns `values` (moved, no copy), shaped `shape`.
template <class T>
nb::object to_numpy(std::vector<T>&& values, const std::vector<std::size_t>& shape) {
  auto* owned = new std::vector<T>(std::move(values));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::cast(nb::ndarray<nb::numpy, T>(owned->data(), shape.size(), shape.data(), owner));
}

/// (count,) flags as a numpy bool array.
nb::object to_numpy_bool(const std::vector<std::uint8_t>& flags, const std::vector<std::size_t>& shape);

/// Reads options the Python wrapper put in a dict; a missing key keeps the fallback.
class options {
 public:
  explicit options(nb::dict d) : d_(std::move(d)) {}
  template <class T>
  T get(const char* key, T fallback) const {
    return d_.contains(key) && !d_[key].is_none() ? nb::cast<T>(d_[key]) : fallback;
  }
  template <class T>
  std::optional<T> optional(const char* key) const {
    if (!d_.contains(key) || d_[key].is_none()) return std::nullopt;
    return nb::cast<T>(d_[key]);
  }

 private:
  nb::dict d_;
};

/// A run's stop flag and progress: the runner (GIL released) calls `operator()` after each batch
/// of steps; at most every 0.1 s it takes the GIL, runs Python's signal handlers
/// (PyErr_CheckSignals: Ctrl-C raises KeyboardInterrupt there) and the progress callable. A
/// KeyboardInterrupt or an exception from the callable sets the stop flag, so that the runner
/// stops at the next whole draw and keeps what is done; `rethrow_if_failed` then raises it.
class run_control {
 public:
  explicit run_control(nb::object progress) : progress_(std::move(progress)) {}
  void operator()(std::size_t done, std::size_t total);
  const std::atomic<bool>* stop_flag() const { return &stop_; }
  /// Whether Ctrl-C stopped the run (the result is then partial).
  bool interrupted() const { return interrupted_; }
  /// Raises the progress callable's exception, if it threw.
  void rethrow_if_failed();

 private:
  nb::object progress_;
  std::atomic<bool> stop_{false};
  bool interrupted_ = false;
  std::unique_ptr<nb::python_error> failure_;
  std::chrono::steady_clock::time_point last_{};
};

/// precision="float" or "double" (the default); throws input_error otherwise.
bool single_precision(const options& o);

/// Summary rows (mean, sd, quantiles, and the diagnostics where computed) as a dict of arrays.
nb::dict summary_dict(const std::vector<parameter_summary>& rows);

void register_errors(nb::module_& m);
void register_sampling(nb::module_& m);
void register_diagnostics(nb::module_& m);
void register_mixture(nb::module_& m);
void register_bayesian_mixture(nb::module_& m);
void register_ensembles(nb::module_& m);

}  // namespace manychains::python
