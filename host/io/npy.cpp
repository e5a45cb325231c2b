#include "manychains/io/npy.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "manychains/checked.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/resources.hpp"

namespace manychains {
namespace {

template <class T>
const char* dtype_descr();
template <>
const char* dtype_descr<float>() { return "<f4"; }
template <>
const char* dtype_descr<double>() { return "<f8"; }

/// The text after `'key':` in the header dict (up to the end of the dict).
std::string header_value(const std::string& header, const std::string& key, const std::string& path) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw input_error(path + ": .npy header has no '" + key + "'");
  const auto colon = header.find(':', at);
  if (colon == std::string::npos) throw input_error(path + ": malformed .npy header near '" + key + "'");
  return header.substr(colon + 1);
}

std::vector<std::size_t> parse_shape(const std::string& header, const std::string& path) {
  std::string rest = header_value(header, "shape", path);
  const auto open = rest.find('('), close = rest.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open ||
      rest.find_first_not_of(" ") != open)
    throw input_error(path + ": malformed shape in .npy header");
  std::vector<std::size_t> shape;
  std::stringstream items(rest.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto first = item.find_first_not_of(" "), last = item.find_last_not_of(" ");
    if (first == std::string::npos) continue;
    const std::string digits = item.substr(first, last - first + 1);
    const auto v = parse_decimal_u64(digits);  // no sign, no wrap-around: "-1" is refused
    if (!v || *v > std::numeric_limits<std::size_t>::max())
      throw input_error(path + ": malformed shape in .npy header ('" + digits.substr(0, 40) +
                        "' is not a dimension)");
    shape.push_back(static_cast<std::size_t>(*v));
  }
  if (shape.size() > 32) throw input_error(path + ": .npy header has more than 32 dimensions");
  return shape;
}

std::size_t item_size_of(const std::string& descr, const std::string& path) {
  static const std::pair<const char*, std::size_t> known[] = {
      {"<f8", 8}, {"<f4", 4}, {"<i8", 8}, {"<i4", 4}, {"<i2", 2}, {"|i1", 1},
      {"|u1", 1}, {"|b1", 1}, {"<u4", 4}, {"<u8", 8}};
  for (const auto& [name, size] : known)
    if (descr == name) return size;
  throw input_error(path + ": unsupported dtype '" + descr.substr(0, 40) + "' (use float32 or float64)");
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

template <class S>
void convert(const char* bytes, std::size_t count, double* out) {
  for (std::size_t i = 0; i < count; ++i) {
    S v;
    std::memcpy(&v, bytes + i * sizeof(S), sizeof(S));
    out[i] = static_cast<double>(v);
  }
}

void convert_any(const std::string& descr, const char* bytes, std::size_t count, double* out) {
  if (descr == "<f8") convert<double>(bytes, count, out);
  else if (descr == "<f4") convert<float>(bytes, count, out);
  else if (descr == "<i8") convert<std::int64_t>(bytes, count, out);
  else if (descr == "<i4") convert<std::int32_t>(bytes, count, out);
  else if (descr == "<i2") convert<std::int16_t>(bytes, count, out);
  else if (descr == "|i1") convert<std::int8_t>(bytes, count, out);
  else if (descr == "<u4") convert<std::uint32_t>(bytes, count, out);
  else if (descr == "<u8") convert<std::uint64_t>(bytes, count, out);
  else convert<std::uint8_t>(bytes, count, out);  // |u1, |b1
}

/// Where the data of a .npy file start, from its first (up to 12) bytes; `n` when they do not say.
std::size_t npy_header_end(const char* p, std::size_t n) {
  if (n < 10 || std::memcmp(p, "\x93NUMPY", 6) != 0) return n;
  const int major = static_cast<unsigned char>(p[6]);
  if (major == 1) return 10 + (static_cast<unsigned char>(p[8]) | (static_cast<unsigned char>(p[9]) << 8));
  if (n < 12) return n;
  std::size_t len = 0;
  for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(p[8 + i]);
  return 12 + len;
}

}  // namespace

