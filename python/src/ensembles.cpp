// manychains._core.stretch / svgd / converge: the interacting-particle samplers and the L-lag
// coupling bounds, with the numbers `manychains ensemble` and `manychains converge` report.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "bindings.hpp"
#include "manychains/coupling/coupling_run.hpp"
#include "manychains/coupling/tv_bound.hpp"
#include "ensemble/require_finite.hpp"
#include "ensemble/stretch_summary.hpp"
#include "manychains/ensemble/ensemble.hpp"

namespace manychains::python {
namespace {

/// What every ensemble result holds besides its arrays.
void put_outcome(nb::dict& d, const std::vector<parameter_summary>& rows, const target_info& info, bool interrupted,
                 const run_control& control, double seconds, const std::string& device) {
  d["summary"] = summary_dict(rows);
  d["names"] = info.parameter_names;
  d["interrupted"] = interrupted;
  d["keyboard_interrupt"] = control.interrupted();
  d["seconds"] = seconds;
  d["device"] = device;
}

any_target pointwise_target(const std::string& spec) {
  any_target target = make_target(spec);
  if (std::holds_alternative<logistic_target>(target)) throw input_error(ensemble_unsupported_target_message());
  return target;
}

template <class T>
nb::dict stretch(const any_target& target, const options& o, nb::object progress) {
  const target_info& info = info_of(target);
  stretch_settings s;
  s.ensembles = o.get<std::size_t>("ensembles", 1);
  s.walkers = o.get<std::size_t>("walkers", 0);
  s.iterations = o.get<std::size_t>("iterations", 1000);
  s.burn = o.get<std::size_t>("burn", std::min<std::size_t>(500, s.iterations));
  s.a = o.get<double>("a", 2.0);
  if (!(s.a > 1) || !std::isfinite(s.a)) throw input_error("a must be a finite number above 1");
  s.seed = o.get<std::uint64_t>("seed", 0);
  const stretch_shape shape = stretch_shape_for(s, info.dim);
  auto backend = make_stretch_backend<T>(parse_device_choice(o.get<std::string>("device", "auto")), target, shape,
                                         T(s.a), s.seed);
  run_control control(std::move(progress));
  stretch_result<T> r;
  std::vector<double> tau;
  std::vector<parameter_summary> rows;
  {
    nb::gil_scoped_release nogil;
    r = run_stretch<T>(*backend, info, s, nullptr, control.stop_flag(),
                       [&](std::size_t done, std::size_t total) { control(done, total); });
    const std::string advice = "Check the target's scale, or use a smaller a";
    require_finite(r.particles, "the stretch move", advice);
    require_finite(r.draws, "the stretch move", advice);
    rows = stretch_summary(r, info);
    tau = stretch_integrated_times(r);
  }
  control.rethrow_if_failed();
  nb::dict d;
  d["draws"] = to_numpy(std::move(r.draws), {shape.total(), r.kept_draws, info.dim});
  d["particles"] = to_numpy(std::move(r.particles), {shape.total(), info.dim});
  d["acceptance"] = to_numpy(std::move(r.acceptance), {shape.total()});
  d["acceptance_fraction"] = r.acceptance_fraction;
  const std::size_t taus = tau.size();
  d["integrated_time"] = to_numpy(std::move(tau), {taus});
  d["ensembles"] = shape.ensembles;
  d["walkers"] = shape.walkers;
  d["burn"] = s.burn;
  d["kept_draws"] = r.kept_draws;
  put_outcome(d, rows, info, r.interrupted, control, r.seconds, r.device);
  return d;
}

template <class T>
nb::dict svgd(const any_target& target, const options& o, nb::object progress) {
  const target_info& info = info_of(target);
  svgd_settings s;
  s.particles = o.get<std::size_t>("particles", 1024);
  s.iterations = o.get<std::size_t>("iterations", 1000);
  const std::string optimizer = o.get<std::string>("optimizer", "adagrad");
  if (optimizer != "adagrad" && optimizer != "fixed")
    throw input_error("optimizer must be adagrad or fixed, not '" + optimizer + "'");
  s.optimizer = optimizer == "fixed" ? svgd_optimizer::fixed : svgd_optimizer::adagrad;
  s.step_size = o.get<double>("step_size", s.optimizer == svgd_optimizer::fixed ? 0.05 : 0.1);
  s.bandwidth = o.optional<double>("bandwidth");
  s.tolerance = o.get<double>("tolerance", 1e-3);
  s.ksd_every = o.get<std::size_t>("ksd_every", 10);
  s.seed = o.get<std::uint64_t>("seed", 0);
  if (!(s.step_size > 0) || !std::isfinite(s.step_size)) throw input_error("step_size must be a positive number");
  if (s.bandwidth && !(*s.bandwidth > 0 && std::isfinite(*s.bandwidth)))
    throw input_error("bandwidth must be a positive number or 'median'");
  if (!(s.tolerance >= 0)) throw input_error("tolerance must be at least 0");
  auto backend = make_svgd_backend<T>(parse_device_choice(o.get<std::string>("device", "auto")), target);
  run_control control(std::move(progress));
  svgd_result<T> r;
  std::vector<parameter_summary> rows;
  {
    nb::gil_scoped_release nogil;
    r = run_svgd<T>(*backend, info, s, nullptr, control.stop_flag(),
                    [&](std::size_t done, std::size_t total) { control(done, total); });
    require_finite(r.positions, "SVGD",
                   s.optimizer == svgd_optimizer::fixed ? "Use a smaller step_size or optimizer='adagrad'"
                                                        : "Check the target's scale");
    rows = summarize_draws(r.positions.data(), 1, s.particles, info.dim, info.parameter_names);
  }
  control.rethrow_if_failed();
  nb::dict trace;
  std::vector<double> it, step, h, move, spread, ksd;
  for (const svgd_trace_row& t : r.trace) {
    it.push_back(double(t.iteration)), step.push_back(t.step_size), h.push_back(t.bandwidth);
    move.push_back(t.movement), spread.push_back(t.spread), ksd.push_back(t.ksd2.value_or(std::nan("")));
  }
  const std::size_t rows_n = it.size();
  trace["iteration"] = to_numpy(std::move(it), {rows_n});
  trace["step_size"] = to_numpy(std::move(step), {rows_n});
  trace["bandwidth"] = to_numpy(std::move(h), {rows_n});
  trace["movement"] = to_numpy(std::move(move), {rows_n});
  trace["spread"] = to_numpy(std::move(spread), {rows_n});
  trace["ksd2"] = to_numpy(std::move(ksd), {rows_n});
  nb::dict d;
  d["particles"] = to_numpy(std::move(r.positions), {s.particles, info.dim});
  d["trace"] = trace;
  d["iterations_done"] = r.iterations_done;
  d["converged"] = r.converged;
  d["step_size"] = s.step_size;
  put_outcome(d, rows, info, r.interrupted, control, r.seconds, r.device);
  return d;
}

template <class T>
nb::dict converge(const any_target& target, const options& o) {
  coupling_settings in;
  const std::string sampler = o.get<std::string>("sampler", "mala");
  if (sampler != "mala" && sampler != "rwm") throw input_error("sampler must be mala or rwm, not '" + sampler + "'");
  in.sampler = sampler == "rwm" ? coupled_sampler::rwm : coupled_sampler::mala;
  in.lag = o.get<std::size_t>("lag", in.lag);
  in.pairs = o.get<std::size_t>("pairs", in.pairs);
  in.max_steps = o.get<std::uint64_t>("max_steps", in.max_steps);
  in.step_size = o.get<double>("step_size", 0.0);
  in.scale = o.get<std::vector<double>>("scale", {});
  in.chol = o.get<std::vector<double>>("chol", {});
  in.init_center = o.get<std::vector<double>>("init_center", {});
  in.init_radius = o.get<std::vector<double>>("init_radius", {});
  in.seed = o.get<std::uint64_t>("seed", 0);
  const double threshold = o.get<double>("threshold", 0.01);
  if (!(threshold >= 0 && threshold <= 1)) throw input_error("threshold must lie in [0, 1]");
  coupling_settings s = resolve_coupling_settings(in, target);
  // Ctrl-C stops the pairs within a segment of steps. A partial set of meeting times is biased
  // (the longest are the ones cut off), so an interrupted run returns nothing: it raises.
  run_control control{nb::none()};
  s.stop = control.stop_flag();
  s.poll = [&control](std::size_t done, std::size_t total) { control(done, total); };
  coupling_result r;
  tv_bound_curve c;
  {
    nb::gil_scoped_release nogil;
    r = run_coupling<T>(parse_device_choice(o.get<std::string>("device", "auto")), target, s);
    if (!r.interrupted) c = tv_bound_from_meeting_times(r.meeting_time, r.met, s.lag, s.max_steps);
  }
  if (r.interrupted) {
    PyErr_SetString(PyExc_KeyboardInterrupt, "converge interrupted before every pair finished; no bound is returned");
    throw nb::python_error();
  }
  const auto below = first_t_below(c, threshold), below2 = first_t_below(c, threshold, 2.0);
  const std::size_t pairs = r.meeting_time.size(), points = c.bound.size();
  nb::dict d;
  d["meeting_times"] = to_numpy(std::move(r.meeting_time), {pairs});
  d["met"] = to_numpy_bool(r.met, {pairs});
  d["bound"] = to_numpy(std::move(c.bound), {points});
  d["mcse"] = to_numpy(std::move(c.mcse), {points});
  d["t_below_threshold"] = below ? nb::cast(*below) : nb::none();
  d["t_below_threshold_plus_2_mcse"] = below2 ? nb::cast(*below2) : nb::none();
  d["unmet_pairs"] = r.unmet;
  d["curve_is_lower_bound_on_bound"] = c.lower_bound_only();
  d["accept_rate"] = r.accept_rate;
  d["divergences"] = r.divergent;
  d["pair_steps"] = r.x_steps;
  d["chain_steps"] = r.chain_steps;
  d["seconds"] = r.seconds;
  d["device"] = r.device;
  d["step_size"] = s.step_size;
  d["lag"] = s.lag;
  d["pairs"] = s.pairs;
  d["max_steps"] = s.max_steps;
  d["inverse_metric_sqrt"] = s.scale;
  return d;
}

}  // namespace

void register_ensembles(nb::module_& m) {
  m.def("stretch", [](const std::string& spec, nb::dict opts, nb::object progress) {
    const options o(opts);
    const any_target target = pointwise_target(spec);
    return single_precision(o) ? stretch<float>(target, o, progress) : stretch<double>(target, o, progress);
  }, nb::arg("spec"), nb::arg("options"), nb::arg("progress").none());
  m.def("svgd", [](const std::string& spec, nb::dict opts, nb::object progress) {
    const options o(opts);
    const any_target target = pointwise_target(spec);
    return single_precision(o) ? svgd<float>(target, o, progress) : svgd<double>(target, o, progress);
  }, nb::arg("spec"), nb::arg("options"), nb::arg("progress").none());
  m.def("converge", [](const std::string& spec, nb::dict opts) {
    const options o(opts);
    const any_target target = make_target(spec);
    return single_precision(o) ? converge<float>(target, o) : converge<double>(target, o);
  }, nb::arg("spec"), nb::arg("options"));
}

}  // namespace manychains::python
