/// \file commands.hpp
/// Each subcommand registers itself on the CLI11 app; main() lists them.
#pragma once

#include <CLI/CLI.hpp>

namespace manychains::cli {

/// The process exit status a command asks for (130 after an interrupted run that saved its work).
int& exit_status();

void register_sample(CLI::App& app);
void register_diagnose(CLI::App& app);
void register_em(CLI::App& app);
void register_em_predict(CLI::App& app);
void register_converge(CLI::App& app);
void register_ensemble(CLI::App& app);

}  // namespace manychains::cli
