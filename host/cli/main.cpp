// manychains: many-chain MCMC on GPUs and CPUs.
#include <cxxabi.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <streambuf>
#include <typeinfo>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/terminal.hpp"
#include "manychains/devices.hpp"
#include "manychains/error.hpp"
#include "manychains/process_group.hpp"
#include "mpi/collectively.hpp"

#ifndef MANYCHAINS_VERSION
#define MANYCHAINS_VERSION "unknown"
#endif
#ifndef MANYCHAINS_BUILD_TYPE
#define MANYCHAINS_BUILD_TYPE "unknown"
#endif

int& manychains::cli::exit_status() {
  static int status = 0;
  return status;
}

namespace {

using namespace manychains::cli;

/// `manychains --version`: version, build type, CUDA on/off and the GPU this process sees.
std::string version_text() {
  std::string gpu = "none (CPU-only build)";
  if (manychains::cuda_enabled) {
    std::string reason;
    gpu = manychains::cuda_usable(&reason) ? manychains::cuda_device_name() : "none (" + reason + ")";
  }
  const char* cuda = manychains::cuda_enabled ? "on" : "off";
  return fmt::format("manychains {}\nbuild type: {}\nCUDA: {}\nGPU: {}", MANYCHAINS_VERSION, MANYCHAINS_BUILD_TYPE,
                     cuda, gpu);
}

/// A message as one line: newlines become "; " (CLI11 and a few messages use several lines).
std::string one_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (std::size_t at; (at = s.find('\n')) != std::string::npos;) s.replace(at, 1, "; ");
  return s;
}

std::string type_name(const std::exception& e) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status),
                                               std::free);
  return status == 0 && name ? name.get() : typeid(e).name();
}

/// Under mpirun an error every rank agreed on (failure_agreed) is printed once, by rank 0; one
/// only this rank met ends every rank (the others may be waiting for it in a collective).
int report(const std::string& message, int code) {
  manychains::process_group& group = manychains::world();
  if (group.size() > 1 && !manychains::failure_agreed()) {
    std::cerr << "error: rank " << group.rank() << ": " << message << '\n';
    group.abort(code);
  }
  if (group.rank() == 0) std::cerr << "error: " << message << '\n';
  return code;
}

/// std::cout's buffer: writes to file descriptor 1 with write(2) and keeps the first error, so
/// that results lost to a full disk or a closed pipe are reported as such.
class stdout_buffer : public std::streambuf {
 public:
  stdout_buffer() { setp(buffer_, buffer_ + sizeof buffer_); }
  int error() const { return error_; }

 protected:
  int overflow(int c) override {
    if (!drain()) return traits_type::eof();
    if (c != traits_type::eof()) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    for (const char* p = pbase(); p < pptr() && error_ == 0;) {
      const ssize_t n = ::write(STDOUT_FILENO, p, std::size_t(pptr() - p));
      if (n >= 0) p += n;
      else if (errno != EINTR) error_ = errno;
    }
    setp(buffer_, buffer_ + sizeof buffer_);
    return error_ == 0;
  }
  char buffer_[1 << 16];
  int error_ = 0;
};

stdout_buffer& results_buffer() {
  static stdout_buffer* buffer = new stdout_buffer;  // never destroyed: std::cout may flush at exit
  return *buffer;
}

/// Results printed on stdout must have reached it: `> /dev/full` is a failure, not a success.
int check_stdout(int status) {
  std::cout.flush();
  const int e = results_buffer().error();
  if (e == 0 && std::cout.good()) return status;
  return report("cannot write the results to standard output: " + std::string(e ? std::strerror(e) : "write error"),
                e == ENOSPC || e == EDQUOT ? exit_no_resources : exit_failed);
}

}  // namespace

int main(int argc, char** argv) {
  manychains::cli::install_signal_cleanup();
  const int ranks = manychains::world().size();  // under mpirun: MPI starts here
  manychains::failure_agreed() = true;  // until a command runs, every rank sees the same arguments
  std::cout.rdbuf(&results_buffer());
  CLI::App app{"manychains: thousands of Markov chains at once, on NVIDIA GPUs or the CPU"};
  app.set_version_flag("--version", version_text, "Print the version, build type, CUDA on/off and the GPU seen");
  app.require_subcommand(1);
  manychains::cli::register_sample(app);
  manychains::cli::register_diagnose(app);
  manychains::cli::register_em(app);
  manychains::cli::register_em_predict(app);
  manychains::cli::register_converge(app);
  manychains::cli::register_ensemble(app);
  manychains::cli::register_vb(app);
  const std::string subcommands = "sample, diagnose, em, em-predict, converge, ensemble or vb";
  if (argc <= 1) {
    std::cerr << app.help();
    return report("give a subcommand: " + subcommands, exit_bad_input);
  }
  const auto known = [&](const std::string& name) {
    for (const CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == name) return true;
    return false;
  };
  if (argv[1][0] != '-' && !known(argv[1]))
    return report("unknown subcommand '" + one_line(argv[1]).substr(0, 40) + "'; give one of " + subcommands,
                  exit_bad_input);
  const auto splits = [](const std::string& name) {  // the commands that run split over ranks (docs/mpi.md)
    for (const char* s : {"sample", "diagnose", "em", "converge", "ensemble"})
      if (name == s) return true;
    return false;
  };
  if (ranks > 1 && argv[1][0] != '-' && !splits(argv[1]))
    return report(std::string(argv[1]) + " does not run over several processes yet; run it without mpirun "
                      "(sample, diagnose, em, converge and ensemble do)", exit_bad_input);
  int status = exit_ok;
  try {
    app.parse(argc, argv);  // a command sets failure_agreed() to false where ranks may differ
    status = manychains::cli::exit_status();
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return check_stdout(app.exit(e));  // --help, --version
    return report(one_line(e.what()) + " (see --help)", exit_bad_input);
  } catch (const manychains::device_unavailable& e) {
    return report(one_line(e.what()), exit_bad_input);
  } catch (const manychains::input_error& e) {
    return report(one_line(e.what()), exit_bad_input);
  } catch (const manychains::resource_error& e) {
    return report(one_line(e.what()), exit_no_resources);
  } catch (const manychains::error& e) {
    return report(one_line(e.what()), exit_failed);
  } catch (const std::bad_alloc&) {
    return report("out of memory; use fewer chains, draws or parameters (or a larger --thin)", exit_no_resources);
  } catch (const std::length_error&) {
    return report("an array larger than this machine can hold was requested; use fewer chains, draws or parameters",
                  exit_no_resources);
  } catch (const std::exception& e) {
    return report("internal error (" + type_name(e) + "); the run did not finish. Please report the command line",
                  exit_failed);
  }
  return check_stdout(status);
}
