// `--model FILE --data FILE` shared by sample, ensemble and converge (model_files.hpp).
#include "cli/model_files.hpp"

#include <fmt/format.h>

#include <iostream>

#include "cli/validate.hpp"
#include "manychains/devices.hpp"
#include "manychains/error.hpp"

namespace manychains::cli {

void add_model_options(CLI::App* cmd, std::string& model, std::string& data) {
  cmd->add_option("--model", model,
                  "A model file (a C++ header, docs/models.md), compiled once into a cached shared object; "
                  "instead of --target")
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", data, "The model's data as JSON in CmdStan's format (with --model)")
      ->check(CLI::ExistingFile);
}

model_file load_model_file(const std::string& model, const std::string& data, bool target_given, bool quiet) {
  if (data.empty()) throw input_error("--model needs --data (a JSON file; {} for a model without data)");
  if (target_given) throw input_error("--model and --target are alternatives: give one");
  model_build_options build;
  build.version = MANYCHAINS_VERSION;
  const model_build b = build_model(model, build);
  if (b.compiled && !quiet) std::cerr << fmt::format("compiled {} in {:.1f} s ({})\n", model, b.seconds, b.shared_object);
  return {b.shared_object, std::make_unique<loaded_model>(b.shared_object, data, model)};
}

target_or_model::target_or_model(const std::string& target_spec) {
  if (target_spec.rfind("model:", 0) == 0)
    throw input_error(fmt::format("the target '{}' is a model file: give --model {} --data FILE", target_spec,
                                  target_spec.substr(6)));
  check_declared_dimension(target_spec);
  target_ = std::make_unique<any_target>(make_target(target_spec));
}

target_or_model::target_or_model(std::unique_ptr<loaded_model> model) : model_(std::move(model)) {}

const target_info& target_or_model::info() const { return model_ ? model_->info() : info_of(*target_); }
const target_info& target_or_model::shown() const { return model_ ? model_->constrained_info() : info_of(*target_); }

device_choice target_or_model::device(const std::string& device, const std::string& command, bool quiet) const {
  const device_choice choice = parse_device_choice(device);
  if (!model_ || choice == device_choice::cpu) return choice;
  if (choice == device_choice::cuda)
    throw device_unavailable(fmt::format("--device cuda: model files run on the CPU in {} (sample runs them on the "
                                         "GPU); use --device cpu",
                                         command));
  std::string why;
  if (!quiet && cuda_usable(&why)) std::cerr << "note: model files run on the CPU in " << command << "\n";
  return device_choice::cpu;
}

coupling_settings target_or_model::resolve(const coupling_settings& s) const {
  return model_ ? resolve_coupling_settings(s, model_->info()) : resolve_coupling_settings(s, *target_);
}

}  // namespace manychains::cli
