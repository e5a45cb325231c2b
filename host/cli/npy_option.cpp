// .npy files named on the command line, checked against the shape the option needs.
#include "cli/npy_option.hpp"

#include <fmt/format.h>

#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"

namespace manychains::cli {
namespace {

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::vector<double> read_npy_option(const std::string& option, const std::string& path,
                                    const std::vector<std::size_t>& want) {
  npy_array a = read_npy(path);
  if (a.shape != want)
    throw input_error(fmt::format("{} {}: shape {}, expected {}", option, path, shape_text(a.shape), shape_text(want)));
  return std::move(a.values);
}

}  // namespace manychains::cli
