// manychains._core.sample_*: warm-up and sampling of many chains (run_sampler) on a built-in target,
// a logistic regression of arrays, or a model file; the draws come back as numpy arrays.
#include <fmt/format.h>

#include "bindings.hpp"
#include "logistic_data.hpp"
#include "manychains/checked.hpp"
#include "manychains/devices.hpp"
#include "manychains/io/inference_data.hpp"
#include "manychains/resources.hpp"
#include "manychains/sampler.hpp"
#include "model/model_library.hpp"

namespace manychains::python {
namespace {

sample_settings read_settings(const options& o) {
  sample_settings s;
  const std::string sampler = o.get<std::string>("sampler", "mala");
  if (sampler != "mala" && sampler != "ula") throw input_error("sampler must be mala or ula, not '" + sampler + "'");
  s.sampler = sampler == "ula" ? sampler_kind::ula : sampler_kind::mala;
  s.chains = o.get<std::size_t>("chains", s.chains);
  s.warmup = o.get<std::size_t>("warmup", s.warmup);
  s.draws = o.get<std::size_t>("draws", s.draws);
  s.thin = o.get<std::size_t>("thin", s.thin);
  s.step_size = o.optional<double>("step_size");
  s.target_accept = o.get<double>("target_accept", s.target_accept);
  const std::string metric = o.get<std::string>("metric", "auto");
  if (metric != "auto" && metric != "diag" && metric != "dense")
    throw input_error("metric must be auto, diag or dense, not '" + metric + "'");
  s.metric = metric == "diag" ? metric_kind::diagonal : metric == "dense" ? metric_kind::dense : metric_kind::automatic;
  s.until_ess = o.optional<double>("until_ess");
  s.adaptive_warmup = o.get<bool>("adaptive_warmup", false);
  s.max_draws = o.get<std::size_t>("max_draws", 0);
  s.seed = o.get<std::uint64_t>("seed", 0);
  s.save_warmup = o.get<bool>("save_warmup", false);
  return s;
}

/// Chains move on the unconstrained scale; the user sees a model's constrained values.
template <class T>
std::vector<T> constrained(const loaded_model& model, const std::vector<T>& in) {
  const std::size_t d = model.dim(), e = model.constrained_dim(), count = in.size() / d;
  std::vector<T> out(count * e);
  std::vector<double> x(d), y(e);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < d; ++j) x[j] = static_cast<double>(in[i * d + j]);
    model.constrain(x.data(), y.data());
    for (std::size_t j = 0; j < e; ++j) out[i * e + j] = static_cast<T>(y[j]);
  }
  return out;
}

/// Refuses, before anything is allocated, a run whose chains' state (positions, gradients,
/// proposals: 6 values per chain and parameter), draws and per-draw statistics (17 bytes a draw)
/// cannot fit in memory, as the CLI does.
void check_memory(const sample_settings& s, std::size_t dim, std::size_t bytes_per_value) {
  const std::size_t kept = (s.until_ess ? s.max_draws : s.draws) / s.thin;
  const std::size_t warmup = s.save_warmup ? s.warmup : 0;
  const std::size_t per_chain = saturating_add(saturating_mul(saturating_mul(dim, bytes_per_value),
                                                              saturating_add(6, saturating_add(kept, warmup))),
                                               saturating_mul(saturating_add(kept, warmup), 17));
  require_memory(fmt::format("{} chains x {} parameters x {} draws", s.chains, dim, kept),
                 saturating_mul(s.chains, per_chain), "use fewer chains, parameters or draws, or thin");
}

nb::dict stats_dict(draw_stats& s, std::size_t chains, std::size_t draws, const std::vector<double>& step) {
  nb::dict d;
  d["lp"] = to_numpy(std::move(s.logp), {chains, draws});
  d["acceptance_rate"] = to_numpy(std::move(s.accept_prob), {chains, draws});
  d["diverging"] = to_numpy_bool(s.divergent, {chains, draws});
  std::vector<double> steps(chains * draws);
  for (std::size_t i = 0; i < steps.size(); ++i) steps[i] = step[draws ? i % draws : 0];
  d["step_size"] = to_numpy(std::move(steps), {chains, draws});
  return d;
}

nb::list blocks_list(const std::vector<std::string>& names) {
  nb::list out;
  for (const parameter_block& b : parameter_blocks(names))
    out.append(nb::make_tuple(b.name, nb::cast(b.shape), b.offset));
  return out;
}

