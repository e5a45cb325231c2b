/// \file npy.hpp
/// Reading and writing NumPy .npy files (format 1.0/2.0, little-endian float32/float64, C order),
/// so draws load with `numpy.load` and ArviZ directly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace manychains {

/// An array read from a .npy file, converted to double, in C (row-major) order.
struct npy_array {
  std::vector<std::size_t> shape;
  std::vector<double> values;
};

/// Reads a .npy file of float32, float64, or (u)int 8/16/32/64; throws input_error naming the
/// file and the problem (not a .npy file, Fortran order, unsupported dtype, truncated data).
npy_array read_npy(const std::string& path);

/// The .npy header (format 1.0) for a C-order array of float or double: padded so that the data
/// start on a 64-byte boundary, or at exactly `total_length` bytes when that is not 0.
template <class T>
std::string npy_header(const std::vector<std::size_t>& shape, std::size_t total_length = 0);

/// Builds the complete .npy bytes (header and data) for a C-order array of float or double.
template <class T>
std::string npy_bytes(const std::vector<std::size_t>& shape, const T* data);

/// Writes a C-order array to `path` whole or not at all (temporary file, then rename).
template <class T>
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const T* data);

}  // namespace manychains
