/// \file terminal.hpp
/// What long runs show and how they stop: a progress bar on stderr, and Ctrl-C handling that
/// lets the run finish its current batch of steps and write what it has.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

namespace manychains::cli {

/// Every signal that ends the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, ...) first
/// removes the temporary files being written (temp_files.hpp), then exits with 128 + signal.
/// main() installs this before any command runs.
void install_signal_cleanup();

/// Set by the first SIGINT, SIGTERM or SIGHUP once install_interrupt_handler() has run: a long
/// run then stops within about a second and saves what it has (exit 130); the handler says so at
/// once on stderr. A second signal removes the temporary files and ends the process.
std::atomic<bool>& interrupt_flag();
void install_interrupt_handler();

/// A one-line progress bar on stderr (when it is a terminal), shown once a run has taken more
/// than a second.
class progress_bar {
 public:
  progress_bar(std::string label, bool quiet);
  ~progress_bar();
  void update(std::size_t done, std::size_t total);
  void finish();

 private:
  std::string label_;
  bool quiet_, shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace manychains::cli
