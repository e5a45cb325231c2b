// Helpers shared by the tests: running the CLI, temporary folders, per-chain Monte Carlo errors,
// a forwarding target functor.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <thread>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace manychains::testing {

struct command_result {
  int exit_code;
  std::string output;  ///< stdout and stderr together
};

inline command_result run_command(const std::string& command) {
  command_result r{0, {}};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline std::string cli() { return MANYCHAINS_CLI; }

/// Runs `command` (output discarded), sends it SIGINT after `wait`, and returns its exit status
/// (-1 if it did not exit normally): what Ctrl-C does to a long run.
inline int interrupt_after(const std::string& command, std::chrono::milliseconds wait) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + command + " > /dev/null 2>&1").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(wait);
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("manychains-test-" + name + "-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// The mean over chains of a per-chain statistic and its Monte Carlo standard error. The chains
/// are independent, so the per-chain values are i.i.d. and the error is their sd / sqrt(chains).
struct estimate {
  double value, mcse;
};
inline estimate across_chains(const std::vector<double>& per_chain) {
  const double n = static_cast<double>(per_chain.size());
  double mean = 0, ss = 0;
  for (double v : per_chain) mean += v / n;
  for (double v : per_chain) ss += (v - mean) * (v - mean);
  return {mean, std::sqrt(ss / (n - 1) / n)};
}

/// Per-chain averages of f(draw j of parameter p) over draws (chains, draws, dim).
template <class T, class F>
std::vector<double> per_chain_average(const std::vector<T>& draws, std::size_t chains, std::size_t n_draws,
                                      std::size_t dim, std::size_t p, F f) {
  std::vector<double> out(chains, 0.0);
  for (std::size_t c = 0; c < chains; ++c) {
    for (std::size_t t = 0; t < n_draws; ++t) out[c] += f(static_cast<double>(draws[(c * n_draws + t) * dim + p]));
    out[c] /= static_cast<double>(n_draws);
  }
  return out;
}

/// A user-style target functor that only forwards to a built-in target's ref: the `_for`
/// factories given it must move exactly as the built-in target does.
template <class Ref>
struct forwarding_target {
  Ref inner;
  std::size_t dim() const { return inner.dim(); }
  template <class X, class G>
  auto logdensity_grad(X x, G grad) const {
    return inner.logdensity_grad(x, grad);
  }
};

}  // namespace manychains::testing
