/// \file npy_view.hpp
/// A .npy file of float64 or float32 read in place through a read-only memory map: the values
/// are read from the page cache once, where they are used, with no copy of the file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace manychains {

class npy_view {
 public:
  /// Maps `path`; throws input_error when it cannot be opened or is not a .npy file, and when
  /// its data are truncated. Any dtype opens; data<T>() reads only its own.
  explicit npy_view(const std::string& path);
  ~npy_view();
  npy_view(const npy_view&) = delete;
  npy_view& operator=(const npy_view&) = delete;

  const std::vector<std::size_t>& shape() const { return shape_; }
  const std::string& dtype() const { return descr_; }  ///< numpy's descr, e.g. "<f8"
  bool is_float64() const { return descr_ == "<f8"; }
  bool is_float32() const { return descr_ == "<f4"; }
  /// The values in C order; nullptr unless the dtype is T's ("<f8" double, "<f4" float) and the
  /// data are aligned for T.
  template <class T>
  const T* data() const;

 private:
  std::vector<std::size_t> shape_;
  std::string descr_;
  void* map_ = nullptr;
  std::size_t map_bytes_ = 0;
  const char* values_ = nullptr;
};

template <>
const double* npy_view::data<double>() const;
template <>
const float* npy_view::data<float>() const;

}  // namespace manychains
