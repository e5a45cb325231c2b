#include "manychains/io/npy_slabs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "manychains/checked.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/io/temp_files.hpp"
#include "manychains/resources.hpp"
#include "mpi/collectively.hpp"

namespace manychains {
namespace {

constexpr std::size_t header_bytes = npy_slab_file<double>::data_offset;  // as npy_mapped_file's

std::string dir_of(const std::string& path) {
  return path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
}

}  // namespace

template <class T>
npy_slab_file<T>::npy_slab_file(process_group& group, std::string path, std::vector<std::size_t> shape)
    : group_(group), path_(std::move(path)), shape_(std::move(shape)) {
  const auto count = checked_product(shape_);
  MC_EXPECTS(!shape_.empty() && count && checked_mul(*count, sizeof(T)), "npy_slab_file: the shape is too large");
  for (std::size_t k = 1; k < shape_.size(); ++k) row_values_ *= shape_[k];
  const std::size_t bytes = saturating_add(header_bytes, *count * sizeof(T));
  std::string name;
  collectively(group_, [&] {
    if (group_.rank() != 0) return;
    require_disk("the draws", bytes, dir_of(path_), "use fewer chains or draws, or --thin");
    tmp_ = path_ + ".tmp." + std::to_string(::getpid());
    slot_ = register_temp_file(tmp_);
    const int fd = ::open(tmp_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) throw_write_error(path_ + " (open)", errno);
    const std::string header = npy_header<T>(shape_, header_bytes);
    const bool ok = ::pwrite(fd, header.data(), header.size(), 0) == static_cast<ssize_t>(header.size()) &&
                    ::ftruncate(fd, static_cast<off_t>(bytes)) == 0;
    const int e = errno;
    ::close(fd);
    if (!ok) throw_write_error(path_ + " (size)", e);
  });
  // Every process learns the name process 0 chose.
  const std::vector<char> all = group_.all_gather(tmp_.data(), tmp_.size());
  tmp_.assign(all.begin(), all.end());
  collectively(group_, [&] {
    fd_ = ::open(tmp_.c_str(), O_WRONLY);
    if (fd_ < 0) throw_write_error(tmp_ + " (open; every rank must see the output folder)", errno);
  });
}

template <class T>
void npy_slab_file<T>::write(std::size_t first_row, const T* values, std::size_t rows) {
  MC_EXPECTS(first_row + rows <= shape_[0], "npy_slab_file: rows outside the file");
  const char* p = reinterpret_cast<const char*>(values);
  std::size_t left = rows * row_values_ * sizeof(T);
  off_t at = static_cast<off_t>(header_bytes + first_row * row_values_ * sizeof(T));
  while (left > 0 && write_error_.empty()) {
    const ssize_t n = ::pwrite(fd_, p, left, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_error_ = tmp_ + ": " + std::strerror(errno);
      break;
    }
    p += n;
    at += n;
    left -= static_cast<std::size_t>(n);
  }
}

template <class T>
std::string npy_slab_file<T>::finish() {
  collectively(group_, [&] {
    if (write_error_.empty() && ::fsync(fd_) != 0) write_error_ = tmp_ + ": " + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    if (!write_error_.empty()) throw resource_error("cannot write the draws: " + write_error_);
  });
  finished_ = true;
  return tmp_;
}

template <class T>
npy_slab_file<T>::~npy_slab_file() {
  if (fd_ >= 0) ::close(fd_);
  if (group_.rank() == 0 && !finished_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  unregister_temp_file(slot_);
}

template class npy_slab_file<float>;
template class npy_slab_file<double>;

}  // namespace manychains
