/// \file validate.hpp
/// Command-line numbers, checked as text before CLI11 converts them, so that nothing wraps
/// around or slips through: "-1" is not a huge count, "1e23" or 2^64 is not the largest seed,
/// "nan" and "inf" are not numbers, and ranges print as people write them (1e+308, not 300 digits).
/// Every subcommand's options use these; a refused value is a usage error (exit 2).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace manychains::cli {

/// A whole number from `min` to `max`, in decimal digits only (no sign, exponent or hex).
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

/// A random seed: a whole number from 0 to 2^64 - 1.
CLI::Validator seed_number();

/// A finite number in [min, max]; `open_min` excludes min (a positive number: open_min at 0).
CLI::Validator finite_number(double min, double max, bool open_min = false);
inline CLI::Validator positive_number() {
  return finite_number(0.0, std::numeric_limits<double>::max(), true);
}
inline CLI::Validator non_negative_number() { return finite_number(0.0, std::numeric_limits<double>::max()); }

/// The text as a finite number greater than 0, or nothing ("auto", "inf", "nan", "1x", "-1").
std::optional<double> positive_finite(const std::string& text);

/// What a run keeps per parameter besides the chains' state: its name, settings, summary row and
/// diagnostics in memory. Measured on `sample --target gaussian:dim=2000000 --chains 2`: 2.7 GB
/// peak memory, 1.4 KB per parameter.
constexpr std::size_t memory_bytes_per_parameter = 1536;

/// Refuses (memory_error, exit 3) a target spec whose declared `dim` alone needs more memory than
/// the machine has for its per-parameter tables, before the target is built.
void check_declared_dimension(const std::string& target_spec_text);

/// The default seed when --seed is not given: 32 random bits (recorded by the command in its
/// output, so a run can be repeated).
/// Every subcommand with a --seed uses it, so the policy is the same everywhere.
std::uint64_t random_seed();

}  // namespace manychains::cli
