// The .npy header, parsed: shared by read_npy (a copy) and npy_view (a memory map).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace manychains {

struct npy_layout {
  std::vector<std::size_t> shape;
  std::string descr;           ///< e.g. "<f8"
  std::size_t count = 0;       ///< product of the shape
  std::size_t data_offset = 0; ///< where the values start
};

/// Parses the header of the .npy bytes [data, data + size); throws input_error naming `path`.
npy_layout parse_npy(const char* data, std::size_t size, const std::string& path);

}  // namespace manychains
