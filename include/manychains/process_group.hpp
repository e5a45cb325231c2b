/// \file process_group.hpp
/// The processes one run is split over: the MPI ranks of `mpirun -np R manychains …` (in a build
/// with MANYCHAINS_MPI), or this process alone. The runners split the chains (or data rows) into
/// contiguous ranges by global index, one per process, and meet only through the few collectives
/// here. Every floating-point combination is done in process order, which is global chain order,
/// so a result is bit for bit that of one process holding everything, whatever the process count.
/// host/mpi/ implements it twice (MPI; one process); no other code depends on which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "manychains/engine.hpp"

namespace manychains {

class process_group {
 public:
  virtual ~process_group() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// This process's index among those on its node: which GPU it takes.
  virtual int local_rank() const = 0;
  /// Sums each of `n` integers over all processes (exact, so order does not matter).
  virtual void sum(std::uint64_t* values, std::size_t n) = 0;
  /// The smallest of each process's `value`.
  virtual std::uint64_t min(std::uint64_t value) = 0;
  /// A fold in process order: process 0 applies `add` to `acc` as given, each next process to the
  /// previous one's result; every process returns with the last one's. A sum over chains done so
  /// (each process adding its chains in order) is one process's sum in chain order, bit for bit.
  virtual void fold_in_order(std::vector<double>& acc, const std::function<void(std::vector<double>&)>& add) = 0;
  /// Every process's bytes, concatenated in process order, on every process.
  virtual std::vector<char> all_gather(const void* data, std::size_t bytes) = 0;
  /// `to[q]` goes to process q; returns what every process sent this one, concatenated in
  /// process order.
  virtual std::vector<char> all_to_all(const std::vector<std::vector<char>>& to) = 0;
  virtual void barrier() = 0;
  /// Ends every process of the group with exit status `code` (after this one's clean-up).
  [[noreturn]] virtual void abort(int code) = 0;
};

/// The group this process belongs to: every MPI rank when built with MPI and started by mpirun
/// (MPI is initialised on the first call and finalised at exit), else this process alone.
process_group& world();
/// Whether this build can run under mpirun as several processes (MANYCHAINS_MPI).
bool mpi_enabled();

/// Process `rank`'s share of `n` items split into `size` contiguous ranges of whole `unit`s (the
/// last unit may be short), the first ones one unit longer: [first, last) by global index.
inline chain_range share_of(std::uint64_t n, int rank, int size, std::uint64_t unit = 1) {
  const std::uint64_t r = static_cast<std::uint64_t>(rank), s = static_cast<std::uint64_t>(size);
  const std::uint64_t units = (n + unit - 1) / unit, base = units / s, extra = units % s;
  const std::uint64_t first = r * base + (r < extra ? r : extra), last = first + base + (r < extra ? 1 : 0);
  return {std::min(n, first * unit), std::min(n, last * unit)};
}

/// The chains a rank runs: whole blocks of `chain_block` (the CPU dense step multiplies blocks of
/// 64 chains, and its rounding depends on a block's rows, so equal blocks give equal draws) when
/// every rank gets at least one, else single chains (the dense metric is then equal to rounding).
inline constexpr std::uint64_t chain_block = 64;
inline chain_range chain_share(std::uint64_t chains, int rank, int size) {
  return share_of(chains, rank, size, chains >= chain_block * static_cast<std::uint64_t>(size) ? chain_block : 1);
}

/// Every process's values concatenated in process order (on every process).
template <class T>
std::vector<T> gather_in_order(process_group& g, const std::vector<T>& mine) {
  if (g.size() == 1) return mine;
  const std::vector<char> bytes = g.all_gather(mine.data(), mine.size() * sizeof(T));
  std::vector<T> all(bytes.size() / sizeof(T));
  if (!all.empty()) std::memcpy(all.data(), bytes.data(), all.size() * sizeof(T));
  return all;
}

/// Whether any process passes true.
inline bool any_of(process_group& g, bool mine) {
  std::uint64_t v = mine ? 1 : 0;
  g.sum(&v, 1);
  return v > 0;
}

}  // namespace manychains
