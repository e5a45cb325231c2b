// The host backend of the diagnostics pipeline (detail/pipeline.hpp), the per-statistic
// wrappers, and the (chains, draws, dim) entry point.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

using namespace diagnostics_detail;

/// The pipeline's series in host memory; one workspace per thread, kept between parameters.
struct host_workspace {
  grow_buffer<double> split, work;
  sort_scratch sort;
};

class host_backend {
 public:
  host_backend(const double* full, std::size_t chains, std::size_t draws, const double* z_table, host_workspace& ws)
      : full_(full), chains_(chains), draws_(draws), half_(draws / 2), table_(z_table), ws_(ws) {}

  chain_sums sums(series s) const {
    return s == series::full ? host_chain_sums(full_, chains_, draws_) : host_chain_sums(data(s), 2 * chains_, half_);
  }
  void find_not_finite(const std::string& name) const { check_finite(full_, chains_, draws_, name.c_str()); }
  void split() {
    ws_.work.get(split_size());
    split_chains_into(full_, chains_, draws_, ws_.split.get(split_size()));
  }
  void sort(series s) {
    sorted_ = s == series::full ? sort_records(full_, chains_ * draws_, ws_.sort)
                                : sort_records(ws_.split.data(), split_size(), ws_.sort);
  }
  double sorted_at(std::size_t k) const { return value_of(sorted_[k]); }
  void rank_z() { z_from_records(sorted_, split_size(), table_, ws_.work.data()); }
  void folded_rank_z(double median) {
    folded_z(sorted_, split_size(), median, table_, ws_.work.data(), ws_.sort.other(sorted_));
  }
  void indicator(double q) {
    const double* x = ws_.split.data();
    double* out = ws_.work.data();
    for (std::size_t i = 0; i < split_size(); ++i) out[i] = x[i] <= q ? 1.0 : 0.0;
  }
  chain_sums squared_deviations(double mean) {
    chain_sums out{std::vector<double>(chains_), std::vector<double>(chains_)};
    const auto sq = [mean](double x) { return (x - mean) * (x - mean); };
    for (std::size_t c = 0; c < chains_; ++c) {
      const double* xc = full_ + c * draws_;
      double* first = ws_.work.data() + c * half_;
      double* last = ws_.work.data() + (chains_ + c) * half_;
      for (std::size_t i = 0; i < half_; ++i) {
        first[i] = sq(xc[i]);
        last[i] = sq(xc[draws_ - half_ + i]);
      }
      // As host_chain_sums, on the squares computed again (cheaper than storing them).
      const double v0 = sq(xc[0]);
      double s = 0;
#pragma omp simd reduction(+ : s)
      for (std::size_t i = 0; i < draws_; ++i) s += sq(xc[i]) - v0;
      const double m = v0 + s / static_cast<double>(draws_);
      double q = 0;
#pragma omp simd reduction(+ : q)
      for (std::size_t i = 0; i < draws_; ++i) q += (sq(xc[i]) - m) * (sq(xc[i]) - m);
      out.mean[c] = m;
      out.m2[c] = q;
    }
    return out;
  }
  double ess(series s, std::optional<bool> constant) const { return host_ess(data(s), 2 * chains_, half_, constant); }

 private:
  std::size_t split_size() const { return 2 * chains_ * half_; }
  const double* data(series s) const { return s == series::split ? ws_.split.data() : ws_.work.data(); }

  const double* full_;
  std::size_t chains_, draws_, half_;
  const double* table_;
  host_workspace& ws_;
  const radix_record* sorted_ = nullptr;
};

/// ESS of the indicator split(x) <= q.
double ess_indicator(const std::vector<double>& split, std::size_t chains2, std::size_t half, double q) {
  std::vector<double> ind(split.size());
  for (std::size_t i = 0; i < split.size(); ++i) ind[i] = split[i] <= q ? 1.0 : 0.0;
  return ess_plain(ind.data(), chains2, half);
}

}  // namespace

double ess_bulk(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "bulk ESS");
  check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  const auto z = z_scale(s.data(), s.size());
  return ess_plain(z.data(), 2 * chains, draws / 2);
}

double ess_quantile(const double* x, std::size_t chains, std::size_t draws, double prob) {
  check_min_draws(chains, draws, "quantile ESS");
  check_finite(x, chains, draws, "x");
  MC_EXPECTS(prob > 0 && prob < 1, "quantile ESS: the probability must be in (0, 1)");
  const double q = quantile_type7(x, chains * draws, prob);
  return ess_indicator(split_chains(x, chains, draws), 2 * chains, draws / 2, q);
}

double ess_tail(const double* x, std::size_t chains, std::size_t draws, double prob_low, double prob_high) {
  return std::min(ess_quantile(x, chains, draws, prob_low), ess_quantile(x, chains, draws, prob_high));
}

double ess_mean(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "ESS");
  check_finite(x, chains, draws, "x");
  const auto s = split_chains(x, chains, draws);
  return ess_plain(s.data(), 2 * chains, draws / 2);
}

double ess_sd(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "ESS of the sd");
  check_finite(x, chains, draws, "x");
  return *diagnose_parameter(x, chains, draws).ess_sd;
}

double mcse_mean(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "MCSE");
  check_finite(x, chains, draws, "x");
  return *diagnose_parameter(x, chains, draws).mcse_mean;
}

double mcse_sd(const double* x, std::size_t chains, std::size_t draws) {
  check_min_draws(chains, draws, "MCSE of the sd");
  check_finite(x, chains, draws, "x");
  return *diagnose_parameter(x, chains, draws).mcse_sd;
}

