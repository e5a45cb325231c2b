/// \file checked.hpp
/// Sizes computed in checked arithmetic: a count read from a file header or the command line
/// must never wrap around, so products and sums of sizes report overflow instead of wrapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace manychains {

/// a × b, or nothing when it does not fit in size_t.
inline std::optional<std::size_t> checked_mul(std::size_t a, std::size_t b) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// a + b, or nothing when it does not fit in size_t.
inline std::optional<std::size_t> checked_add(std::size_t a, std::size_t b) {
  std::size_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

/// The number of elements of an array of this shape (1 for no dimensions), or nothing on overflow.
inline std::optional<std::size_t> checked_product(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (std::size_t s : shape) {
    const auto next = checked_mul(n, s);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

/// Saturating versions for byte estimates: an estimate too large to count is "more than any
/// machine has", which the resource checks then refuse.
inline std::size_t saturating_mul(std::size_t a, std::size_t b) {
  return checked_mul(a, b).value_or(std::numeric_limits<std::size_t>::max());
}
inline std::size_t saturating_add(std::size_t a, std::size_t b) {
  return checked_add(a, b).value_or(std::numeric_limits<std::size_t>::max());
}

/// Parses a whole string of decimal digits (no sign, no spaces, no exponent) as an unsigned
/// 64-bit integer; nothing when the text is not one or does not fit.
inline std::optional<std::uint64_t> parse_decimal_u64(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, std::uint64_t(10), &v) || __builtin_add_overflow(v, std::uint64_t(c - '0'), &v))
      return std::nullopt;
  }
  return v;
}

}  // namespace manychains
