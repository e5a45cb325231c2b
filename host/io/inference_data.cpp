#include "manychains/io/inference_data.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <set>

#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "io/netcdf_library.hpp"

namespace manychains {
namespace {

/// Values per write: slabs of about 32 MiB of doubles keep the copy buffer bounded at any size.
constexpr std::size_t slab_values = std::size_t(1) << 22;

void check(int status, const std::string& path, const std::string& what) {
  if (status != NC_NOERR) throw error("cannot write " + path + ": " + what + ": " + netcdf().nc_strerror(status));
}

/// "x[12]" → ("x", 12); anything else → nothing.
bool split_indexed(const std::string& name, std::string& base, std::size_t& index) {
  const auto open = name.find('[');
  if (open == std::string::npos || open == 0 || name.back() != ']' || open + 2 >= name.size()) return false;
  const std::string digits = name.substr(open + 1, name.size() - open - 2);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) || digits.size() > 18)
    return false;
  base = name.substr(0, open);
  index = std::stoull(digits);
  return true;
}

std::string netcdf_safe(std::string name) {
  for (char& c : name)
    if (c == '/' || static_cast<unsigned char>(c) < 0x20) c = '_';
  while (!name.empty() && name.back() == ' ') name.pop_back();
  while (!name.empty() && name.front() == ' ') name.erase(name.begin());
  return name.empty() ? "parameter" : name;
}

void put_attribute(int group, const std::string& key, const nlohmann::json& v, const std::string& path) {
  const char* name = key.c_str();
  if (v.is_null()) return;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    check(netcdf().nc_put_att_text(group, NC_GLOBAL, name, s.size(), s.c_str()), path, "attribute " + key);
  } else if (v.is_boolean()) {
    const signed char b = v.get<bool>() ? 1 : 0;
    check(netcdf().nc_put_att_schar(group, NC_GLOBAL, name, NC_BYTE, 1, &b), path, "attribute " + key);
  } else if (v.is_number_unsigned()) {
    const unsigned long long u = v.get<std::uint64_t>();
    check(netcdf().nc_put_att_ulonglong(group, NC_GLOBAL, name, NC_UINT64, 1, &u), path, "attribute " + key);
  } else if (v.is_number_integer()) {
    const long long i = v.get<std::int64_t>();
    check(netcdf().nc_put_att_longlong(group, NC_GLOBAL, name, NC_INT64, 1, &i), path, "attribute " + key);
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return;  // never a NaN or inf in a file
    check(netcdf().nc_put_att_double(group, NC_GLOBAL, name, NC_DOUBLE, 1, &d), path, "attribute " + key);
  } else {
    put_attribute(group, key, nlohmann::json(v.dump()), path);
  }
}

void put_attributes(int group, const nlohmann::json& attributes, const std::string& path) {
  if (!attributes.is_object()) return;
  for (auto it = attributes.begin(); it != attributes.end(); ++it) put_attribute(group, it.key(), it.value(), path);
}

/// An int64 coordinate variable 0 … n-1 on dimension `dim`.
void put_range_coordinate(int group, const std::string& name, int dim, std::size_t n, const std::string& path) {
  int var = 0;
  check(netcdf().nc_def_var(group, name.c_str(), NC_INT64, 1, &dim, &var), path, "coordinate " + name);
  std::vector<long long> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<long long>(i);
  if (n > 0) check(netcdf().nc_put_var_longlong(group, var, values.data()), path, "coordinate " + name);
}

template <class T>
constexpr nc_type nc_type_of() {
  return sizeof(T) == 4 ? NC_FLOAT : NC_DOUBLE;
}
int put_slab(int g, int v, const std::size_t* start, const std::size_t* count, const float* p) {
  return netcdf().nc_put_vara_float(g, v, start, count, p);
}
int put_slab(int g, int v, const std::size_t* start, const std::size_t* count, const double* p) {
  return netcdf().nc_put_vara_double(g, v, start, count, p);
}

/// Chunks of at most about `slab_values` values: one chain, many draws, the parameter's values.
std::vector<std::size_t> chunk_shape(std::size_t draws, const std::vector<std::size_t>& shape) {
  std::size_t width = 1;
  for (auto s : shape) width *= std::max<std::size_t>(s, 1);
  std::vector<std::size_t> chunks = {1, std::max<std::size_t>(1, std::min(draws, slab_values / std::max<std::size_t>(width, 1)))};
  std::size_t room = slab_values;
  for (auto s : shape) {
    const std::size_t c = std::max<std::size_t>(1, std::min(s, room));
    chunks.push_back(c);
    room = std::max<std::size_t>(1, room / c);
  }
  return chunks;
}

}  // namespace

