/// \file target_spec.hpp
/// Parses target spec strings: `name[:key=value[,key=value]…]`. A value may be a list: items of
/// a per-component list are separated by '/', coordinates of one vector by ';'. A key given twice
/// is refused.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace manychains {

class target_spec {
 public:
  explicit target_spec(const std::string& text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  /// Throws input_error when a key other than `allowed` was given, listing the allowed ones.
  void allow_only(const std::set<std::string>& allowed) const;

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  std::string string_or(const std::string& key, const std::string& fallback) const;
  double number_or(const std::string& key, double fallback) const;
  /// A positive whole number, at most max_count (2^53: every count below it is exact in a
  /// double, and none of its products with small sizes can overflow size_t unnoticed).
  std::size_t count_or(const std::string& key, std::size_t fallback) const;
  static constexpr std::uint64_t max_count = std::uint64_t(1) << 53;
  /// A '/'-separated list of ';'-separated numbers: one vector per item.
  std::vector<std::vector<double>> vectors(const std::string& key) const;

 private:
  double to_number(const std::string& key, const std::string& value) const;
  std::string text_, name_;
  std::map<std::string, std::string> values_;
};

}  // namespace manychains