/// Runs the sampler with the GIL released and packs the result.
template <class T>
nb::dict run(chain_engine<T>& engine, const target_info& info, const sample_settings& s, nb::object progress,
             const loaded_model* model = nullptr) {
  if (s.draws < s.thin) throw input_error("draws must be at least thin");
  const target_info& shown = model ? model->constrained_info() : info;
  run_control control(std::move(progress));
  sample_result<T> r;
  {
    nb::gil_scoped_release nogil;
    r = run_sampler<T>(engine, info, s, control.stop_flag(),
                       [&](std::size_t done, std::size_t total) { control(done, total); });
    if (model) {
      r.draws = constrained(*model, r.draws);
      r.warmup_draws = constrained(*model, r.warmup_draws);
    }
  }
  control.rethrow_if_failed();
  const std::size_t chains = r.chains.size(), dim = shown.dim;
  nb::dict d;
  d["draws"] = to_numpy(std::move(r.draws), {chains, r.kept_draws, dim});
  d["names"] = shown.parameter_names;
  d["blocks"] = blocks_list(shown.parameter_names);
  if (!r.stats.empty()) d["sample_stats"] = stats_dict(r.stats, chains, r.kept_draws, {r.step_size});
  if (!r.warmup_draws.empty()) {
    d["warmup_draws"] = to_numpy(std::move(r.warmup_draws), {chains, r.warmup_steps_done, dim});
    d["warmup_sample_stats"] = stats_dict(r.warmup_stats, chains, r.warmup_steps_done, r.warmup_step_sizes);
  }
  nb::dict a;  // the run's settings and outcome, as run.json has them
  a["target"] = info.spec;
  a["device"] = engine.device_name();
  a["chains"] = chains;
  a["kept_draws"] = r.kept_draws;
  a["seed"] = s.seed;
  a["step_size"] = r.step_size;
  a["warmup_step_size"] = r.warmup_step_size;
  a["metric"] = r.metric;
  a["metric_reason"] = r.metric_reason;
  a["warmup_reason"] = r.warmup_reason;
  a["stop_reason"] = r.stop_reason;
  a["accept_rate"] = r.accept_rate;
  a["warmup_accept_rate"] = r.warmup_accept_rate;
  a["divergences"] = r.divergences;
  a["warmup_divergences"] = r.warmup_divergences;
  a["warmup_steps_done"] = r.warmup_steps_done;
  a["sampling_steps_done"] = r.sampling_steps_done;
  a["step_collapsed"] = r.step_collapsed;
  a["interrupted"] = r.interrupted;
  a["seconds"] = r.seconds;
  d["inverse_metric_sqrt"] = to_numpy(std::move(r.scale), {info.dim});
  if (!r.chol.empty()) d["inverse_metric_factor"] = to_numpy(std::move(r.chol), {info.dim, info.dim});
  d["attrs"] = a;
  d["keyboard_interrupt"] = control.interrupted();
  return d;
}

nb::dict sample_any_target(const any_target& target, nb::dict opts, nb::object progress) {
  const options o(opts);
  const sample_settings s = read_settings(o);
  const device_choice device = parse_device_choice(o.get<std::string>("device", "auto"));
  const chain_range chains{0, s.chains};
  check_memory(s, info_of(target).dim, single_precision(o) ? 4 : 8);
  if (single_precision(o)) {
    auto engine = make_engine<float>(device, target, chains, s.seed);
    return run<float>(*engine, info_of(target), s, std::move(progress));
  }
  auto engine = make_engine<double>(device, target, chains, s.seed);
  return run<double>(*engine, info_of(target), s, std::move(progress));
}

nb::dict sample_target(const std::string& spec, nb::dict opts, nb::object progress) {
  return sample_any_target(make_target(spec), std::move(opts), std::move(progress));
}

nb::dict sample_logistic(host_array<nb::ndim<2>> x, host_array<nb::ndim<1>> y, std::vector<std::string> names,
                         double prior_scale, const std::string& intercept, nb::dict opts, nb::object progress) {
  const std::size_t rows = x.shape(0), predictors = x.shape(1);
  if (y.shape(0) != rows)
    throw input_error(fmt::format("logistic: X has {} rows but y has {} values", rows, y.shape(0)));
  if (names.size() != predictors)
    throw input_error(fmt::format("logistic: {} names for {} predictors", names.size(), predictors));
  numeric_table table;
  table.rows = rows;
  table.cols = predictors + 1;
  table.column_names = names;
  table.values.resize(rows * table.cols);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < predictors; ++j) {
      const double v = x.data()[i * predictors + j];
      if (!std::isfinite(v))
        throw input_error(fmt::format("logistic: X row {} column {} is not finite; data must be finite", i + 1, j + 1));
      table.values[i * table.cols + j] = v;
    }
    table.values[i * table.cols + predictors] = y.data()[i];
  }
  const std::string spec = fmt::format("logistic:arrays ({} rows x {} predictors)", rows, predictors);
  return sample_any_target(make_logistic_target(table, prior_scale, intercept, spec, "logistic: y"), std::move(opts),
                           std::move(progress));
}

nb::dict sample_model(const std::string& model_file, const std::string& data_file, nb::dict opts,
                      nb::object progress) {
  const options o(opts);
  const sample_settings s = read_settings(o);
  if (parse_device_choice(o.get<std::string>("device", "auto")) == device_choice::cuda)
    throw input_error("device='cuda': model files run on the CPU engine only in this version; use 'cpu' or 'auto'");
  model_build_options build;
  build.version = MANYCHAINS_VERSION;
  model_build b;
  {
    nb::gil_scoped_release nogil;  // a first build compiles for seconds
    b = build_model(model_file, build);
  }
  const loaded_model model(b.shared_object, data_file, model_file);
  const chain_range chains{0, s.chains};
  check_memory(s, std::max(model.dim(), model.constrained_dim()), single_precision(o) ? 4 : 8);
  nb::dict d;
  if (single_precision(o)) {
    auto engine = model.make_cpu_engine<float>(chains, s.seed);
    d = run<float>(*engine, model.info(), s, std::move(progress), &model);
  } else {
    auto engine = model.make_cpu_engine<double>(chains, s.seed);
    d = run<double>(*engine, model.info(), s, std::move(progress), &model);
  }
  nb::dict a = nb::cast<nb::dict>(d["attrs"]);
  a["model"] = model_file;
  a["compiled"] = b.compiled;
  a["compile_seconds"] = b.seconds;
  return d;
}

}  // namespace

void register_sampling(nb::module_& m) {
  m.def("sample_target", &sample_target, nb::arg("spec"), nb::arg("options"), nb::arg("progress").none());
  m.def("sample_logistic", &sample_logistic, nb::arg("x"), nb::arg("y"), nb::arg("names"), nb::arg("prior_scale"),
        nb::arg("intercept"), nb::arg("options"), nb::arg("progress").none());
  m.def("sample_model", &sample_model, nb::arg("model"), nb::arg("data"), nb::arg("options"),
        nb::arg("progress").none());
  m.def("target_help", &target_help);
}

}  // namespace manychains::python
