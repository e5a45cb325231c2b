/// \file npy_option.hpp
/// A command-line option that names a .npy file of a known shape (initial parameters, priors).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace manychains::cli {

/// Reads the .npy at `path` (given as `option`) and refuses (input_error) any shape but `want`,
/// e.g. "--init-means m.npy: shape (3,), expected (3, 2)".
std::vector<double> read_npy_option(const std::string& option, const std::string& path,
                                    const std::vector<std::size_t>& want);

}  // namespace manychains::cli
