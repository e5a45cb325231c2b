/// \file rows.hpp
/// EM over data rows split between processes (`mpirun -np R manychains em`): each process holds
/// a contiguous range of rows by global index, and every sum over rows is folded in process
/// order (process_group::fold_in_order), i.e. in global row order: the fit is bit for bit that of
/// one process holding every row, whatever the process count (on the CPU backend).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "manychains/process_group.hpp"

namespace manychains {

/// This process's rows [first, first + n) of `total` rows split over `group`; a null group is
/// this process alone with every row (first 0, total n).
struct em_rows {
  process_group* group = nullptr;
  std::size_t first = 0, total = 0;
};

/// Points per block of the CPU E-step for `n` rows in all: about 256 blocks of at least 512.
/// Blocks are numbered over all rows, so splitting rows in whole blocks keeps every block sum.
inline std::size_t em_block_rows(std::size_t n) { return std::max<std::size_t>(512, (n + 255) / 256); }

/// Process `rank`'s rows of `n`: contiguous, in whole E-step blocks.
inline chain_range em_row_share(std::size_t n, int rank, int size) { return share_of(n, rank, size, em_block_rows(n)); }

/// Sums over rows in global row order: every process adds its own rows' terms (`add`, in row
/// order) to the running sums, process after process; `width` sums, starting from 0.
template <class Add>
std::vector<double> sum_over_rows(process_group& group, std::size_t width, Add&& add) {
  std::vector<double> acc(width, 0.0);
  group.fold_in_order(acc, [&](std::vector<double>& a) { add(a); });
  return acc;
}

/// Row `row` (global index) of d values, from the process holding it, on every process.
inline std::vector<double> fetch_row(process_group& group, const double* x, std::size_t n, std::size_t first, int d,
                                     std::size_t row) {
  const bool mine = row >= first && row < first + n;
  if (group.size() == 1) return std::vector<double>(x + (row - first) * d, x + (row - first + 1) * d);
  const std::vector<char> bytes = group.all_gather(mine ? x + (row - first) * d : x, mine ? sizeof(double) * d : 0);
  std::vector<double> out(static_cast<std::size_t>(d));
  std::memcpy(out.data(), bytes.data(), sizeof(double) * out.size());
  return out;
}

}  // namespace manychains
