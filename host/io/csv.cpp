#include "manychains/io/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>

#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"

namespace manychains {
namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    std::string field = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto first = field.find_first_not_of(" \t\"");
    const auto last = field.find_last_not_of(" \t\"\r");
    fields.push_back(first == std::string::npos ? std::string() : field.substr(first, last - first + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

/// Parses the whole field as a number; false when it is not one.
bool parse_number(const std::string& field, double* value) {
  if (field.empty()) return false;
  const char* begin = field.data() + (field[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, field.data() + field.size(), *value);
  return ec == std::errc() && end == field.data() + field.size();
}

/// A field as a message shows it: at most 40 characters, control characters as '?', so that
/// the message stays one line.
std::string shown(const std::string& field) {
  std::string s = field.substr(0, 40);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return field.size() > 40 ? s + "..." : s;
}

}  // namespace

numeric_table read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error("cannot open " + path);
  return read_csv(in, path);
}

numeric_table read_csv(std::istream& in, const std::string& path) {
  numeric_table table;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    // A UTF-8 byte-order mark (spreadsheets write one) is not part of the first name.
    if (line_number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto fields = split_fields(line);
    std::vector<double> row(fields.size());
    bool numeric = true;
    for (std::size_t i = 0; i < fields.size() && numeric; ++i) numeric = parse_number(fields[i], &row[i]);
    const bool first_row = table.rows == 0 && table.column_names.empty();
    if (!numeric && first_row) {
      table.column_names = fields;
      table.cols = fields.size();
      continue;
    }
    const std::string where = path + ":" + std::to_string(line_number);
    if (table.cols != 0 && fields.size() != table.cols)
      throw input_error(where + ": expected " + std::to_string(table.cols) + " fields, found " +
                        std::to_string(fields.size()) + " (ragged CSV)");
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!parse_number(fields[i], &row[i]))
        throw input_error(where + ": field " + std::to_string(i + 1) + " ('" + shown(fields[i]) + "') is not a number");
      if (!std::isfinite(row[i]))
        throw input_error(where + ": field " + std::to_string(i + 1) + " is " + shown(fields[i]) +
                          "; data must be finite");
    }
    table.cols = fields.size();
    table.values.insert(table.values.end(), row.begin(), row.end());
    ++table.rows;
  }
  if (table.rows == 0) throw input_error(path + ": no data rows");
  if (table.column_names.empty())
    for (std::size_t i = 0; i < table.cols; ++i) table.column_names.push_back("x" + std::to_string(i));
  return table;
}

numeric_table read_table(const std::string& path) {
  const bool is_npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  if (!is_npy) return read_csv(path);
  npy_array a = read_npy(path);
  if (a.shape.empty() || a.shape.size() > 2)
    throw input_error(path + ": expected a 1-D or 2-D array, got " + std::to_string(a.shape.size()) + "-D");
  numeric_table table;
  table.rows = a.shape[0];
  table.cols = a.shape.size() == 2 ? a.shape[1] : 1;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    if (!std::isfinite(a.values[i]))
      throw input_error(path + ": row " + std::to_string(i / table.cols) + ", column " +
                        std::to_string(i % table.cols) + " is not finite; data must be finite");
  table.values = std::move(a.values);
  for (std::size_t i = 0; i < table.cols; ++i) table.column_names.push_back("x" + std::to_string(i));
  if (table.rows == 0) throw input_error(path + ": no data rows");
  return table;
}

}  // namespace manychains
