/// \file inference_data.hpp
/// Runs as ArviZ InferenceData in a NetCDF-4 file (libnetcdf): one netCDF group per ArviZ group
/// (`posterior`, `sample_stats`, `warmup_posterior`, ...), each with `chain` and `draw`
/// coordinates, parameters by name with their shapes, and settings as attributes, so that
/// `arviz.from_netcdf(path)` reads it with no glue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace manychains {

/// A parameter as ArviZ names it: `size()` consecutive columns of the flat draws from `offset`,
/// shaped `shape` (empty: a scalar).
struct parameter_block {
  std::string name;
  std::vector<std::size_t> shape;
  std::size_t offset = 0;
  std::size_t size() const;
};

/// Groups flat names into parameters: consecutive "x[0]", "x[1]", ... become "x" of shape (n);
/// any other name is a scalar. Names are made valid and unique as netCDF variables ('/' becomes
/// '_'; a clash with another name or with "chain"/"draw" gets a numbered suffix).
std::vector<parameter_block> parameter_blocks(const std::vector<std::string>& names);

/// The flat names of parameters: a scalar's name, "x[i]" for a vector, "x[i,j]" beyond.
std::vector<std::string> flat_names(const std::vector<parameter_block>& blocks);

/// The parameters of the `posterior` group of an InferenceData file, in file order; throws
/// input_error when the file cannot be read as one.
std::vector<parameter_block> read_posterior_parameters(const std::string& path);

/// Writes an InferenceData file group by group. Nothing is valid until close() returns; the
/// destructor of an unclosed writer closes the file, which the caller then discards.
class inference_data_writer {
 public:
  /// Creates (or overwrites) `path` with `attributes` (a JSON object) on the root group. A file of
  /// at most `expected_bytes` that fits in a small share of memory is built in memory and written
  /// out by close(), so that a full disk fails cleanly there; a larger one is written in place,
  /// after checking that the disk has room (throws memory_error when it has not).
  inference_data_writer(const std::string& path, const nlohmann::json& attributes, std::size_t expected_bytes);
  ~inference_data_writer();
  inference_data_writer(const inference_data_writer&) = delete;
  inference_data_writer& operator=(const inference_data_writer&) = delete;

  /// Starts group `name` of `chains` × `draws`, with `attributes` (a JSON object: strings,
  /// numbers and booleans become netCDF attributes, arrays and objects JSON text, null nothing).
  void begin_group(const std::string& name, std::size_t chains, std::size_t draws, const nlohmann::json& attributes);
  /// Draws (chains, draws, dim) in C order, one variable per block with dims (chain, draw,
  /// NAME_dim_0, ...).
  template <class T>
  void put_parameters(const T* draws, std::size_t dim, const std::vector<parameter_block>& blocks);
  /// A (chain, draw) statistic in C order.
  void put_statistic(const std::string& name, const double* values);
  /// A (chain, draw) flag in C order, stored as xarray stores a bool (int8, dtype = "bool").
  void put_flag(const std::string& name, const std::uint8_t* values);
  /// Flushes and closes the file; throws manychains::error when that fails (a full disk, say).
  void close();

  /// The bytes of an InferenceData file of these many values (an estimate for expected_bytes).
  static std::size_t estimate_bytes(std::size_t values, std::size_t bytes_per_value);

 private:
  std::string path_;
  bool in_memory_ = false;
  int file_ = -1, group_ = -1;
  int chain_dim_ = -1, draw_dim_ = -1;
  std::size_t chains_ = 0, draws_ = 0;
};

}  // namespace manychains
