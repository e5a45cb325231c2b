// The host backend's building blocks of the diagnostics: shared by the per-statistic functions
// and the host pipeline (diagnose.cpp), so that both give the same numbers; not public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/detail/pipeline.hpp"
#include "manychains/diagnostics/formulas.hpp"

namespace manychains::diagnostics_detail {

using diagnostics_formula::type7_locate;
using diagnostics_formula::type7_position;

/// A buffer that grows and is never shrunk nor zeroed: kept between parameters, its pages are
/// touched once, by the code that fills it.
template <class T>
class grow_buffer {
 public:
  T* get(std::size_t n) {
    if (n > capacity_) {
      data_.reset(new T[n]);
      capacity_ = n;
    }
    return data_.get();
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }

 private:
  std::unique_ptr<T[]> data_;
  std::size_t capacity_ = 0;
};

/// A value (its IEEE bits; during the sort, its order-preserving key) and the index it came
/// from (64-bit: a parameter may have more than 2^32 draws).
struct radix_record {
  std::uint64_t bits, index;
};
inline std::uint64_t value_bits(double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return u;
}
inline double value_of(const radix_record& r) {
  double v;
  std::memcpy(&v, &r.bits, sizeof v);
  return v;
}
/// The sort's two buffers: one holds the sorted records, the other is free for the caller.
struct sort_scratch {
  grow_buffer<radix_record> a, b;
  radix_record* other(const radix_record* sorted) { return sorted == a.data() ? b.data() : a.data(); }
};
/// x sorted, with the index of each value: LSD radix sort (8-bit digits, one counting pass for
/// all of them, digits every key shares skipped) on the IEEE bit patterns; std::sort below 4096
/// values. NaN-free input. Points into `scratch`.
const radix_record* sort_records(const double* x, std::size_t size, sort_scratch& scratch);

/// table[i] = the z of rank i + 1 without ties (formulas.hpp rank_z), shared by every parameter.
std::vector<double> rank_z_table(std::size_t size);
/// z[r[i].index] = z-scaled rank of sorted position i, ties averaged (scipy rankdata "average");
/// `table` (rank_z_table(size)) or nullptr: the same numbers either way.
void z_from_records(const radix_record* sorted, std::size_t size, const double* table, double* z);
/// z-scale of |x - median| given x sorted, by merging the two monotone runs (into `scratch`, of
/// `size` records).
void folded_z(const radix_record* sorted, std::size_t size, double median, const double* table, double* z,
              radix_record* scratch);

double quantile_from_sorted(const double* sorted, std::size_t size, double prob);

/// Split chains into `out` (2 chains × draws / 2).
void split_chains_into(const double* x, std::size_t chains, std::size_t draws, double* out);

/// Per-chain mean (x_0 + mean(x - x_0): exact for a constant chain) and M2 of a (chains, n) array.
chain_sums host_chain_sums(const double* x, std::size_t chains, std::size_t n);
/// The mean of one chain, as host_chain_sums computes it.
double host_chain_mean(const double* x, std::size_t n);
/// ESS of a (chains, n) array (ArviZ `_ess`); `constant` when ArviZ's constant test is known.
double host_ess(const double* x, std::size_t chains, std::size_t n, std::optional<bool> constant);

/// Throws input_error unless every value is finite; `what` names the parameter.
void check_finite(const double* x, std::size_t chains, std::size_t draws, const char* what);
/// Throws input_error when draws < 4 (ESS, split R-hat and MCSE need 4 draws per chain).
void check_min_draws(std::size_t chains, std::size_t draws, const char* statistic);
/// ArviZ's constant test: max - min < 1e-15 (numpy's float resolution).
bool is_constant(const double* x, std::size_t size);

/// diagnose_parameter with a shared rank_z_table (or nullptr).
parameter_diagnostics diagnose_with_table(const double* x, std::size_t chains, std::size_t draws,
                                          const diagnose_options& options, const std::string& name,
                                          const std::vector<double>* z_table);

}  // namespace manychains::diagnostics_detail