namespace diagnostics_detail {

parameter_diagnostics diagnose_with_table(const double* x, std::size_t chains, std::size_t draws,
                                          const diagnose_options& options, const std::string& name,
                                          const std::vector<double>* z_table) {
  MC_EXPECTS(chains >= 1 && draws >= 1, "parameter " + name + ": no draws to diagnose");
  host_workspace ws;
  const bool table_fits = z_table && z_table->size() == 2 * chains * (draws / 2);
  host_backend b(x, chains, draws, table_fits ? z_table->data() : nullptr, ws);
  return diagnose_with(b, chains, draws, options, name);
}

}  // namespace diagnostics_detail

parameter_diagnostics diagnose_parameter(const double* x, std::size_t chains, std::size_t draws,
                                         const diagnose_options& options, const std::string& name) {
  return diagnostics_detail::diagnose_with_table(x, chains, draws, options, name, nullptr);
}

template <class T>
std::vector<parameter_diagnostics> diagnose_draws(const T* draws, std::size_t chains, std::size_t n_draws,
                                                  std::size_t dim, const std::vector<std::string>& names,
                                                  const diagnose_options& options) {
  return diagnose_draws_prefix(draws, chains, n_draws, n_draws, dim, names, options);
}

template <class T>
std::vector<parameter_diagnostics> diagnose_draws_prefix(const T* draws, std::size_t chains, std::size_t n_draws,
                                                         std::size_t chain_capacity, std::size_t dim,
                                                         const std::vector<std::string>& names,
                                                         const diagnose_options& options) {
  MC_EXPECTS(chain_capacity >= n_draws, "diagnose: the chains' capacity is smaller than their draws");
  if (options.superchains > 0) {
    MC_EXPECTS(options.superchains >= 2, "--superchains must be at least 2");
    MC_EXPECTS(chains % options.superchains == 0,
               std::to_string(options.superchains) + " superchains do not divide " + std::to_string(chains) +
                   " chains (chains [k*M, (k+1)*M) form superchain k)");
  }
  std::vector<parameter_diagnostics> out(dim);
  std::vector<std::string> errors(dim);
  // The z of each tie-free rank is the same for every parameter: one table for all.
  const std::vector<double> table = n_draws >= 4 ? rank_z_table(2 * chains * (n_draws / 2)) : std::vector<double>{};
  const double* table_data = table.empty() ? nullptr : table.data();
  const auto name_of = [&](std::size_t j) { return j < names.size() ? names[j] : "x[" + std::to_string(j) + "]"; };
  // Parameters go in groups of up to 8 (a cache line of doubles), so that one sweep over the
  // draws (a memory-mapped file, say) reads every line once per group: first the group's columns
  // are gathered, all threads over the rows, then its parameters go one per thread.
  const std::size_t threads = static_cast<std::size_t>(omp_get_max_threads());
  const std::size_t group = std::min<std::size_t>(dim, 8), size = chains * n_draws;
  std::vector<host_workspace> workspaces(threads);
  grow_buffer<double> column_buffer;  // parameter k of the group at [k·size, (k+1)·size)
  double* columns = column_buffer.get(group * size);
  for (std::size_t first = 0; first < dim; first += group) {
    const std::size_t count = std::min(group, dim - first);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < static_cast<std::ptrdiff_t>(size); ++ii) {
      const std::size_t i = static_cast<std::size_t>(ii);
      const T* row = draws + ((i / n_draws) * chain_capacity + i % n_draws) * dim + first;  // chain, draw
      for (std::size_t k = 0; k < count; ++k) columns[k * size + i] = static_cast<double>(row[k]);
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (std::ptrdiff_t kk = 0; kk < static_cast<std::ptrdiff_t>(count); ++kk) {
      const std::size_t k = static_cast<std::size_t>(kk), j = first + k;
      try {
        MC_EXPECTS(chains >= 1 && n_draws >= 1, "parameter " + name_of(j) + ": no draws to diagnose");
        host_backend b(&columns[k * size], chains, n_draws, table_data,
                       workspaces[static_cast<std::size_t>(omp_get_thread_num())]);
        out[j] = diagnose_with(b, chains, n_draws, options, name_of(j));
      } catch (const std::exception& e) {
        errors[j] = e.what();
      }
    }
  }
  for (const auto& e : errors)
    if (!e.empty()) throw input_error(e);
  return out;
}

template std::vector<parameter_diagnostics> diagnose_draws<float>(const float*, std::size_t, std::size_t,
                                                                  std::size_t, const std::vector<std::string>&,
                                                                  const diagnose_options&);
template std::vector<parameter_diagnostics> diagnose_draws<double>(const double*, std::size_t, std::size_t,
                                                                   std::size_t, const std::vector<std::string>&,
                                                                   const diagnose_options&);
template std::vector<parameter_diagnostics> diagnose_draws_prefix<float>(const float*, std::size_t, std::size_t,
                                                                         std::size_t, std::size_t,
                                                                         const std::vector<std::string>&,
                                                                         const diagnose_options&);
template std::vector<parameter_diagnostics> diagnose_draws_prefix<double>(const double*, std::size_t, std::size_t,
                                                                          std::size_t, std::size_t,
                                                                          const std::vector<std::string>&,
                                                                          const diagnose_options&);

parameter_summary to_summary(const parameter_diagnostics& d) {
  parameter_summary r;
  r.name = d.name;
  r.mean = d.mean;
  r.sd = d.sd;
  r.q5 = d.q5;
  r.q50 = d.q50;
  r.q95 = d.q95;
  r.mcse_mean = d.mcse_mean;
  r.ess_bulk = d.ess_bulk;
  r.ess_tail = d.ess_tail;
  r.rhat = d.rhat;
  r.rhat_nested = d.rhat_nested;
  return r;
}

}  // namespace manychains