std::size_t parameter_block::size() const {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::vector<parameter_block> parameter_blocks(const std::vector<std::string>& names) {
  std::vector<parameter_block> blocks;
  for (std::size_t j = 0; j < names.size(); ++j) {
    std::string base;
    std::size_t index = 0;
    const bool indexed = split_indexed(names[j], base, index);
    if (indexed && !blocks.empty() && blocks.back().shape.size() == 1 && blocks.back().name == base &&
        blocks.back().shape[0] == index && blocks.back().offset + index == j) {
      ++blocks.back().shape[0];
      continue;
    }
    if (indexed && index == 0)
      blocks.push_back({base, {1}, j});
    else
      blocks.push_back({names[j], {}, j});
  }
  // Valid, unique netCDF names, none equal to a coordinate of the group (chain, draw, and the
  // NAME_dim_K of each shaped parameter, named first).
  std::set<std::string> taken = {"chain", "draw"};
  for (const bool shaped : {true, false})
    for (auto& b : blocks) {
      if (b.shape.empty() == shaped) continue;
      const std::string name = netcdf_safe(b.name);
      std::string candidate = name;
      for (int k = 2; taken.count(candidate); ++k) candidate = name + "_" + std::to_string(k);
      b.name = candidate;
      taken.insert(candidate);
      for (std::size_t k = 0; k < b.shape.size(); ++k) taken.insert(candidate + "_dim_" + std::to_string(k));
    }
  return blocks;
}

std::vector<std::string> flat_names(const std::vector<parameter_block>& blocks) {
  std::vector<std::string> names;
  for (const auto& b : blocks) {
    if (b.shape.empty()) {
      names.push_back(b.name);
      continue;
    }
    std::vector<std::size_t> index(b.shape.size(), 0);
    for (std::size_t i = 0; i < b.size(); ++i) {
      std::string label = b.name + "[";
      for (std::size_t k = 0; k < index.size(); ++k) label += (k ? "," : "") + std::to_string(index[k]);
      names.push_back(label + "]");
      for (std::size_t k = index.size(); k-- > 0;) {  // next index, last fastest
        if (++index[k] < b.shape[k]) break;
        index[k] = 0;
      }
    }
  }
  return names;
}

std::vector<parameter_block> read_posterior_parameters(const std::string& path) {
  int file = 0;
  if (netcdf().nc_open(path.c_str(), NC_NOWRITE, &file) != NC_NOERR) throw input_error(path + ": not a readable NetCDF file");
  std::vector<parameter_block> blocks;
  try {
    int group = 0;
    if (netcdf().nc_inq_grp_ncid(file, "posterior", &group) != NC_NOERR)
      throw input_error(path + ": has no posterior group");
    int nvars = 0;
    netcdf().nc_inq_varids(group, &nvars, nullptr);
    std::vector<int> vars(static_cast<std::size_t>(nvars));
    netcdf().nc_inq_varids(group, &nvars, vars.data());
    std::size_t offset = 0;
    for (int v : vars) {
      char name[NC_MAX_NAME + 1] = {};
      int ndims = 0;
      netcdf().nc_inq_varname(group, v, name);
      netcdf().nc_inq_varndims(group, v, &ndims);
      std::vector<int> dims(static_cast<std::size_t>(ndims));
      netcdf().nc_inq_vardimid(group, v, dims.data());
      if (ndims < 2) continue;  // a coordinate
      parameter_block b{name, {}, offset};
      for (int k = 2; k < ndims; ++k) {
        std::size_t len = 0;
        netcdf().nc_inq_dimlen(group, dims[static_cast<std::size_t>(k)], &len);
        b.shape.push_back(len);
      }
      offset += b.size();
      blocks.push_back(b);
    }
  } catch (...) {
    netcdf().nc_close(file);
    throw;
  }
  netcdf().nc_close(file);
  return blocks;
}

std::size_t inference_data_writer::estimate_bytes(std::size_t values, std::size_t bytes_per_value) {
  return values * bytes_per_value + (std::size_t(1) << 20);  // data plus HDF5's metadata
}

inference_data_writer::inference_data_writer(const std::string& path, const nlohmann::json& attributes,
                                             std::size_t expected_bytes)
    : path_(path) {
  // Built in memory where that costs little: HDF5 does not survive a failed write (libnetcdf
  // 4.9 crashes closing such a file), and our own write of the bytes fails cleanly.
  const double ram = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
  in_memory_ = double(expected_bytes) <= std::min(ram / 8, double(std::size_t(2) << 30));
  if (in_memory_) {
    check(netcdf().nc_create_mem(path.c_str(), NC_NETCDF4, expected_bytes, &file_), path_, "create");
  } else {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0) {
      const double free_bytes = double(fs.f_bavail) * double(fs.f_frsize);
      if (double(expected_bytes) > free_bytes)
        throw memory_error("posterior.nc needs " + std::to_string(expected_bytes >> 20) + " MiB in " + dir +
                           " but only " + std::to_string(static_cast<std::size_t>(free_bytes) >> 20) +
                           " MiB are free; use fewer chains or draws, or --thin");
    }
    check(netcdf().nc_create(path.c_str(), NC_NETCDF4 | NC_CLOBBER, &file_), path_, "create");
  }
  nlohmann::json root = attributes;
  char stamp[32] = {};
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  root["created_at"] = stamp;
  root["inference_library"] = "manychains";
  put_attributes(file_, root, path_);
}

