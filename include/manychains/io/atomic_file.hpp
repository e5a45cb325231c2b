/// \file atomic_file.hpp
/// Files are written whole or not at all: to a temporary name in the same folder, flushed, then
/// renamed over the target (rename is atomic within one file system).
#pragma once

#include <string>

namespace manychains {

/// Writes `contents` to `path` atomically; throws manychains::error on failure.
void write_file_atomically(const std::string& path, const std::string& contents);

/// Creates the folder (and its parents) if needed; throws input_error when it cannot.
void ensure_directory(const std::string& path);

}  // namespace manychains
