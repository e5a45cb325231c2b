#include "manychains/io/npy_mapped.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>

#include "manychains/checked.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/io/temp_files.hpp"
#include "manychains/resources.hpp"

namespace manychains {
namespace {

constexpr std::size_t header_bytes = 256;  // fixed, so the shape can change without moving data

std::size_t count_of(const std::vector<std::size_t>& shape) {
  const auto n = checked_product(shape);
  MC_EXPECTS(n && checked_mul(*n, 8), "npy_mapped_file: the shape has more elements than any file can hold");
  return *n;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw_write_error(path + " (" + what + ")", errno);
}

}  // namespace

template <class T>
npy_mapped_file<T>::npy_mapped_file(std::string path, std::vector<std::size_t> shape, const std::atomic<bool>* stop)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())), shape_(std::move(shape)) {
  map_bytes_ = saturating_add(header_bytes, saturating_mul(count_of(shape_), sizeof(T)));
  const std::string dir = path_.find('/') == std::string::npos ? "." : path_.substr(0, path_.rfind('/'));
  require_disk("the draws", map_bytes_, dir, "use fewer chains or draws, or --thin");
  slot_ = register_temp_file(tmp_);  // a signal from here on removes it
  fd_ = ::open(tmp_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd_ < 0) {
    unregister_temp_file(slot_);
    fail("open", path_);
  }
  if (::ftruncate(fd_, static_cast<off_t>(map_bytes_)) != 0) {
    const int e = errno;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    unregister_temp_file(slot_);
    errno = e;
    fail("size", path_);
  }
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (map_ == MAP_FAILED) {
    const int e = errno;
    map_ = nullptr;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    unregister_temp_file(slot_);
    errno = e;
    fail("map", path_);
  }
  data_ = reinterpret_cast<T*>(static_cast<char*>(map_) + header_bytes);
  // Mapping the pages up front costs far less than one fault per page while sampling; a file
  // too large for memory is left to fault in (and out) as it is written. It goes in 64 MiB
  // slices, so that a stop request is seen between them (one call for gigabytes takes seconds
  // and cannot be interrupted); a kernel without MADV_POPULATE_WRITE (before 5.14) faults lazily.
  if (map_bytes_ < physical_memory_bytes() / 4) {
    constexpr std::size_t slice = std::size_t(64) << 20;
    for (std::size_t at = 0; at < map_bytes_ && !(stop && stop->load()); at += slice)
      if (::madvise(static_cast<char*>(map_) + at, std::min(slice, map_bytes_ - at), MADV_POPULATE_WRITE) != 0) break;
  }
}

template <class T>
void npy_mapped_file<T>::commit(const std::vector<std::size_t>& final_shape) {
  finish(final_shape);
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp_.c_str());
    fail("rename", path_);
  }
}

template <class T>
std::string npy_mapped_file<T>::finish(const std::vector<std::size_t>& final_shape) {
  MC_EXPECTS(count_of(final_shape) <= count_of(shape_), "npy_mapped_file: the final shape is larger than the file");
  const std::string header = npy_header<T>(final_shape, header_bytes);
  std::memcpy(map_, header.data(), header_bytes);
  const std::size_t bytes = header_bytes + count_of(final_shape) * sizeof(T);
  if (::msync(map_, map_bytes_, MS_SYNC) != 0) fail("flush", path_);
  ::munmap(map_, map_bytes_);
  map_ = nullptr;
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0 || ::fsync(fd_) != 0) fail("flush", path_);
  ::close(fd_);
  fd_ = -1;
  committed_ = true;
  // Still registered: a signal before the caller renames the file away removes it.
  return tmp_;
}

template <class T>
npy_mapped_file<T>::~npy_mapped_file() {
  if (map_) ::munmap(map_, map_bytes_);
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
  unregister_temp_file(slot_);
}

template class npy_mapped_file<float>;
template class npy_mapped_file<double>;

}  // namespace manychains
