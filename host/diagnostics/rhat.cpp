// R-hat of host arrays: split / rank-normalised / folded variants and nested R-hat (Margossian et
// al. 2024); the combine steps are in host/core/diagnostics/combine.cpp.
#include <cmath>
#include <limits>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

std::vector<chain_moments> moments_of(const double* x, std::size_t chains, std::size_t n) {
  return diagnostics_detail::moments_from_sums(diagnostics_detail::host_chain_sums(x, chains, n), n);
}

}  // namespace

double rhat_plain(const double* x, std::size_t chains, std::size_t n) {
  const auto m = moments_of(x, chains, n);
  return rhat_from_moments(m.data(), chains, n);
}

double rhat_split(const double* x, std::size_t chains, std::size_t draws) {
  diagnostics_detail::check_min_draws(chains, draws, "split R-hat");
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  return rhat_plain(s.data(), 2 * chains, draws / 2);
}

double rhat_bulk(const double* x, std::size_t chains, std::size_t draws) {
  diagnostics_detail::check_min_draws(chains, draws, "R-hat");
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  const auto z = z_scale(s.data(), s.size());
  return rhat_plain(z.data(), 2 * chains, draws / 2);
}

double rhat_folded(const double* x, std::size_t chains, std::size_t draws) {
  diagnostics_detail::check_min_draws(chains, draws, "R-hat");
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  diagnostics_detail::sort_scratch scratch;
  const auto* sorted = diagnostics_detail::sort_records(s.data(), s.size(), scratch);
  const double median = diagnostics_formula::median_between(diagnostics_detail::value_of(sorted[(s.size() - 1) / 2]),
                                                            diagnostics_detail::value_of(sorted[s.size() / 2]));
  std::vector<double> z(s.size());
  diagnostics_detail::folded_z(sorted, s.size(), median, nullptr, z.data(), scratch.other(sorted));
  return rhat_plain(z.data(), 2 * chains, draws / 2);
}

double rhat_rank(const double* x, std::size_t chains, std::size_t draws) {
  return std::max(rhat_bulk(x, chains, draws), rhat_folded(x, chains, draws));
}

double rhat_nested(const double* x, std::size_t chains, std::size_t draws, std::size_t superchains) {
  diagnostics_detail::check_finite(x, chains, draws, "x");
  const auto m = moments_of(x, chains, draws);
  return rhat_nested_from_moments(m.data(), chains, draws, superchains);
}

}  // namespace manychains
