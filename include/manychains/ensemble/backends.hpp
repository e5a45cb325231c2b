/// \file backends.hpp
/// The interfaces between the ensemble runners (host/ensemble) and a backend that does the
/// per-walker or per-particle work: the CPU (OpenMP over walkers / target particles) and CUDA
/// (kernels/stretch.cu, kernels/svgd.cu) implement them over the same host-device functions in
/// stretch.hpp and svgd.hpp. Only pointwise targets are supported; the batched logistic target is
/// refused with an input_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "manychains/devices.hpp"
#include "manychains/error.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// Shape of a stretch-move run: `ensembles` independent ensembles of `walkers` walkers each.
struct stretch_shape {
  std::size_t ensembles = 1, walkers = 32, dim = 0;
  /// Global index of the first ensemble: walker g here moves with stream first_walker() + g (a
  /// process running some of a run's ensembles, under mpirun).
  std::size_t first_ensemble = 0;
  std::size_t total() const { return ensembles * walkers; }
  std::uint64_t first_walker() const { return static_cast<std::uint64_t>(first_ensemble) * walkers; }
};

template <class T>
class stretch_backend {
 public:
  virtual ~stretch_backend() = default;
  virtual std::string device_name() const = 0;
  /// The target's dimension (run_stretch checks the target_info against it).
  virtual std::size_t dim() const = 0;
  /// Log-densities at positions (total walkers × dim, walker-major); used to screen starts.
  virtual std::vector<T> logdensity(const std::vector<T>& positions) = 0;
  /// Sets the positions (walker-major) and caches their log-densities.
  virtual void initialize(const std::vector<T>& positions) = 0;
  /// Runs steps first_step, …, first_step + steps - 1. After step s (0-based within the call), when
  /// `draws` is not null, writes every walker's position to draws[(g · draws_per_walker +
  /// first_draw + s) · dim + j]. Adds each walker's accepted moves to accepted[g].
  virtual void run(std::uint64_t first_step, std::size_t steps, T* draws, std::size_t draws_per_walker,
                   std::size_t first_draw, std::vector<std::uint64_t>& accepted) = 0;
  /// Current positions, walker-major.
  virtual std::vector<T> positions() = 0;
};

/// A CPU stretch backend; throws input_error for the batched logistic target.
template <class T>
std::unique_ptr<stretch_backend<T>> make_cpu_stretch_backend(const any_target& target, stretch_shape shape, T a,
                                                             std::uint64_t seed);

template <class T>
class svgd_backend {
 public:
  virtual ~svgd_backend() = default;
  virtual std::string device_name() const = 0;
  /// The target's dimension (run_svgd checks the target_info against it).
  virtual std::size_t dim() const = 0;
  /// Log-densities (and, internally, scores) at positions (n × dim, particle-major).
  virtual std::vector<T> logdensity(const std::vector<T>& positions) = 0;
  /// The SVGD direction φ at `positions` (n × dim) with kernel exp(-|x - y|²/h), into `phi`
  /// (n × dim). When `ksd2` is not null, also the squared kernel Stein discrepancy.
  virtual void direction(const std::vector<T>& positions, T h, std::vector<T>& phi, double* ksd2) = 0;
};

/// A CPU SVGD backend: OpenMP over blocks of target particles, source particles in tiles that
/// stay in cache. Throws input_error for the batched logistic target.
template <class T>
std::unique_ptr<svgd_backend<T>> make_cpu_svgd_backend(const any_target& target);

/// CUDA backends (kernels/stretch.cu, kernels/svgd.cu); throw device_error on CUDA failures and
/// in a build without CUDA.
template <class T>
std::unique_ptr<stretch_backend<T>> make_cuda_stretch_backend(const any_target& target, stretch_shape shape, T a,
                                                              std::uint64_t seed);
template <class T>
std::unique_ptr<svgd_backend<T>> make_cuda_svgd_backend(const any_target& target);

/// The backend for the device choice: `auto` takes a usable GPU, else the CPU; `cuda` without
/// one is refused with the reason (device_error).
template <class T>
std::unique_ptr<stretch_backend<T>> make_stretch_backend(device_choice choice, const any_target& target,
                                                         stretch_shape shape, T a, std::uint64_t seed);
template <class T>
std::unique_ptr<svgd_backend<T>> make_svgd_backend(device_choice choice, const any_target& target);

/// Throws input_error unless a target of `target_dim` dimensions fits an ensemble of `shape_dim`.
inline void check_ensemble_dim(std::size_t target_dim, std::size_t shape_dim) {
  if (target_dim != shape_dim)
    throw input_error("stretch: the target has " + std::to_string(target_dim) + " dimensions but the ensemble " +
                      std::to_string(shape_dim) + " (stretch_shape_for's dim, from target_info.dim)");
}

/// The message for targets the ensemble methods do not support (the batched logistic target).
inline const char* ensemble_unsupported_target_message() {
  return "ensemble: the batched logistic target is not supported by ensemble yet; use a pointwise target "
         "(gaussian, mixture, funnel, rosenbrock, oring)";
}

}  // namespace manychains
