#include "manychains/io/npy.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "io/npy_parse.hpp"

namespace manychains {
namespace {

template <class T>
const char* dtype_descr();
template <>
const char* dtype_descr<float>() { return "<f4"; }
template <>
const char* dtype_descr<double>() { return "<f8"; }

std::string header_value(const std::string& header, const std::string& key, const std::string& path) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw input_error(path + ": .npy header has no '" + key + "'");
  const auto colon = header.find(':', at);
  return header.substr(colon + 1);
}

std::vector<std::size_t> parse_shape(const std::string& header, const std::string& path) {
  std::string rest = header_value(header, "shape", path);
  const auto open = rest.find('('), close = rest.find(')');
  if (open == std::string::npos || close == std::string::npos)
    throw input_error(path + ": malformed shape in .npy header");
  std::vector<std::size_t> shape;
  std::stringstream items(rest.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto first = item.find_first_not_of(" ");
    if (first == std::string::npos) continue;
    try {
      shape.push_back(static_cast<std::size_t>(std::stoull(item.substr(first))));
    } catch (const std::exception&) {
      throw input_error(path + ": malformed shape in .npy header");
    }
  }
  return shape;
}

template <class S>
void convert(const char* bytes, std::size_t count, std::vector<double>& out) {
  out.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    S v;
    std::memcpy(&v, bytes + i * sizeof(S), sizeof(S));
    out[i] = static_cast<double>(v);
  }
}

}  // namespace

npy_layout parse_npy(const char* data, std::size_t size, const std::string& path) {
  if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0) throw input_error(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(data[6]);
  std::size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(data[8]) | (static_cast<unsigned char>(data[9]) << 8);
    header_start = 10;
  } else {
    if (size < 12) throw input_error(path + ": truncated .npy header");
    header_len = 0;
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(data[8 + i]);
    header_start = 12;
  }
  if (size < header_start + header_len) throw input_error(path + ": truncated .npy header");
  const std::string header(data + header_start, header_len);
  const std::string fortran = header_value(header, "fortran_order", path);
  if (fortran.substr(0, fortran.find(',')).find("True") != std::string::npos)
    throw input_error(path + ": Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray");
  std::string descr = header_value(header, "descr", path);
  const auto q1 = descr.find('\''), q2 = descr.find('\'', q1 + 1);
  npy_layout layout;
  layout.descr = descr.substr(q1 + 1, q2 - q1 - 1);
  layout.shape = parse_shape(header, path);
  layout.count = 1;
  for (auto n : layout.shape) layout.count *= n;
  layout.data_offset = header_start + header_len;
  return layout;
}

npy_array read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error("cannot open " + path);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const npy_layout layout = parse_npy(data.data(), data.size(), path);
  const std::string& descr = layout.descr;
  const std::size_t count = layout.count;
  npy_array result;
  result.shape = layout.shape;
  const char* body = data.data() + layout.data_offset;
  const std::size_t body_size = data.size() - layout.data_offset;
  auto need = [&](std::size_t item) {
    if (body_size < count * item)
      throw input_error(path + ": truncated data (" + std::to_string(body_size) + " bytes for " +
                        std::to_string(count) + " values)");
  };
  if (descr == "<f8") { need(8); convert<double>(body, count, result.values); }
  else if (descr == "<f4") { need(4); convert<float>(body, count, result.values); }
  else if (descr == "<i8") { need(8); convert<std::int64_t>(body, count, result.values); }
  else if (descr == "<i4") { need(4); convert<std::int32_t>(body, count, result.values); }
  else if (descr == "<i2") { need(2); convert<std::int16_t>(body, count, result.values); }
  else if (descr == "|i1") { need(1); convert<std::int8_t>(body, count, result.values); }
  else if (descr == "|u1" || descr == "|b1") { need(1); convert<std::uint8_t>(body, count, result.values); }
  else if (descr == "<u4") { need(4); convert<std::uint32_t>(body, count, result.values); }
  else if (descr == "<u8") { need(8); convert<std::uint64_t>(body, count, result.values); }
  else throw input_error(path + ": unsupported dtype '" + descr + "' (use float32 or float64)");
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
