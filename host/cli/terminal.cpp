#include "cli/terminal.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace manychains::cli {

std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
extern "C" void on_interrupt(int signal) {
  if (interrupt_flag().load()) std::_Exit(128 + signal);
  interrupt_flag().store(true);
}
}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
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
