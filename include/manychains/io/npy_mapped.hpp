/// \file npy_mapped.hpp
/// A .npy file written in place through a memory map, so that draws larger than RAM go straight to
/// disk (the page cache writes them back) without a second copy. It is written to a temporary
/// name and renamed on commit(): whole or not at all. The header is padded to a fixed size so
/// that commit() can shrink the leading dimension (an interrupted run) without moving data.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

namespace manychains {

template <class T>
class npy_mapped_file {
 public:
  /// Creates `path`'s temporary file sized for `shape`; throws resource_error when the disk cannot
  /// hold it and error when the file cannot be created or mapped. Its pages are mapped in up
  /// front (when it fits in a quarter of memory) unless `stop` becomes true meanwhile.
  npy_mapped_file(std::string path, std::vector<std::size_t> shape, const std::atomic<bool>* stop = nullptr);
  ~npy_mapped_file();  ///< without commit(), removes the temporary file
  npy_mapped_file(const npy_mapped_file&) = delete;
  npy_mapped_file& operator=(const npy_mapped_file&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }

  /// Writes the header for `final_shape` (the same number of values or fewer, C order, a prefix of
  /// the mapped data), flushes, and renames the file into place.
  void commit(const std::vector<std::size_t>& final_shape);
  /// Like commit() but leaves the file at its temporary name, whose path it returns, for the
  /// caller to rename (run_folder::adopt); the file is then no longer this object's to remove.
  std::string finish(const std::vector<std::size_t>& final_shape);

 private:
  std::string path_, tmp_;
  std::vector<std::size_t> shape_;
  int fd_ = -1;
  void* map_ = nullptr;
  std::size_t map_bytes_ = 0;
  T* data_ = nullptr;
  bool committed_ = false;
  int slot_ = -1;  ///< in the temporary-file table (temp_files.hpp)
};

}  // namespace manychains
