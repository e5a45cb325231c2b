// The summary of draws that several processes wrote into one .npy file, split by parameter:
// process r diagnoses parameters share_of(dim, r, R) over all chains, reading only their columns
// from the file, and the rows meet on every process. Each row is computed exactly as one process
// computes it (the same diagnose_draws on the same values), so the summary does not depend on R.
#pragma once

#include <string>
#include <vector>

#include "manychains/diagnostics.hpp"
#include "manychains/process_group.hpp"
#include "manychains/summary.hpp"

namespace manychains::cli {

/// Rows for the (chains, draws, dim) array of T at byte `offset` of `path`: diagnostics as
/// summarize_run gives them (plain mean/sd/quantiles where a draw is not finite).
template <class T>
std::vector<parameter_summary> summarize_split(process_group& group, const std::string& path, std::size_t offset,
                                               std::size_t chains, std::size_t draws, std::size_t dim,
                                               const std::vector<std::string>& names, bool plain_only = false);

/// How split_rows diagnoses a process's columns.
struct split_diagnosis {
  diagnose_options options;
  bool cuda = false;            ///< on this process's GPU (the columns copied there as doubles)
  bool plain_fallback = false;  ///< a non-finite draw: plain mean/sd/quantiles (sample), not an error (diagnose)
  bool plain_only = false;      ///< only mean/sd/quantiles, as summarize_draws (ensemble)
};

/// Rows for the (chains, draws, dim) array `all` (every process sees it, e.g. through a memory
/// map): process r copies out and diagnoses parameters share_of(dim, r, R); the rows meet on
/// every process. `names`: dim names (or empty for x[j]). Collective; a failure fails every process.
template <class T>
std::vector<parameter_summary> split_rows(process_group& group, const T* all, std::size_t chains, std::size_t draws,
                                          std::size_t dim, const std::vector<std::string>& names,
                                          const split_diagnosis& how);

/// Every process's rows (parameters in order), on every process.
std::vector<parameter_summary> gather_rows(process_group& group, const std::vector<parameter_summary>& mine,
                                           const std::vector<std::string>& names, std::size_t first);

}  // namespace manychains::cli
