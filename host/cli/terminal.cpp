#include "cli/terminal.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "manychains/io/temp_files.hpp"

namespace manychains::cli {

std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {

/// Signals that end the process: each removes the temporary files first.
constexpr int ending_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU};
/// Of those, the ones a long run treats as "stop and save" the first time.
constexpr int stopping_signals[] = {SIGINT, SIGTERM, SIGHUP};

void say(const char* text) {
  // write(2) is async-signal-safe; stdio is not.
  const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

extern "C" void on_ending_signal(int signal) {
  remove_temp_files();
  ::_exit(128 + signal);
}

extern "C" void on_stopping_signal(int signal) {
  if (interrupt_flag().load()) {
    say("\nmanychains: interrupted again; quitting without saving\n");
    on_ending_signal(signal);
  }
  interrupt_flag().store(true);
  say("\nmanychains: interrupted; stopping now and saving what is done (interrupt again to quit without saving)\n");
}

void handle(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(signal, &action, nullptr);
}

/// SIGHUP ignored by the parent (nohup) stays ignored; the others are always handled, so that
/// `kill -INT` reaches a run started in the background too.
bool left_ignored(int signal) {
  struct sigaction old {};
  return signal == SIGHUP && ::sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN;
}

}  // namespace

void install_signal_cleanup() {
  // A file-size limit (SIGXFSZ) is a full disk like any other: ignored, the write fails with EFBIG
  // and the writer reports it in one line, leaving the previous run whole.
  ::signal(SIGXFSZ, SIG_IGN);
  for (int s : ending_signals)
    if (!left_ignored(s)) handle(s, on_ending_signal);
}

void install_interrupt_handler() {
  for (int s : stopping_signals)
    if (!left_ignored(s)) handle(s, on_stopping_signal);
}

progress_bar::progress_bar(std::string label, bool quiet)
    : label_(std::move(label)), quiet_(quiet || !::isatty(::fileno(stderr))), start_(std::chrono::steady_clock::now()), last_(start_) {}

progress_bar::~progress_bar() { finish(); }

void progress_bar::update(std::size_t done, std::size_t total) {
  if (quiet_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 1.0 || (shown_ && now - last_ < std::chrono::milliseconds(100) && done < total)) return;
  last_ = now;
  shown_ = true;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const int width = 30, filled = static_cast<int>(fraction * width);
  const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "\r%s [%s%s] %3.0f%% %zu/%zu  %.1f s, ~%.0f s left  ", label_.c_str(),
               std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(), 100 * fraction, done,
               total, elapsed, eta);
  std::fflush(stderr);
}

void progress_bar::finish() {
  if (shown_) std::fprintf(stderr, "\n");
  shown_ = false;
}

}  // namespace manychains::cli
