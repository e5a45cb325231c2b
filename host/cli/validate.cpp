#include "cli/validate.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <random>

#include "manychains/checked.hpp"
#include "manychains/resources.hpp"
#include "target_spec.hpp"

namespace manychains::cli {
namespace {

/// The value as a message shows it: short, on one line.
std::string shown(const std::string& text) {
  std::string s = text.substr(0, 40);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return "'" + s + (text.size() > 40 ? "...'" : "'");
}

std::string range_text(double min, double max, bool open_min) {
  const bool unbounded = max >= std::numeric_limits<double>::max();
  if (unbounded) return fmt::format("{} {:g}", open_min ? ">" : ">=", min);
  return fmt::format("from {:g} to {:g}{}", min, max, open_min ? fmt::format(" (not {:g})", min) : "");
}

/// strtod over the whole text; nothing when it is not all one number.
std::optional<double> parse_double(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  const std::string range = max == std::numeric_limits<std::uint64_t>::max() ? fmt::format(">= {}", min)
                                                                              : fmt::format("from {} to {}", min, max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        const auto v = parse_decimal_u64(text);
        if (!v || *v < min || *v > max) return fmt::format("must be a whole number {}, not {}", range, shown(text));
        return {};
      },
      "INT " + range);
}

CLI::Validator seed_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (!parse_decimal_u64(text))
          return "must be a whole number from 0 to 18446744073709551615 (2^64 - 1), not " + shown(text);
        return {};
      },
      "0 to 2^64-1");
}

CLI::Validator finite_number(double min, double max, bool open_min) {
  const std::string range = range_text(min, max, open_min);
  return CLI::Validator(
      [min, max, open_min, range](std::string& text) -> std::string {
        const auto v = parse_double(text);
        if (!v || !std::isfinite(*v)) return fmt::format("must be a finite number {}, not {}", range, shown(text));
        if (*v < min || *v > max || (open_min && *v == min))
          return fmt::format("must be {}, not {}", range, shown(text));
        return {};
      },
      "NUMBER " + range);
}

std::optional<double> positive_finite(const std::string& text) {
  const auto v = parse_double(text);
  if (!v || !std::isfinite(*v) || !(*v > 0)) return std::nullopt;
  return v;
}

void check_declared_dimension(const std::string& target_spec_text) {
  const std::size_t dim = target_spec(target_spec_text).count_or("dim", 0);
  if (dim > 0)
    require_memory(fmt::format("{} parameters (their names, settings and summaries)", dim),
                   saturating_mul(dim, memory_bytes_per_parameter), "use a smaller dim");
}

std::uint64_t random_seed() { return std::random_device{}(); }

}  // namespace manychains::cli
