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

/// What a .npy header says, checked against the file's size.
struct npy_header_info {
  std::string descr;               ///< e.g. "<f8"
  std::vector<std::size_t> shape;  ///< C order
  std::size_t item_size = 0, count = 0, data_bytes = 0, data_offset = 0;
};

/// Parses and checks a .npy header: `prefix` holds the file's first bytes (at least through the
/// header), `file_size` the whole file's size. The element count and byte size are computed in
/// checked arithmetic and must match the file exactly; throws input_error with one line otherwise.
npy_header_info parse_npy_header(const std::string& prefix, std::size_t file_size, const std::string& path);

/// parse_npy_header for a whole .npy file held in memory (a memory map): [data, data + size).
npy_header_info parse_npy(const char* data, std::size_t size, const std::string& path);

/// Reads a .npy file of float32, float64, or (u)int 8/16/32/64; throws input_error naming the
/// file and the problem (not a .npy file, Fortran order, unsupported dtype, a shape that overflows
/// or disagrees with the file size); memory_error when its values cannot fit in memory.
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
