#include "manychains/io/npy_view.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"

namespace manychains {

npy_view::npy_view(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw input_error("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    throw input_error(path + ": not a .npy file");
  }
  map_bytes_ = static_cast<std::size_t>(st.st_size);
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw input_error("cannot map " + path + ": " + std::strerror(errno));
  }
  ::madvise(map_, map_bytes_, MADV_SEQUENTIAL);
  try {
    // The header's shape and dtype must account for the file's size exactly (parse_npy checks).
    const npy_header_info header = parse_npy(static_cast<const char*>(map_), map_bytes_, path);
    shape_ = header.shape;
    descr_ = header.descr;
    values_ = static_cast<const char*>(map_) + header.data_offset;
  } catch (...) {
    ::munmap(map_, map_bytes_);
    throw;
  }
}

npy_view::~npy_view() {
  if (map_) ::munmap(map_, map_bytes_);
}

template <>
const double* npy_view::data<double>() const {
  if (!is_float64() || reinterpret_cast<std::uintptr_t>(values_) % alignof(double) != 0) return nullptr;
  return reinterpret_cast<const double*>(values_);
}

template <>
const float* npy_view::data<float>() const {
  if (!is_float32() || reinterpret_cast<std::uintptr_t>(values_) % alignof(float) != 0) return nullptr;
  return reinterpret_cast<const float*>(values_);
}

}  // namespace manychains
