/// \file commands.hpp
/// Each subcommand registers itself on the CLI11 app; main() lists them.
#pragma once

#include <CLI/CLI.hpp>

namespace manychains::cli {

/// `--device auto|cpu|cuda`, the same on every subcommand.
inline CLI::Option* add_device_option(CLI::App* cmd, std::string& device) {
  return cmd->add_option("--device", device, "auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
}

/// `--precision float|double`, the same on every subcommand.
inline CLI::Option* add_precision_option(CLI::App* cmd, std::string& precision) {
  return cmd->add_option("--precision", precision, "float or double")
      ->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
}

/// The process exit status a command asks for (130 after an interrupted run that saved its work).
int& exit_status();

void register_sample(CLI::App& app);
void register_diagnose(CLI::App& app);
void register_em(CLI::App& app);
void register_em_predict(CLI::App& app);
void register_converge(CLI::App& app);
void register_ensemble(CLI::App& app);
void register_vb(CLI::App& app);

}  // namespace manychains::cli
