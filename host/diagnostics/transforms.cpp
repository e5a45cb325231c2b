// Transforms of the draws that the diagnostics are computed on: split chains, rank normalisation
// (z-scale), folding, and ArviZ's type-7 quantile.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/error.hpp"

namespace manychains {

std::vector<double> split_chains(const double* x, std::size_t chains, std::size_t draws) {
  const std::size_t half = draws / 2;
  std::vector<double> out(2 * chains * half);
  for (std::size_t c = 0; c < chains; ++c) {
    std::copy(x + c * draws, x + c * draws + half, out.begin() + c * half);
    std::copy(x + c * draws + (draws - half), x + (c + 1) * draws, out.begin() + (chains + c) * half);
  }
  return out;
}

double normal_quantile(double p) { return normal_quantile_hd(p); }

namespace diagnostics_detail {

sorted_draws sort_draws(const double* x, std::size_t size) {
  sorted_draws out;
  out.values.resize(size);
  out.order.resize(size);
  if (size < 4096) {
    std::vector<std::pair<double, std::uint32_t>> keyed(size);
    for (std::size_t i = 0; i < size; ++i) keyed[i] = {x[i], static_cast<std::uint32_t>(i)};
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < size; ++i) {
      out.values[i] = keyed[i].first;
      out.order[i] = keyed[i].second;
    }
    return out;
  }
  // Order-preserving unsigned keys: flip all bits of negatives, the sign bit of positives.
  std::vector<std::uint64_t> key(size), key2(size);
  std::vector<std::uint32_t> idx(size), idx2(size);
  for (std::size_t i = 0; i < size; ++i) {
    std::uint64_t u;
    std::memcpy(&u, &x[i], sizeof u);
    key[i] = (u >> 63) ? ~u : (u | (std::uint64_t(1) << 63));
    idx[i] = static_cast<std::uint32_t>(i);
  }
  // 11-bit digits, 6 passes: 2048 buckets keep the scatter's write streams in cache.
  constexpr int bits = 11;
  constexpr std::uint64_t mask = (1u << bits) - 1;
  std::vector<std::size_t> count(std::size_t(1) << bits);
  for (int shift = 0; shift < 64; shift += bits) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < size; ++i) ++count[(key[i] >> shift) & mask];
    if (count[(key[0] >> shift) & mask] == size) continue;  // every key has this digit
    std::size_t sum = 0;
    for (auto& c : count) {
      const std::size_t v = c;
      c = sum;
      sum += v;
    }
    for (std::size_t i = 0; i < size; ++i) {
      const std::size_t dst = count[(key[i] >> shift) & mask]++;
      key2[dst] = key[i];
      idx2[dst] = idx[i];
    }
    key.swap(key2);
    idx.swap(idx2);
  }
  for (std::size_t i = 0; i < size; ++i) {
    out.order[i] = idx[i];
    out.values[i] = x[idx[i]];
  }
  return out;
}

std::vector<double> rank_z_table(std::size_t size) {
  std::vector<double> table(size);
  const double denom = (static_cast<double>(size) - 0.75) + 1.0;
#pragma omp parallel for schedule(static) if (size > 100000)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(size); ++i)
    table[i] = normal_quantile_hd((static_cast<double>(i + 1) - 0.375) / denom);
  return table;
}

void z_from_sorted(const double* v, const std::uint32_t* order, std::size_t size, const double* table, double* z) {
  // ArviZ: (rank - 3/8) / (size - 2 * 3/8 + 1), rank 1-based with ties averaged (scipy rankdata).
  const double denom = (static_cast<double>(size) - 0.75) + 1.0;
  std::size_t i = 0;
  while (i < size) {
    std::size_t j = i + 1;
    while (j < size && v[j] == v[i]) ++j;
    if (j == i + 1 && table) {
      z[order[i]] = table[i];
    } else {
      const double rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j));
      const double zr = normal_quantile_hd((rank - 0.375) / denom);
      for (std::size_t k = i; k < j; ++k) z[order[k]] = zr;
    }
    i = j;
  }
}

double quantile_from_sorted(const double* sorted, std::size_t size, double prob) {
  if (size == 1) return sorted[0];
  const type7_position pos = type7_locate(size, prob);
  return diagnostics_formula::type7_between(sorted[pos.k - 1], sorted[pos.k], pos.gamma);
}

double median_from_sorted(const double* sorted, std::size_t size) {
  // numpy.median: the middle value, or the mean of the two middle values.
  return diagnostics_formula::median_between(sorted[(size - 1) / 2], sorted[size / 2]);
}

void folded_z(const sorted_draws& s, double median, const double* table, double* z) {
  // |x - median| is non-increasing over the sorted values below the median and non-decreasing
  // above it (rounding is monotone and symmetric), so its sort order is a merge of the two runs.
  const std::size_t size = s.values.size();
  const double* v = s.values.data();
  const std::size_t p = static_cast<std::size_t>(std::lower_bound(v, v + size, median) - v);
  std::vector<std::uint32_t> order(size);
  std::vector<double> dist(size);
  std::ptrdiff_t l = static_cast<std::ptrdiff_t>(p) - 1;
  std::size_t r = p, out = 0;
  while (l >= 0 || r < size) {
    const double dl = l >= 0 ? std::fabs(v[l] - median) : 0.0;
    const double dr = r < size ? std::fabs(v[r] - median) : 0.0;
    if (r >= size || (l >= 0 && dl <= dr)) {
      dist[out] = dl;
      order[out++] = s.order[l--];
    } else {
      dist[out] = dr;
      order[out++] = s.order[r++];
    }
  }
  z_from_sorted(dist.data(), order.data(), size, table, z);
}

}  // namespace diagnostics_detail

std::vector<double> z_scale(const double* x, std::size_t size) {
  std::vector<double> z(size);
  const auto s = diagnostics_detail::sort_draws(x, size);
  diagnostics_detail::z_from_sorted(s.values.data(), s.order.data(), size, nullptr, z.data());
  return z;
}

double quantile_type7(const double* x, std::size_t size, double prob) {
  MC_EXPECTS(size > 0, "quantile of an empty array");
  if (size == 1) return x[0];
  const auto pos = diagnostics_detail::type7_locate(size, prob);
  std::vector<double> v(x, x + size);
  std::nth_element(v.begin(), v.begin() + (pos.k - 1), v.end());
  const double lo = v[pos.k - 1];
  const double hi = *std::min_element(v.begin() + pos.k, v.end());
  return diagnostics_formula::type7_between(lo, hi, pos.gamma);
}

}  // namespace manychains
