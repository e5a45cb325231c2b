#include "manychains/io/npy_mapped.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"

namespace manychains {
namespace {

constexpr std::size_t header_bytes = 256;  // fixed, so the shape can change without moving data

std::size_t count_of(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw error("cannot write " + path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

template <class T>
npy_mapped_file<T>::npy_mapped_file(std::string path, std::vector<std::size_t> shape)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())), shape_(std::move(shape)) {
  map_bytes_ = header_bytes + count_of(shape_) * sizeof(T);
  const std::string dir = path_.find('/') == std::string::npos ? "." : path_.substr(0, path_.rfind('/'));
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0) {
    const double free_bytes = double(fs.f_bavail) * double(fs.f_frsize);
    if (double(map_bytes_) > free_bytes)
      throw memory_error("the draws need " + std::to_string(map_bytes_ >> 20) + " MiB in " + dir + " but only " +
                         std::to_string(static_cast<std::size_t>(free_bytes) >> 20) +
                         " MiB are free; use fewer chains or draws, or --thin");
  }
  fd_ = ::open(tmp_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd_ < 0) fail("open", path_);
  if (::ftruncate(fd_, static_cast<off_t>(map_bytes_)) != 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fail("size", path_);
  }
  // Mapping the pages in one call costs far less than one fault per page while sampling; a file
  // too large for memory is left to fault in (and out) as it is written.
  const double ram = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
  const int populate = double(map_bytes_) < 0.25 * ram ? MAP_POPULATE : 0;
  map_ = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | populate, fd_, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fail("map", path_);
  }
  data_ = reinterpret_cast<T*>(static_cast<char*>(map_) + header_bytes);
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
  return tmp_;
}

template <class T>
npy_mapped_file<T>::~npy_mapped_file() {
  if (map_) ::munmap(map_, map_bytes_);
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

template class npy_mapped_file<float>;
template class npy_mapped_file<double>;

}  // namespace manychains
