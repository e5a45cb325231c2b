#include "target_spec.hpp"

#include <cmath>
#include <sstream>

#include "manychains/checked.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::stringstream stream(s);
  std::string part;
  while (std::getline(stream, part, sep)) parts.push_back(part);
  return parts;
}
}  // namespace

target_spec::target_spec(const std::string& text) : text_(text) {
  const auto colon = text.find(':');
  name_ = text.substr(0, colon);
  if (colon == std::string::npos) return;
  for (const auto& item : split(text.substr(colon + 1), ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw input_error("target '" + text + "': expected key=value, found '" + item + "'");
    const std::string key = item.substr(0, eq);
    if (values_.count(key))
      throw input_error("target '" + text + "': key '" + key + "' is given twice; give each key once");
    values_[key] = item.substr(eq + 1);
  }
}

void target_spec::allow_only(const std::set<std::string>& allowed) const {
  for (const auto& [key, value] : values_) {
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw input_error("target '" + name_ + "' has no key '" + key + "'; valid keys: " +
                      (list.empty() ? "none" : list));
  }
}

std::string target_spec::string_or(const std::string& key, const std::string& fallback) const {
  const auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

double target_spec::to_number(const std::string& key, const std::string& value) const {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || used == 0 || !std::isfinite(v))
    throw input_error("target '" + name_ + "': " + key + "='" + value + "' is not a finite number");
  return v;
}

double target_spec::number_or(const std::string& key, double fallback) const {
  return has(key) ? to_number(key, values_.at(key)) : fallback;
}

std::size_t target_spec::count_or(const std::string& key, std::size_t fallback) const {
  if (!has(key)) return fallback;
  const std::string& text = values_.at(key);
  // Digits are read exactly (no detour through double, no wrap-around); "1e3" is still a count.
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  const std::string what = "target '" + name_ + "': " + key + "=" + text.substr(0, 40);
  std::uint64_t v = 0;
  if (digits) {
    const auto parsed = parse_decimal_u64(text);
    if (!parsed) throw input_error(what + " is too large (at most " + std::to_string(max_count) + ")");
    v = *parsed;
  } else {
    const double d = to_number(key, text);
    if (d < 1 || d != std::floor(d)) throw input_error(what + ": " + key + " must be a positive whole number");
    if (d > double(max_count)) throw input_error(what + " is too large (at most " + std::to_string(max_count) + ")");
    v = static_cast<std::uint64_t>(d);
  }
  if (v < 1) throw input_error(what + ": " + key + " must be a positive whole number");
  if (v > max_count) throw input_error(what + " is too large (at most " + std::to_string(max_count) + ")");
  return static_cast<std::size_t>(v);
}

std::vector<std::vector<double>> target_spec::vectors(const std::string& key) const {
  std::vector<std::vector<double>> result;
  for (const auto& item : split(values_.at(key), '/')) {
    std::vector<double> v;
    for (const auto& coord : split(item, ';')) v.push_back(to_number(key, coord));
    result.push_back(v);
  }
  return result;
}

}  // namespace manychains
