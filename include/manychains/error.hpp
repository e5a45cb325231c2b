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

/// The requested sizes do not fit in memory.
class memory_error : public error {
 public:
  using error::error;
};

/// A run that failed on its own numbers: positions, movements or spreads that left the finite
/// range (a diverged SVGD or ensemble). Nothing of it is written.
class diverged_error : public error {
 public:
  using error::error;
};

}  // namespace manychains

/// Checks a precondition in host code; throws input_error with the given message when false.
#define MC_EXPECTS(cond, msg)                                  \
  do {                                                         \
    if (!(cond)) throw ::manychains::input_error(msg);         \
  } while (0)
