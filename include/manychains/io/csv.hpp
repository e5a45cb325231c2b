/// \file csv.hpp
/// Numeric CSV tables (an optional header line, then rows of numbers).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace manychains {

/// A numeric table in row-major order.
struct numeric_table {
  std::vector<std::string> column_names;  ///< from the header, or "x0", "x1", …
  std::size_t rows = 0, cols = 0;
  std::vector<double> values;  ///< rows × cols, row-major
};

/// Reads a CSV of numbers. The first line is a header when any of its fields is not a number.
/// Throws input_error naming the file and line for ragged rows, non-numeric fields, NaN or inf
/// values, and empty files.
/// A UTF-8 byte-order mark at the start is skipped.
numeric_table read_csv(const std::string& path);

/// The same from a stream; `path` names it in messages.
numeric_table read_csv(std::istream& in, const std::string& path);

/// Reads a data matrix from .csv or .npy (2-D; a 1-D .npy is one column), by the file's ending.
numeric_table read_table(const std::string& path);

}  // namespace manychains
