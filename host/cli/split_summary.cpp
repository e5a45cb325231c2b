#include "cli/split_summary.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "mpi/collectively.hpp"

namespace manychains::cli {
namespace {

constexpr std::size_t row_doubles = 15;  // 5 values, 5 optional values, 5 presence flags

void put(double*& at, const std::optional<double>& v, double*& flag) {
  *at++ = v.value_or(0.0);
  *flag++ = v ? 1.0 : 0.0;
}

std::optional<double> get(const double* at, const double* flag) {
  return *flag != 0.0 ? std::optional<double>(*at) : std::nullopt;
}

}  // namespace

std::vector<parameter_summary> gather_rows(process_group& group, const std::vector<parameter_summary>& mine,
                                           const std::vector<std::string>& names, std::size_t first) {
  (void)first;
  std::vector<double> packed(mine.size() * row_doubles);
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const parameter_summary& r = mine[i];
    double* at = packed.data() + i * row_doubles;
    double* flag = at + 10;
    for (double v : {r.mean, r.sd, r.q5, r.q50, r.q95}) *at++ = v;
    for (const auto* o : {&r.mcse_mean, &r.ess_bulk, &r.ess_tail, &r.rhat, &r.rhat_nested}) put(at, *o, flag);
  }
  const std::vector<double> all = gather_in_order(group, packed);
  std::vector<parameter_summary> rows(all.size() / row_doubles);
  for (std::size_t j = 0; j < rows.size(); ++j) {
    const double* at = all.data() + j * row_doubles;
    const double* flag = at + 10;
    parameter_summary& r = rows[j];
    r.name = j < names.size() ? names[j] : "x" + std::to_string(j);
    r.mean = at[0], r.sd = at[1], r.q5 = at[2], r.q50 = at[3], r.q95 = at[4];
    r.mcse_mean = get(at + 5, flag);
    r.ess_bulk = get(at + 6, flag + 1);
    r.ess_tail = get(at + 7, flag + 2);
    r.rhat = get(at + 8, flag + 3);
    r.rhat_nested = get(at + 9, flag + 4);
  }
  return rows;
}

template <class T>
std::vector<parameter_summary> split_rows(process_group& group, const T* all, std::size_t chains, std::size_t draws,
                                          std::size_t dim, const std::vector<std::string>& names,
                                          const split_diagnosis& how) {
  const chain_range mine = share_of(dim, group.rank(), group.size());
  const std::size_t first = static_cast<std::size_t>(mine.first), width = mine.size();
  std::vector<std::string> full = names;  // diagnose_draws's own default names, numbered globally
  for (std::size_t j = full.size(); j < dim; ++j) full.push_back("x[" + std::to_string(j) + "]");
  const std::vector<std::string> sub(full.begin() + static_cast<std::ptrdiff_t>(first),
                                     full.begin() + static_cast<std::ptrdiff_t>(first + width));
  std::vector<parameter_summary> rows;
  bool plain = false;
  std::vector<T> cols;
  collectively(group, [&] {
    if (chains == 0 || draws == 0 || width == 0) return;
    // This process's columns, (chains, draws, width): through a map only their pages are read.
    cols.resize(chains * draws * width);
    for (std::size_t i = 0; i < chains * draws; ++i)
      std::memcpy(cols.data() + i * width, all + i * dim + first, width * sizeof(T));
    if (how.plain_only) {
      rows = summarize_draws(cols.data(), chains, draws, width, sub);
      return;
    }
    try {
      std::vector<parameter_diagnostics> diags;
      if (how.cuda) {
        const std::vector<double> as_double(cols.begin(), cols.end());
        diags = diagnose_draws_cuda_from_host(as_double.data(), chains, draws, width, sub, how.options);
      } else {
        diags = diagnose_draws(cols.data(), chains, draws, width, sub, how.options);
      }
      for (const auto& d : diags) rows.push_back(to_summary(d));
    } catch (const input_error&) {
      if (!how.plain_fallback) throw;
      plain = true;
    }
  });
  // As summarize_run: a non-finite draw anywhere keeps the plain summary for every parameter.
  if (how.plain_fallback && any_of(group, plain) && width > 0)
    rows = summarize_draws(cols.data(), chains, draws, width, sub);
  return gather_rows(group, rows, full, first);
}

template <class T>
std::vector<parameter_summary> summarize_split(process_group& group, const std::string& path, std::size_t offset,
                                               std::size_t chains, std::size_t draws, std::size_t dim,
                                               const std::vector<std::string>& names, bool plain_only) {
  const std::size_t bytes = offset + chains * draws * dim * sizeof(T);
  void* map = MAP_FAILED;
  collectively(group, [&] {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw error("cannot read " + path + " back: " + std::strerror(errno));
    map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) throw error("cannot map " + path + ": " + std::strerror(errno));
  });
  struct unmap {
    void* at;
    std::size_t bytes;
    ~unmap() { ::munmap(at, bytes); }
  } mapped{map, bytes};
  split_diagnosis how;
  how.plain_fallback = !plain_only;
  how.plain_only = plain_only;
  return split_rows(group, reinterpret_cast<const T*>(static_cast<const char*>(map) + offset), chains, draws, dim,
                    names, how);
}

template std::vector<parameter_summary> split_rows<float>(process_group&, const float*, std::size_t, std::size_t,
                                                          std::size_t, const std::vector<std::string>&,
                                                          const split_diagnosis&);
template std::vector<parameter_summary> split_rows<double>(process_group&, const double*, std::size_t, std::size_t,
                                                           std::size_t, const std::vector<std::string>&,
                                                           const split_diagnosis&);
template std::vector<parameter_summary> summarize_split<float>(process_group&, const std::string&, std::size_t,
                                                               std::size_t, std::size_t, std::size_t,
                                                               const std::vector<std::string>&, bool);
template std::vector<parameter_summary> summarize_split<double>(process_group&, const std::string&, std::size_t,
                                                                std::size_t, std::size_t, std::size_t,
                                                                const std::vector<std::string>&, bool);

}  // namespace manychains::cli