npy_header_info parse_npy_header(const std::string& prefix, std::size_t file_size, const std::string& path) {
  if (prefix.size() < 10 || prefix.compare(0, 6, "\x93NUMPY") != 0) throw input_error(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(prefix[6]);
  if (major < 1 || major > 3)
    throw input_error(path + ": .npy format version " + std::to_string(major) + " is not supported (1, 2 or 3)");
  npy_header_info info;
  std::size_t header_len = 0, header_start = 10;
  if (major == 1) {
    header_len = static_cast<unsigned char>(prefix[8]) | (static_cast<unsigned char>(prefix[9]) << 8);
  } else {
    if (prefix.size() < 12) throw input_error(path + ": truncated .npy header");
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(prefix[8 + i]);
    header_start = 12;
  }
  info.data_offset = header_start + header_len;  // at most 12 + 2^32: no overflow
  if (file_size < info.data_offset || prefix.size() < info.data_offset)
    throw input_error(path + ": truncated .npy header (" + std::to_string(header_len) + " header bytes, file has " +
                      std::to_string(file_size) + ")");
  const std::string header = prefix.substr(header_start, header_len);
  if (header.find('{') == std::string::npos || header.find('}') == std::string::npos)
    throw input_error(path + ": malformed .npy header (no {...} dictionary)");
  const std::string fortran = header_value(header, "fortran_order", path);
  const std::string fortran_word = fortran.substr(0, fortran.find_first_of(",}"));
  if (fortran_word.find("True") != std::string::npos)
    throw input_error(path + ": Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray");
  if (fortran_word.find("False") == std::string::npos)
    throw input_error(path + ": malformed .npy header ('fortran_order' is neither True nor False)");
  const std::string descr = header_value(header, "descr", path);
  const auto q1 = descr.find('\''), q2 = q1 == std::string::npos ? q1 : descr.find('\'', q1 + 1);
  if (q2 == std::string::npos) throw input_error(path + ": malformed 'descr' in .npy header");
  info.descr = descr.substr(q1 + 1, q2 - q1 - 1);
  info.item_size = item_size_of(info.descr, path);
  info.shape = parse_shape(header, path);
  const auto count = checked_product(info.shape);
  const auto bytes = count ? checked_mul(*count, info.item_size) : std::nullopt;
  if (!bytes)
    throw input_error(path + ": the .npy header's shape " + shape_text(info.shape) +
                      " has more elements than any file can hold");
  info.count = *count;
  info.data_bytes = *bytes;
  const std::size_t body = file_size - info.data_offset;
  if (body != info.data_bytes)
    throw input_error(path + ": the .npy header's shape " + shape_text(info.shape) + " of '" + info.descr +
                      "' needs " + std::to_string(info.data_bytes) + " bytes of data, but the file has " +
                      std::to_string(body) + (body < info.data_bytes ? " (truncated data)" : " (extra data)"));
  return info;
}

npy_header_info parse_npy(const char* data, std::size_t size, const std::string& path) {
  const std::size_t header_end = std::min(size, npy_header_end(data, size));
  return parse_npy_header(std::string(data, header_end), size, path);
}

npy_array read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error("cannot open " + path);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw input_error("cannot read " + path + ": " + ec.message());
  // The header first (its length is in the first 12 bytes), then the data it announces.
  std::string prefix(std::min<std::uintmax_t>(size, 12), '\0');
  in.read(prefix.data(), std::streamsize(prefix.size()));
  const std::size_t header_end = npy_header_end(prefix.data(), prefix.size());
  if (header_end <= size && header_end > prefix.size()) {
    const std::size_t had = prefix.size();
    prefix.resize(header_end);
    in.read(prefix.data() + had, std::streamsize(header_end - had));
    if (!in) throw input_error("cannot read " + path);
  }
  const npy_header_info info = parse_npy_header(prefix, size, path);
  // Every value becomes a double in memory: refuse what cannot fit before allocating it.
  require_memory(path + ": " + std::to_string(info.count) + " values of shape " + shape_text(info.shape),
                 saturating_mul(info.count, sizeof(double)), "use a smaller file");
  npy_array result;
  result.shape = info.shape;
  result.values.resize(info.count);
  // Read and convert in blocks, so the raw bytes never need a second full-size buffer.
  std::vector<char> block(std::size_t(1) << 20);
  const std::size_t per_block = block.size() / info.item_size;
  for (std::size_t done = 0; done < info.count;) {
    const std::size_t n = std::min(per_block, info.count - done);
    in.read(block.data(), std::streamsize(n * info.item_size));
    if (!in) throw input_error(path + ": truncated data (could not read value " + std::to_string(done) + ")");
    convert_any(info.descr, block.data(), n, result.values.data() + done);
    done += n;
  }
  return result;
}

template <class T>
std::string npy_header(const std::vector<std::size_t>& shape, std::size_t total_length) {
  std::string dict = std::string("{'descr': '") + dtype_descr<T>() + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i)
    dict += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
  dict += "), }";
  // Version 1.0: magic, version, 2-byte length, then the dict padded with spaces and a newline
  // so that the data start on a 64-byte boundary (or at exactly total_length).
  const std::size_t unpadded = 10 + dict.size() + 1;
  const std::size_t total = total_length ? total_length : unpadded + (64 - unpadded % 64) % 64;
  MC_EXPECTS(total >= unpadded, "npy header does not fit in " + std::to_string(total_length) + " bytes");
  dict.append(total - unpadded, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  return out + dict;
}

template <class T>
std::string npy_bytes(const std::vector<std::size_t>& shape, const T* data) {
  std::size_t count = 1;
  for (auto n : shape) count *= n;
  std::string out = npy_header<T>(shape, 0);
  out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
  return out;
}

template <class T>
void write_npy(const std::string& path, const std::vector<std::size_t>& shape, const T* data) {
  write_file_atomically(path, npy_bytes(shape, data));
}

template std::string npy_header<float>(const std::vector<std::size_t>&, std::size_t);
template std::string npy_header<double>(const std::vector<std::size_t>&, std::size_t);
template std::string npy_bytes<float>(const std::vector<std::size_t>&, const float*);
template std::string npy_bytes<double>(const std::vector<std::size_t>&, const double*);
template void write_npy<float>(const std::string&, const std::vector<std::size_t>&, const float*);
template void write_npy<double>(const std::string&, const std::vector<std::size_t>&, const double*);

}  // namespace manychains
