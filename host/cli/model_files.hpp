/// \file model_files.hpp
/// `--model FILE --data FILE` (docs/models.md) for sample, ensemble and converge: the two options,
/// the model compiled (or found in the cache) and loaded, its draws mapped to the constrained
/// scale, and, for ensemble and converge, what they run: a built-in target or a model file. A
/// model moves on its unconstrained scale and is reported on the constrained one; in ensemble and
/// converge it runs on the CPU (the GPU's model engine serves sample only).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/ensemble/backends.hpp"
#include "manychains/targets.hpp"
#include "model/model_library.hpp"

namespace manychains::cli {

/// Adds `--model` and `--data` (both existing files) to a subcommand.
void add_model_options(CLI::App* cmd, std::string& model, std::string& data);

/// A compiled model file, loaded and bound to its data.
struct model_file {
  std::string shared_object;  ///< where the compiled host part is (the device part is cached beside it)
  std::unique_ptr<loaded_model> model;
};

/// Compiles `model` (or takes it from the cache; a compile says so unless `quiet`) and loads it
/// bound to `data`. Throws input_error when --data is missing or --target was given as well.
model_file load_model_file(const std::string& model, const std::string& data, bool target_given, bool quiet);

/// `count` unconstrained points (rows of model.dim()) mapped to the constrained scale, into `out`
/// (rows of model.constrained_dim()).
template <class T>
void constrain_draws(const loaded_model& model, const T* in, std::size_t count, T* out) {
  std::vector<double> x(model.dim()), y(model.constrained_dim());
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < x.size(); ++j) x[j] = static_cast<double>(in[i * x.size() + j]);
    model.constrain(x.data(), y.data());
    for (std::size_t j = 0; j < y.size(); ++j) out[i * y.size() + j] = static_cast<T>(y[j]);
  }
}

/// What `ensemble` and `converge` run: a built-in target (--target) or a model file (--model).
class target_or_model {
 public:
  /// A built-in target: its declared dimension checked first, then made. A model run's spec
  /// ("model:FILE", read back by converge --from-run) asks for --model instead.
  explicit target_or_model(const std::string& target_spec);
  explicit target_or_model(std::unique_ptr<loaded_model> model);

  /// The built-in target, or null for a model file.
  const any_target* target() const { return target_.get(); }
  /// The scale the chains move on (a model's unconstrained one), and the one reported.
  const target_info& info() const;
  const target_info& shown() const;

  /// The device `command` runs on. A model file runs on the CPU: --device cuda is refused (exit
  /// 2), and auto says so in a note where a GPU was there to use.
  device_choice device(const std::string& device, const std::string& command, bool quiet) const;

  template <class T>
  std::unique_ptr<stretch_backend<T>> make_stretch(device_choice choice, stretch_shape shape, T a,
                                                   std::uint64_t seed) const {
    return model_ ? model_->make_cpu_stretch_backend<T>(shape, a, seed)
                  : make_stretch_backend<T>(choice, *target_, shape, a, seed);
  }
  template <class T>
  std::unique_ptr<svgd_backend<T>> make_svgd(device_choice choice) const {
    return model_ ? model_->make_cpu_svgd_backend<T>() : make_svgd_backend<T>(choice, *target_);
  }
  /// `s` with its defaults filled from the target (resolve_coupling_settings).
  coupling_settings resolve(const coupling_settings& s) const;
  template <class T>
  coupling_result couple(device_choice choice, const coupling_settings& s) const {
    return model_ ? model_->run_cpu_coupling<T>(s) : run_coupling<T>(choice, *target_, s);
  }

  /// Points (rows of info().dim) replaced by their constrained values (rows of shown().dim).
  template <class T>
  void constrain(std::vector<T>& points) const {
    if (!model_) return;
    std::vector<T> out(points.size() / model_->dim() * model_->constrained_dim());
    constrain_draws(*model_, points.data(), points.size() / model_->dim(), out.data());
    points = std::move(out);
  }

 private:
  std::unique_ptr<any_target> target_;
  std::unique_ptr<loaded_model> model_;
};

}  // namespace manychains::cli