inference_data_writer::~inference_data_writer() {
  if (file_ < 0) return;
  if (in_memory_) {  // nothing reached the disk: drop the memory
    NC_memio memio{};
    if (netcdf().nc_close_memio(file_, &memio) == NC_NOERR) std::free(memio.memory);
  } else {
    netcdf().nc_abort(file_);
  }
}

void inference_data_writer::begin_group(const std::string& name, std::size_t chains, std::size_t draws,
                                        const nlohmann::json& attributes) {
  check(netcdf().nc_def_grp(file_, name.c_str(), &group_), path_, "group " + name);
  chains_ = chains;
  draws_ = draws;
  check(netcdf().nc_def_dim(group_, "chain", chains, &chain_dim_), path_, "dimension chain");
  check(netcdf().nc_def_dim(group_, "draw", draws, &draw_dim_), path_, "dimension draw");
  put_range_coordinate(group_, "chain", chain_dim_, chains, path_);
  put_range_coordinate(group_, "draw", draw_dim_, draws, path_);
  nlohmann::json attrs = attributes;
  attrs["inference_library"] = "manychains";
  put_attributes(group_, attrs, path_);
}

template <class T>
void inference_data_writer::put_parameters(const T* draws, std::size_t dim, const std::vector<parameter_block>& blocks) {
  std::vector<T> buffer;
  for (const auto& b : blocks) {
    std::vector<int> dims = {chain_dim_, draw_dim_};
    for (std::size_t k = 0; k < b.shape.size(); ++k) {
      const std::string dim_name = b.name + "_dim_" + std::to_string(k);
      int d = 0;
      check(netcdf().nc_def_dim(group_, dim_name.c_str(), b.shape[k], &d), path_, "dimension " + dim_name);
      put_range_coordinate(group_, dim_name, d, b.shape[k], path_);
      dims.push_back(d);
    }
    int var = 0;
    check(netcdf().nc_def_var(group_, b.name.c_str(), nc_type_of<T>(), static_cast<int>(dims.size()), dims.data(), &var), path_,
          "variable " + b.name);
    if (chains_ > 0 && draws_ > 0)
      check(netcdf().nc_def_var_chunking(group_, var, NC_CHUNKED, chunk_shape(draws_, b.shape).data()), path_,
            "variable " + b.name);
    const std::size_t width = b.size();
    if (chains_ == 0 || draws_ == 0 || width == 0) continue;
    const std::size_t rows = std::max<std::size_t>(1, std::min(draws_, slab_values / width));
    std::vector<std::size_t> start(dims.size(), 0), count(dims.size(), 0);
    count[0] = 1;
    for (std::size_t k = 0; k < b.shape.size(); ++k) count[2 + k] = b.shape[k];
    for (std::size_t c = 0; c < chains_; ++c)
      for (std::size_t t = 0; t < draws_; t += rows) {
        const std::size_t now = std::min(rows, draws_ - t);
        start[0] = c;
        start[1] = t;
        count[1] = now;
        const T* first = draws + (c * draws_ + t) * dim;
        const T* slab = first;
        if (width != dim) {  // gather this parameter's columns
          buffer.resize(now * width);
          for (std::size_t i = 0; i < now; ++i)
            std::copy_n(first + i * dim + b.offset, width, buffer.data() + i * width);
          slab = buffer.data();
        }
        check(put_slab(group_, var, start.data(), count.data(), slab), path_, "variable " + b.name);
      }
  }
}

void inference_data_writer::put_statistic(const std::string& name, const double* values) {
  const int dims[2] = {chain_dim_, draw_dim_};
  int var = 0;
  check(netcdf().nc_def_var(group_, name.c_str(), NC_DOUBLE, 2, dims, &var), path_, "variable " + name);
  if (chains_ * draws_ > 0) check(netcdf().nc_put_var_double(group_, var, values), path_, "variable " + name);
}

void inference_data_writer::put_flag(const std::string& name, const std::uint8_t* values) {
  const int dims[2] = {chain_dim_, draw_dim_};
  int var = 0;
  check(netcdf().nc_def_var(group_, name.c_str(), NC_BYTE, 2, dims, &var), path_, "variable " + name);
  check(netcdf().nc_put_att_text(group_, var, "dtype", 4, "bool"), path_, "variable " + name);
  if (chains_ * draws_ > 0)
    check(netcdf().nc_put_var_schar(group_, var, reinterpret_cast<const signed char*>(values)), path_, "variable " + name);
}

void inference_data_writer::close() {
  const int file = file_;
  file_ = -1;
  if (!in_memory_) {
    check(netcdf().nc_close(file), path_, "close");
    return;
  }
  NC_memio memio{};
  check(netcdf().nc_close_memio(file, &memio), path_, "close");
  std::string bytes(static_cast<const char*>(memio.memory), memio.size);
  std::free(memio.memory);
  write_file_atomically(path_, bytes);
}

template void inference_data_writer::put_parameters<float>(const float*, std::size_t,
                                                           const std::vector<parameter_block>&);
template void inference_data_writer::put_parameters<double>(const double*, std::size_t,
                                                            const std::vector<parameter_block>&);

}  // namespace manychains
