/// \file npy_slabs.hpp
/// One .npy file that the processes of a group write together, each its own contiguous block of
/// leading-dimension rows (its chains) with positioned writes: no process holds another's data.
/// Process 0 creates it, header first, at a temporary name; finish() waits for every process and
/// leaves it there for run_folder::adopt. The header is the one npy_mapped_file writes (256
/// bytes), so the file equals, byte for byte, one process's draws.npy of the same values.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "manychains/process_group.hpp"

namespace manychains {

template <class T>
class npy_slab_file {
 public:
  /// Collective. Process 0 creates `path`'s temporary file sized for `shape` (after a free-space
  /// check); every process fails alike when it cannot.
  npy_slab_file(process_group& group, std::string path, std::vector<std::size_t> shape);
  ~npy_slab_file();  ///< process 0, without finish(): removes the temporary file
  npy_slab_file(const npy_slab_file&) = delete;
  npy_slab_file& operator=(const npy_slab_file&) = delete;

  /// Writes `rows` leading-dimension rows from `values` (C order) at row `first_row`. Local.
  void write(std::size_t first_row, const T* values, std::size_t rows);
  /// Collective: flushes this process's writes, fails every process alike if any write failed,
  /// and returns the complete temporary file's path (the same on every process).
  std::string finish();
  /// Where the values start in the file (after the header).
  static constexpr std::size_t data_offset = 256;
  /// Where the file is (complete only after finish()).
  const std::string& temporary() const { return tmp_; }

 private:
  process_group& group_;
  std::string path_, tmp_;
  std::vector<std::size_t> shape_;
  std::size_t row_values_ = 1;
  int fd_ = -1;
  bool finished_ = false;
  int slot_ = -1;
  std::string write_error_;
};

}  // namespace manychains
