/// \file error.hpp
/// Error types thrown by host code. Kernels never throw: they count and report.
#pragma once

#include <stdexcept>
#include <string>

namespace manychains {

/// Base of every error manychains throws; the message is meant for the user.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad user input: an option, a spec string, a malformed or inconsistent file.
class input_error : public error {
 public:
  using error::error;
};

/// A device could not be used (none present, CPU-only build, CUDA failure).
class device_error : public error {
 public:
  using error::error;
};

/// `--device cuda` asked of a build or machine without a usable CUDA device: a usage error,
/// unlike a device that fails during a run.
class device_unavailable : public device_error {
 public:
  using device_error::device_error;
};

/// The machine lacks what a run needs: memory, disk space.
class resource_error : public error {
 public:
  using error::error;
};

/// A run that failed on its own numbers: positions, movements or spreads that left the finite
/// range (a diverged SVGD or ensemble). Nothing of it is written.
class diverged_error : public error {
 public:
  using error::error;
};

/// The requested sizes do not fit in memory.
class memory_error : public resource_error {
 public:
  using resource_error::resource_error;
};

/// A library's exception text without its internal tag: nlohmann's "[json.exception.parse_error.101]
/// parse error at line 1, column 1: ..." becomes "parse error at line 1, column 1: ...".
inline std::string plain_reason(const std::exception& e) {
  std::string s = e.what();
  if (!s.empty() && s[0] == '[') {
    const auto close = s.find("] ");
    if (close != std::string::npos) s.erase(0, close + 2);
  }
  return s;
}

}  // namespace manychains

/// Checks a precondition in host code; throws input_error with the given message when false.
#define MC_EXPECTS(cond, msg)                                  \
  do {                                                         \
    if (!(cond)) throw ::manychains::input_error(msg);         \
  } while (0)
