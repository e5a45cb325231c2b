/// \file model_library.hpp
/// A model file (docs/models.md) compiled with the system C++ compiler into a cached shared
/// object, loaded, bound to its data, and served as a pointwise target for the CPU engine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/engine.hpp"
#include "manychains/ensemble/backends.hpp"
#include "manychains/model/device_model.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// How a model is compiled. The cache key hashes the model file, the compiler and its version,
/// the flags, the manychains version and the model headers' text.
struct model_build_options {
  std::string compiler;       ///< empty: $CXX, else c++
  std::string include_dir;    ///< manychains' headers; empty: found next to the program or in the source tree
  std::string cache_dir;      ///< empty: $MANYCHAINS_CACHE_DIR, $XDG_CACHE_HOME/manychains, ~/.cache/manychains
  std::string version = "unknown";
};

/// Where a model's shared object is, and whether this call compiled it.
struct model_build {
  std::string shared_object;
  bool compiled = false;   ///< false: taken from the cache
  double seconds = 0;      ///< compile time (0 when cached)
};

/// Compiles `model_file` (or finds it in the cache). A compile error throws input_error with the
/// compiler's first error line (file:line: error: …) and the path of the full log.
model_build build_model(const std::string& model_file, const model_build_options& options);

/// The manychains include directory the model compiler uses: $MANYCHAINS_INCLUDE_DIR, the
/// installed include/ next to the program's bin/, or the source tree's (build tree runs).
std::string find_model_include_dir();

/// A declared data field or parameter, as the shared object reports it.
struct model_field {
  std::string name;
  bool integer = false;
  std::vector<std::string> dims;
};

namespace model_detail {
template <class T>
struct shared_object_target;  // the shared object's functions as a pointwise target (loaded_model.cpp)
}

/// A loaded model bound to its data.
class loaded_model {
 public:
  /// dlopens `shared_object`, checks `data_json_file` against the declared fields (one line per
  /// problem: missing, extra, misshapen, non-integer) and binds it. `model_name` names the model in
  /// messages and target_info::spec.
  loaded_model(const std::string& shared_object, const std::string& data_json_file, const std::string& model_name);
  ~loaded_model();
  loaded_model(const loaded_model&) = delete;
  loaded_model& operator=(const loaded_model&) = delete;

  /// The unconstrained target (names u.NAME for transformed coordinates) and the constrained names.
  const target_info& info() const { return info_; }
  const target_info& constrained_info() const { return constrained_info_; }
  std::size_t dim() const { return info_.dim; }
  std::size_t constrained_dim() const { return constrained_info_.dim; }

  template <class T>
  std::unique_ptr<chain_engine<T>> make_cpu_engine(chain_range chains, std::uint64_t seed) const;
  /// The CPU backends of `ensemble` and `converge` (cpu_backends.hpp, cpu_coupling.hpp) over the
  /// model, on its unconstrained scale; `settings` are resolved against info().
  template <class T>
  std::unique_ptr<stretch_backend<T>> make_cpu_stretch_backend(stretch_shape shape, T a, std::uint64_t seed) const;
  template <class T>
  std::unique_ptr<svgd_backend<T>> make_cpu_svgd_backend() const;
  template <class T>
  coupling_result run_cpu_coupling(const coupling_settings& settings) const;
  /// The model's device part for the CUDA engine (make_cuda_model_engine): `ptx` (compile_model_ptx)
  /// and the bound data laid out by the shared object. Its data_struct refers to this model.
  device_model device_part(std::string ptx) const;
  /// Constrained values of one unconstrained point.
  void constrain(const double* x, double* y) const;
  /// log π (unconstrained scale, with the log-Jacobian) and its gradient.
  double logdensity_grad(const double* x, double* grad) const;
  float logdensity_grad(const float* x, float* grad) const;

 private:
  template <class T>
  model_detail::shared_object_target<T> host_target() const;
  struct symbols;
  void* handle_ = nullptr;
  void* bound_ = nullptr;
  std::unique_ptr<symbols> fn_;
  std::string name_;
  target_info info_, constrained_info_;
};

template <>
std::unique_ptr<chain_engine<double>> loaded_model::make_cpu_engine<double>(chain_range, std::uint64_t) const;
template <>
std::unique_ptr<chain_engine<float>> loaded_model::make_cpu_engine<float>(chain_range, std::uint64_t) const;

}  // namespace manychains
