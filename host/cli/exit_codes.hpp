/// \file exit_codes.hpp
/// The one exit-code table of every subcommand (README.md, "Exit codes").
#pragma once

namespace manychains::cli {

enum exit_code : int {
  exit_ok = 0,           ///< the command did what was asked
  exit_failed = 1,       ///< the run failed (a device error, a file that could not be written)
  exit_bad_input = 2,    ///< bad input or usage: an option, a spec, a file's contents
  exit_no_resources = 3, ///< out of memory, disk space or another resource
  exit_interrupted = 130 ///< stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP after saving what was done
};

}  // namespace manychains::cli
