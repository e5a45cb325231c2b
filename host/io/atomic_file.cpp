#include "manychains/io/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "manychains/error.hpp"
#include "manychains/io/temp_files.hpp"

namespace manychains {

[[noreturn]] void throw_write_error(const std::string& path, int errno_value) {
  const std::string message = "cannot write " + path + ": " + std::strerror(errno_value);
  if (errno_value == ENOSPC || errno_value == EDQUOT || errno_value == EFBIG) throw resource_error(message);
  throw error(message);
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int slot = register_temp_file(tmp);  // a signal from here on removes it
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    const int e = errno;
    unregister_temp_file(slot);
    throw_write_error(path, e);
  }
  const bool written = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  const bool flushed = written && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int e = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !flushed || !closed) {
    const int reason = (!written || !flushed) ? e : errno;
    std::remove(tmp.c_str());
    unregister_temp_file(slot);
    throw_write_error(path, reason);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int reason = errno;
    std::remove(tmp.c_str());
    unregister_temp_file(slot);
    throw_write_error(path, reason);
  }
  unregister_temp_file(slot);
}

void ensure_directory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec || !std::filesystem::is_directory(path))
    throw input_error("cannot create output folder " + path + ": " + ec.message());
}

}  // namespace manychains
