/// \file atomic_file.hpp
/// Files are written whole or not at all: to a temporary name in the same folder, flushed, then
/// renamed over the target (rename is atomic within one file system).
#pragma once

#include <string>

namespace manychains {

/// Writes `contents` to `path` atomically; throws resource_error when the disk is full (or the
/// file too large for it) and manychains::error on other failures.
void write_file_atomically(const std::string& path, const std::string& contents);

/// Throws the error write_file_atomically() throws for `errno_value` ("cannot write PATH: reason").
[[noreturn]] void throw_write_error(const std::string& path, int errno_value);

/// Creates the folder (and its parents) if needed; throws input_error when it cannot.
void ensure_directory(const std::string& path);

}  // namespace manychains
