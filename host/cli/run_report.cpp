#include "cli/run_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "io/netcdf_library.hpp"
#include "manychains/io/inference_data.hpp"
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
  nlohmann::json run = {{"settings", settings},
          {"device", device_name},
          {"dim", info.dim},
          {"parameter_names", parameter_names_json(info.parameter_names)},
          {"parameter_shapes", parameter_shapes_json(info.parameter_names)},
          {"draws", "draws.npy"},
          {"draws_shape", {r.chains.size(), r.kept_draws, info.dim}},
          {"posterior", "posterior.nc"},
          {"interrupted", r.interrupted},
          {"step_size", r.step_size},
          {"inverse_metric_sqrt", inverse_metric_sqrt_file},
          {"inverse_metric_factor", r.chol.empty() ? nlohmann::json(nullptr) : nlohmann::json(inverse_metric_factor_file)},
          {"accept_rate", r.accept_rate},
          {"warmup_accept_rate", r.warmup_accept_rate},
          {"divergences", r.divergences},
          {"warmup_divergences", r.warmup_divergences},
          {"warmup_steps_done", r.warmup_steps_done},
          {"sampling_steps_done", r.sampling_steps_done},
          {"seconds", r.seconds},
          {"chain_steps_per_second", r.seconds > 0 ? steps / r.seconds : 0.0}};
  if (rows.size() <= max_summary_rows_in_json)
    run["summary"] = summary_json(rows);
  else
    run["summary"] = nullptr;  // per-parameter values of a large model belong in posterior.nc, not in JSON
  run["warmup_step_size"] = r.warmup_step_size;
  run["metric"] = r.metric;
  run["metric_reason"] = r.metric_reason;
  run["metric_snapshots"] = r.metric_snapshots;
  run["warmup_reason"] = r.warmup_reason;
  if (r.ula_variance_inflation) run["ula_variance_inflation"] = *r.ula_variance_inflation;
  if (!r.stop_reason.empty()) run["stop_reason"] = r.stop_reason;
  run["problems"] = run_problems(r, rows);
  return run;
}

nlohmann::json parameter_names_json(const std::vector<std::string>& names) {
  return names.size() <= max_summary_rows_in_json ? nlohmann::json(names) : nlohmann::json(nullptr);
}

nlohmann::json parameter_shapes_json(const std::vector<std::string>& names) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& b : parameter_blocks(names)) out.push_back({{"name", b.name}, {"shape", b.shape}});
  return out;
}

template <class T>
void stage_metric_files(run_folder& folder, const sample_result<T>& r) {
  write_npy(folder.stage(inverse_metric_sqrt_file), {r.scale.size()}, r.scale.data());
  if (!r.chol.empty()) write_npy(folder.stage(inverse_metric_factor_file), {r.scale.size(), r.scale.size()}, r.chol.data());
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
  if (netcdf_available())
    os << fmt::format("wrote {0}/draws.npy (chains, draws, dim), {0}/posterior.nc (ArviZ) and {0}/run.json\n", out_dir);
  else
    os << fmt::format("wrote {0}/draws.npy (chains, draws, dim) and {0}/run.json\n", out_dir);
}

template <class T>
void print_warnings(std::ostream& os, const sample_result<T>& r, const std::vector<parameter_summary>& rows) {
  for (const auto& problem : run_problems(r, rows)) os << "warning: unusable run: " << problem << '\n';
  if (r.interrupted)
    os << fmt::format("warning: interrupted; kept the {} completed draws per chain (run.json has \"interrupted\": true)\n",
                      r.kept_draws);
  if (r.divergences > 0)
    os << fmt::format("warning: {} proposals after warm-up had a non-finite log-density or gradient (divergences); "
                      "they were rejected, but a smaller step size may be needed\n",
                      r.divergences);
  print_diagnostic_warnings(os, rows, "; run longer warm-up");
}

void print_diagnostic_warnings(std::ostream& os, const std::vector<parameter_summary>& rows,
                               const std::string& rhat_advice) {
  // One line per check, naming the worst parameter, however many parameters fail it.
  const auto others = [](std::size_t count) {
    return count > 1 ? fmt::format(" (and {} more parameters)", count - 1) : std::string();
  };
  const auto worst = [&](auto value, bool higher_is_worse, double limit, std::size_t& count) {
    const parameter_summary* w = nullptr;
    count = 0;
    for (const auto& row : rows) {
      const std::optional<double> v = value(row);
      if (!v || (higher_is_worse ? !(*v > limit) : !(*v < limit))) continue;
      ++count;
      if (!w || (higher_is_worse ? *v > *value(*w) : *v < *value(*w))) w = &row;
    }
    return w;
  };
  std::size_t n = 0;
  if (const auto* w = worst([](const parameter_summary& r) { return r.rhat; }, true, 1.01, n))
    os << fmt::format("warning: R-hat of {} is {:.3f} > 1.01{}: the chains have not mixed{}\n", w->name, *w->rhat,
                      others(n), rhat_advice);
  if (const auto* w = worst([](const parameter_summary& r) { return r.rhat_nested; }, true, 1.01, n))
    os << fmt::format("warning: nested R-hat of {} is {:.3f} > 1.01{}: the superchains disagree\n", w->name,
                      *w->rhat_nested, others(n));
  if (const auto* w = worst([](const parameter_summary& r) { return r.ess_bulk; }, false, 400, n))
    os << fmt::format("warning: bulk ESS of {} is {:.0f} < 400{}: estimates of its mean and quantiles are unreliable\n",
                      w->name, *w->ess_bulk, others(n));
}

#define MANYCHAINS_INSTANTIATE(T)                                                                            \
  template std::vector<parameter_summary> summarize_run<T>(const sample_result<T>&, const target_info&);     \
  template std::vector<std::string> run_problems<T>(const sample_result<T>&, const std::vector<parameter_summary>&); \
  template nlohmann::json run_json<T>(const nlohmann::json&, const sample_result<T>&, const target_info&,    \
                                      const std::vector<parameter_summary>&, const std::string&);           \
  template void stage_metric_files<T>(run_folder&, const sample_result<T>&);                                 \
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
