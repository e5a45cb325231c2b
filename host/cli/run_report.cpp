#include "cli/run_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"

namespace manychains::cli {

template <class T>
std::vector<parameter_summary> summarize_run(const sample_result<T>& r, const target_info& info) {
  // Mean, sd, quantiles plus mcse_mean, ess_bulk, ess_tail and rank R-hat (diagnostics.hpp). A
  // non-finite draw (or no draws at all) keeps the plain summary rather than losing the run.
  if (r.kept_draws > 0 && r.chains.size() > 0) {
    try {
      const auto diags =
          diagnose_draws(r.draws_data(), r.chains.size(), r.kept_draws, info.dim, info.parameter_names);
      std::vector<parameter_summary> rows;
      for (const auto& d : diags) rows.push_back(to_summary(d));
      return rows;
    } catch (const input_error&) {
    }
  }
  return summarize_draws(r.draws_data(), r.chains.size(), r.kept_draws, info.dim, info.parameter_names);
}

template <class T>
std::vector<std::string> run_problems(const sample_result<T>& r, const std::vector<parameter_summary>& rows) {
  std::vector<std::string> problems;
  if (r.step_collapsed)
    problems.push_back(fmt::format("the adapted step size collapsed to {:.3g}: the chains barely move", r.warmup_step_size));
  std::size_t non_finite = 0;
  for (const auto& row : rows) non_finite += !std::isfinite(row.mean) || !std::isfinite(row.sd);
  if (non_finite > 0)
    problems.push_back(fmt::format("{} parameters have a non-finite mean or sd: the draws overflowed", non_finite));
  std::size_t infinite_rhat = 0;
  for (const auto& row : rows) infinite_rhat += row.rhat && !std::isfinite(*row.rhat);
  if (infinite_rhat > 0)
    problems.push_back(fmt::format("{} parameters have an infinite R-hat: chains are stuck or ran off", infinite_rhat));
  if (r.ula_variance_inflation && !std::isfinite(*r.ula_variance_inflation))
    problems.push_back(fmt::format("ULA's step {:.3g} is at or beyond its stability limit 2 (whitened units)", r.step_size));
  if (r.ula_variance_inflation && r.divergences > 0)
    problems.push_back(fmt::format("ULA proposed {} non-finite states after warm-up: its step is too large for this "
                                   "target, give a smaller --step-size",
                                   r.divergences));
  return problems;
}

template <class T>
nlohmann::json run_json(const nlohmann::json& settings, const sample_result<T>& r, const target_info& info,
                        const std::vector<parameter_summary>& rows, const std::string& device_name) {
  const double steps = double(r.chains.size()) * double(r.warmup_steps_done + r.sampling_steps_done);
  nlohmann::json j = {{"settings", settings},
          {"device_used", device_name},
          {"parameters", info.parameter_names},
          {"draws_shape", {r.chains.size(), r.kept_draws, info.dim}},
          {"partial", r.interrupted},
          {"step_size", r.step_size},
          {"inverse_metric_sqrt", r.scale},
          {"inverse_metric_chol", r.chol},
          {"accept_rate", r.accept_rate},
          {"warmup_accept_rate", r.warmup_accept_rate},
          {"divergences", r.divergences},
          {"warmup_divergences", r.warmup_divergences},
          {"warmup_steps_done", r.warmup_steps_done},
          {"sampling_steps_done", r.sampling_steps_done},
          {"wall_seconds", r.seconds},
          {"chain_steps_per_second", r.seconds > 0 ? steps / r.seconds : 0.0},
          {"summary", summary_json(rows)}};
  j["warmup_step_size"] = r.warmup_step_size;
  j["metric"] = r.metric;
  j["metric_reason"] = r.metric_reason;
  if (r.ula_variance_inflation) j["ula_variance_inflation"] = *r.ula_variance_inflation;
  if (!r.stop_reason.empty()) j["stop_reason"] = r.stop_reason;
  j["problems"] = run_problems(r, rows);
  return j;
}

template <class T>
void print_run_footer(std::ostream& os, const sample_result<T>& r, const std::string& out_dir) {
  const double steps = double(r.chains.size()) * double(r.warmup_steps_done + r.sampling_steps_done);
  os << fmt::format("step size {:.4g}, acceptance {:.3f}, divergences {}, {:.2f} s ({:.3g} chain-steps/s)\n",
                    r.step_size, r.accept_rate, r.divergences, r.seconds, r.seconds > 0 ? steps / r.seconds : 0.0);
  os << fmt::format("metric {} ({})\n", r.metric, r.metric_reason);
  if (r.ula_variance_inflation)
    os << fmt::format("ULA at step {:.4g} (warm-up MALA step {:.4g}); stationary variance x{:.4f} on a Gaussian the "
                      "metric matches\n",
                      r.step_size, r.warmup_step_size, *r.ula_variance_inflation);
  if (!r.stop_reason.empty()) os << r.stop_reason << '\n';
  os << fmt::format("wrote {0}/draws.npy (chains, draws, dim) and {0}/run.json\n", out_dir);
}

template <class T>
void print_warnings(std::ostream& os, const sample_result<T>& r, const std::vector<parameter_summary>& rows) {
  for (const auto& problem : run_problems(r, rows)) os << "warning: unusable run: " << problem << '\n';
  if (r.interrupted)
    os << fmt::format("warning: interrupted; kept the {} completed draws per chain (run.json has \"partial\": true)\n",
                      r.kept_draws);
  if (r.divergences > 0)
    os << fmt::format("warning: {} proposals after warm-up had a non-finite log-density or gradient (divergences); "
                      "they were rejected, but a smaller step size may be needed\n",
                      r.divergences);
  // One line per check, naming the worst parameter, however many parameters fail it.
  const parameter_summary *worst_rhat = nullptr, *worst_ess = nullptr;
  std::size_t high_rhat = 0, low_ess = 0;
  for (const auto& row : rows) {
    if (row.rhat && *row.rhat > 1.01) {
      ++high_rhat;
      if (!worst_rhat || *row.rhat > *worst_rhat->rhat) worst_rhat = &row;
    }
    if (row.ess_bulk && *row.ess_bulk < 400) {
      ++low_ess;
      if (!worst_ess || *row.ess_bulk < *worst_ess->ess_bulk) worst_ess = &row;
    }
  }
  const auto others = [](std::size_t count) {
    return count > 1 ? fmt::format(" (and {} more parameters)", count - 1) : std::string();
  };
  if (worst_rhat)
    os << fmt::format("warning: R-hat of {} is {:.3f} > 1.01{}: the chains have not mixed; run longer warm-up\n",
                      worst_rhat->name, *worst_rhat->rhat, others(high_rhat));
  if (worst_ess)
    os << fmt::format("warning: bulk ESS of {} is {:.0f} < 400{}: estimates of its mean and quantiles are unreliable\n",
                      worst_ess->name, *worst_ess->ess_bulk, others(low_ess));
}

#define MANYCHAINS_INSTANTIATE(T)                                                                            \
  template std::vector<parameter_summary> summarize_run<T>(const sample_result<T>&, const target_info&);     \
  template std::vector<std::string> run_problems<T>(const sample_result<T>&, const std::vector<parameter_summary>&); \
  template nlohmann::json run_json<T>(const nlohmann::json&, const sample_result<T>&, const target_info&,    \
                                      const std::vector<parameter_summary>&, const std::string&);           \
  template void print_run_footer<T>(std::ostream&, const sample_result<T>&, const std::string&);            \
  template void print_warnings<T>(std::ostream&, const sample_result<T>&, const std::vector<parameter_summary>&);
MANYCHAINS_INSTANTIATE(float)
MANYCHAINS_INSTANTIATE(double)

}  // namespace manychains::cli
