#include "cli/run_report.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"

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
nlohmann::json run_json(const nlohmann::json& settings, const sample_result<T>& r, const target_info& info,
                        const std::vector<parameter_summary>& rows, const std::string& device_name) {
  const double steps = double(r.chains.size()) * double(r.warmup_steps_done + r.sampling_steps_done);
  return {{"settings", settings},
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
}

template <class T>
void print_run_footer(std::ostream& os, const sample_result<T>& r, const std::string& out_dir) {
  const double steps = double(r.chains.size()) * double(r.warmup_steps_done + r.sampling_steps_done);
  os << fmt::format("step size {:.4g}, acceptance {:.3f}, divergences {}, {:.2f} s ({:.3g} chain-steps/s)\n",
                    r.step_size, r.accept_rate, r.divergences, r.seconds, r.seconds > 0 ? steps / r.seconds : 0.0);
  os << fmt::format("wrote {0}/draws.npy (chains, draws, dim) and {0}/run.json\n", out_dir);
}

template <class T>
void print_warnings(std::ostream& os, const sample_result<T>& r, const std::vector<parameter_summary>& rows) {
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
  template nlohmann::json run_json<T>(const nlohmann::json&, const sample_result<T>&, const target_info&,    \
                                      const std::vector<parameter_summary>&, const std::string&);           \
  template void print_run_footer<T>(std::ostream&, const sample_result<T>&, const std::string&);            \
  template void print_warnings<T>(std::ostream&, const sample_result<T>&, const std::vector<parameter_summary>&);
MANYCHAINS_INSTANTIATE(float)
MANYCHAINS_INSTANTIATE(double)

namespace {
void flatten_numbers(const nlohmann::json& v, std::vector<double>& out, const std::string& what) {
  if (v.is_number()) {
    out.push_back(v.get<double>());
  } else if (v.is_array()) {
    for (const auto& e : v) flatten_numbers(e, out, what);
  } else {
    throw input_error(what + " holds something other than numbers");
  }
}
}  // namespace

std::vector<double> read_run_array(const nlohmann::json& run, const std::string& key, const std::string& run_json_path) {
  const std::string what = run_json_path + ": \"" + key + "\"";
  if (!run.contains(key) || run[key].is_null()) return {};
  const nlohmann::json& v = run[key];
  if (v.is_string()) {  // a .npy file beside run.json
    const std::filesystem::path file = std::filesystem::path(run_json_path).parent_path() / v.get<std::string>();
    return read_npy(file.string()).values;
  }
  if (!v.is_array()) throw input_error(what + " is neither an array nor the name of a .npy file");
  std::vector<double> out;
  flatten_numbers(v, out, what);
  return out;
}

}  // namespace manychains::cli
