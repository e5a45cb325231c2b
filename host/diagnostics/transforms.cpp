// Transforms of the draws that the diagnostics are computed on: split chains, rank normalisation
// (z-scale), folding, and ArviZ's type-7 quantile.
#include <algorithm>
#include <array>
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
  std::vector<double> out(2 * chains * (draws / 2));
  diagnostics_detail::split_chains_into(x, chains, draws, out.data());
  return out;
}

double normal_quantile(double p) { return normal_quantile_hd(p); }

namespace diagnostics_detail {

void split_chains_into(const double* x, std::size_t chains, std::size_t draws, double* out) {
  const std::size_t half = draws / 2;
  for (std::size_t c = 0; c < chains; ++c) {
    std::copy(x + c * draws, x + c * draws + half, out + c * half);
    std::copy(x + c * draws + (draws - half), x + (c + 1) * draws, out + (chains + c) * half);
  }
}

namespace {

/// Order-preserving unsigned keys: flip all bits of negatives, the sign bit of positives.
inline std::uint64_t order_key(double v) {
  const std::uint64_t u = value_bits(v);
  return (u >> 63) ? ~u : (u | (std::uint64_t(1) << 63));
}
/// The IEEE bits of the value of an order key.
inline std::uint64_t key_bits(std::uint64_t k) { return (k >> 63) ? (k & ~(std::uint64_t(1) << 63)) : ~k; }

}  // namespace

const radix_record* sort_records(const double* x, std::size_t size, sort_scratch& scratch) {
  radix_record* src = scratch.a.get(size);
  radix_record* dst = scratch.b.get(size);
  if (size < 4096) {
    for (std::size_t i = 0; i < size; ++i) src[i] = {value_bits(x[i]), i};
    std::sort(src, src + size, [](const radix_record& l, const radix_record& r) { return value_of(l) < value_of(r); });
    return src;
  }
  // 8-bit digits: 256 write streams per pass stay within the caches and the TLB (11-bit digits,
  // 2048 streams of keys and 2048 of indices, measured half as fast); key and index travel
  // together in one 16-byte record, one write stream per bucket.
  constexpr int bits = 8, digits = 64 / bits, buckets = 1 << bits;
  std::vector<std::array<std::size_t, buckets>> count(digits);
  for (auto& c : count) c.fill(0);
  for (std::size_t i = 0; i < size; ++i) {
    const std::uint64_t k = order_key(x[i]);
    src[i] = {k, i};
    for (int d = 0; d < digits; ++d) ++count[d][(k >> (bits * d)) & (buckets - 1)];
  }
  for (int d = 0; d < digits; ++d) {
    const int shift = bits * d;
    auto& c = count[d];
    if (c[(src[0].bits >> shift) & (buckets - 1)] == size) continue;  // every key has this digit
    std::size_t sum = 0;
    for (auto& v : c) {
      const std::size_t n = v;
      v = sum;
      sum += n;
    }
    for (std::size_t i = 0; i < size; ++i) dst[c[(src[i].bits >> shift) & (buckets - 1)]++] = src[i];
    std::swap(src, dst);
  }
  for (std::size_t i = 0; i < size; ++i) src[i].bits = key_bits(src[i].bits);
  return src;
}

std::vector<double> rank_z_table(std::size_t size) {
  std::vector<double> table(size);
#pragma omp parallel for schedule(static) if (size > 100000)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(size); ++i)
    table[i] = diagnostics_formula::rank_z(static_cast<double>(i + 1), size);
  return table;
}

void z_from_records(const radix_record* r, std::size_t size, const double* table, double* z) {
  std::size_t i = 0;
  while (i < size) {
    const double v = value_of(r[i]);
    std::size_t j = i + 1;
    while (j < size && value_of(r[j]) == v) ++j;
    if (j == i + 1 && table) {
      z[r[i].index] = table[i];
    } else {
      const double zr = diagnostics_formula::rank_z(diagnostics_formula::average_rank(i, j), size);
      for (std::size_t k = i; k < j; ++k) z[r[k].index] = zr;
    }
    i = j;
  }
}

double quantile_from_sorted(const double* sorted, std::size_t size, double prob) {
  if (size == 1) return sorted[0];
  const type7_position pos = type7_locate(size, prob);
  return diagnostics_formula::type7_between(sorted[pos.k - 1], sorted[pos.k], pos.gamma);
}

void folded_z(const radix_record* sorted, std::size_t size, double median, const double* table, double* z,
              radix_record* scratch) {
  // |x - median| is non-increasing over the sorted values below the median and non-decreasing
  // above it (rounding is monotone and symmetric), so its sort order is a merge of the two runs.
  const std::size_t p = static_cast<std::size_t>(
      std::lower_bound(sorted, sorted + size, median, [](const radix_record& r, double m) { return value_of(r) < m; }) -
      sorted);
  std::ptrdiff_t l = static_cast<std::ptrdiff_t>(p) - 1;
  std::size_t r = p, out = 0;
  while (l >= 0 || r < size) {
    const double dl = l >= 0 ? std::fabs(value_of(sorted[l]) - median) : 0.0;
    const double dr = r < size ? std::fabs(value_of(sorted[r]) - median) : 0.0;
    if (r >= size || (l >= 0 && dl <= dr)) {
      scratch[out++] = {value_bits(dl), sorted[l--].index};
    } else {
      scratch[out++] = {value_bits(dr), sorted[r++].index};
    }
  }
  z_from_records(scratch, size, table, z);
}

}  // namespace diagnostics_detail

std::vector<double> z_scale(const double* x, std::size_t size) {
  std::vector<double> z(size);
  diagnostics_detail::sort_scratch scratch;
  diagnostics_detail::z_from_records(diagnostics_detail::sort_records(x, size, scratch), size, nullptr, z.data());
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
