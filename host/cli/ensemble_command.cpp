// `manychains ensemble`: interacting-particle samplers — the affine-invariant stretch move (many
// independent ensembles at once) and Stein variational gradient descent. Writes particles.npy
// (final particles), draws.npy (stretch: walker chains, shaped like `sample`'s) and run.json.

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/model_files.hpp"
#include "cli/run_report.hpp"
#include "cli/split_summary.hpp"
#include "cli/terminal.hpp"
#include "cli/validate.hpp"
#include "ensemble/require_finite.hpp"
#include "ensemble/stretch_summary.hpp"
#include "manychains/ensemble/ensemble.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "io/netcdf_library.hpp"
#include "manychains/io/inference_data.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/io/npy_slabs.hpp"
#include "manychains/io/run_folder.hpp"
#include "manychains/process_group.hpp"
#include "manychains/checked.hpp"
#include "manychains/resources.hpp"
#include "manychains/summary.hpp"
#include "mpi/collectively.hpp"

namespace manychains::cli {
namespace {

struct ensemble_options {
  std::string method;
  std::string target = "gaussian";
  std::string model, data;  ///< a model file and its JSON data (docs/models.md), instead of --target
  std::optional<std::size_t> particles;
  std::size_t iterations = 1000;
  std::optional<std::size_t> burn;
  std::optional<double> step_size;
  std::string optimizer = "adagrad";
  std::string bandwidth = "median";
  double tolerance = 1e-3;
  std::size_t ksd_every = 10;
  std::size_t ensembles = 1;
  double a = 2.0;
  std::optional<std::uint64_t> seed;
  std::string device = "auto";
  std::string precision = "double";
  std::string out = "manychains-ensemble";
  bool quiet = false;
};

/// `values` (a saturating product of counts) of `bytes_per_value` each, plus the per-parameter
/// names and summaries (about 1.5 KB each, as in `sample`), must fit in memory.
void check_memory(std::size_t values, std::size_t dim, std::size_t bytes_per_value, const std::string& what) {
  require_memory(what,
                 saturating_add(saturating_mul(values, bytes_per_value), saturating_mul(dim, memory_bytes_per_parameter)),
                 "use fewer walkers, ensembles or iterations");
}

nlohmann::json common_settings(const ensemble_options& o, std::uint64_t seed) {
  nlohmann::json s = {{"method", o.method}, {"target", o.target},   {"iterations", o.iterations}, {"seed", seed},
                      {"device", o.device}, {"precision", o.precision}};
  if (!o.model.empty()) s.update({{"target", "model:" + o.model}, {"model", o.model}, {"data", o.data}});
  return s;
}

/// The per-parameter summary for run.json: the rows, or null above max_summary_rows_in_json.
nlohmann::json summary_for_json(const std::vector<parameter_summary>& rows) {
  return rows.size() <= max_summary_rows_in_json ? summary_json(rows) : nlohmann::json(nullptr);
}

/// The stretch move; under `mpirun -np R` rank r runs ensembles share_of(ensembles, r, R), each
/// walker's moves and start drawn from its global index, so every walker's chain is one
/// process's. draws.npy is written in slabs (as sample's), the other files and run.json by rank
/// 0 from the gathered particles, acceptances and per-ensemble means; the summary is split by
/// parameter. posterior.nc is not written, and Ctrl-C ends the run without saving.
template <class T>
void run_stretch_command(const ensemble_options& o, const target_or_model& source, std::uint64_t seed) {
  const target_info& info = source.shown();  // names and dimension reported (a model's constrained scale)
  process_group& group = world();
  const bool split = group.size() > 1, lead = group.rank() == 0;
  stretch_settings s;
  s.ensembles = o.ensembles;
  s.walkers = o.particles.value_or(0);
  s.iterations = o.iterations;
  s.burn = o.burn.value_or(std::min<std::size_t>(500, o.iterations));
  s.a = o.a;
  s.seed = seed;
  const stretch_shape shape = stretch_shape_for(s, source.info().dim);
  if (shape.ensembles < static_cast<std::size_t>(group.size()))
    throw input_error(fmt::format("{} ensembles cannot be split over {} ranks; use more --ensembles",
                                  shape.ensembles, group.size()));
  stretch_settings mine = s;
  const chain_range share = share_of(shape.ensembles, group.rank(), group.size());
  mine.ensembles = share.size();
  mine.first_ensemble = share.first;
  const stretch_shape local = stretch_shape_for(mine, source.info().dim);
  stretch_shape shown = local;  // the per-ensemble summaries see the reported (constrained) dimension
  shown.dim = info.dim;
  check_memory(saturating_mul(saturating_mul(local.total(), s.iterations), info.dim), info.dim, sizeof(T),
               fmt::format("{} walkers x {} draws x {} parameters", local.total(), s.iterations, info.dim));
  failure_agreed() = false;  // from here a failure may be one rank's only
  std::unique_ptr<stretch_backend<T>> backend;
  std::optional<run_folder> folder;  // every file staged, then committed as a unit with run.json last
  collectively(group, [&] {
    backend = source.make_stretch<T>(source.device(o.device, "ensemble", o.quiet), local, T(s.a), seed);
    if (lead) folder.emplace(o.out);
  });
  if (!split) install_interrupt_handler();
  stretch_result<T> r;
  const std::string advice = "Check the target's scale, or use a smaller --a";
  collectively(group, [&] {
    progress_bar bar("stretch", o.quiet || !lead);
    r = run_stretch<T>(*backend, source.info(), mine, nullptr, split ? nullptr : &interrupt_flag(),
                       [&](std::size_t done, std::size_t total) { bar.update(done, total); });
    require_finite(r.particles, "the stretch move", advice);
    require_finite(r.draws, "the stretch move", advice);
  });
  source.constrain(r.particles);
  source.constrain(r.draws);
  r.shape.dim = info.dim;
  const std::vector<T> particles = gather_in_order(group, r.particles);
  const std::vector<double> acceptance = gather_in_order(group, r.acceptance);
  double accepted = 0;  // as run_stretch sums it, over every walker in order
  for (double a : acceptance) accepted += a;
  const double acceptance_fraction = accepted / double(shape.total());
  for (double t : gather_in_order(group, std::vector<double>{r.seconds})) r.seconds = std::max(r.seconds, t);
  std::vector<parameter_summary> rows;
  std::string draws_path;  // under mpirun: the complete draws file, to adopt
  if (split) {
    npy_slab_file<T> draws_file(group, o.out + "/draws.npy", {shape.total(), r.kept_draws, info.dim});
    draws_file.write(local.first_walker(), r.draws.data(), local.total());
    draws_path = draws_file.finish();
    rows = summarize_split<T>(group, draws_path, npy_slab_file<T>::data_offset, shape.total(), r.kept_draws, info.dim,
                              info.parameter_names, true);
  } else {
    rows = summarize_draws(r.draws.data(), shape.total(), r.kept_draws, info.dim, info.parameter_names);
  }
  add_ensemble_mcse(rows, gather_in_order(group, ensemble_means(r, shown)), shape.ensembles, r.kept_draws);
  // emcee's integrated autocorrelation time per parameter, averaged over (up to 16) ensembles.
  const std::size_t used = std::min<std::size_t>(16, shape.ensembles);
  const std::vector<double> times = gather_in_order(group, integrated_times(r, shown, used));
  const nlohmann::json tau = average_integrated_times(times, used, info.dim);
  nlohmann::json settings = common_settings(o, seed);
  settings.update({{"ensembles", shape.ensembles}, {"walkers", shape.walkers}, {"burn", s.burn}, {"a", s.a}});
  std::vector<double> per_ensemble(shape.ensembles, 0.0);
  for (std::size_t g = 0; g < shape.total(); ++g) per_ensemble[g / shape.walkers] += acceptance[g] / double(shape.walkers);
  std::string no_netcdf = "not written under mpirun";  // why posterior.nc is not written
  collectively(group, [&] {
    if (!lead) return;
    write_npy(folder->stage("particles.npy"), {shape.total(), info.dim}, particles.data());
    if (split) folder->adopt(draws_path, "draws.npy");
    else write_npy(folder->stage("draws.npy"), {shape.total(), r.kept_draws, info.dim}, r.draws.data());
    write_npy(folder->stage("acceptance_fraction_per_ensemble.npy"), {shape.ensembles}, per_ensemble.data());
    if (!split && netcdf_available(&no_netcdf)) {  // each walker's chain as an ArviZ chain, as arviz.from_emcee has them
      inference_data_writer nc(folder->stage("posterior.nc"), settings,
                               inference_data_writer::estimate_bytes(r.draws.size(), sizeof(T)));
      nc.begin_group("posterior", shape.total(), r.kept_draws, settings);
      nc.put_parameters(r.draws.data(), info.dim, parameter_blocks(info.parameter_names));
      nc.close();
    }
    nlohmann::json run = {{"settings", settings},
                          {"device", r.device},
                          {"dim", info.dim},
                          {"parameter_names", parameter_names_json(info.parameter_names)},
                          {"parameter_shapes", parameter_shapes_json(info.parameter_names)},
                          {"draws", "draws.npy"},
                          {"draws_shape", {shape.total(), r.kept_draws, info.dim}},
                          {"particles", "particles.npy"},
                          {"posterior", no_netcdf.empty() ? nlohmann::json("posterior.nc") : nlohmann::json()},
                          {"kept_draws", r.kept_draws},
                          {"acceptance_fraction", acceptance_fraction},
                          {"acceptance_fraction_per_ensemble", "acceptance_fraction_per_ensemble.npy"},
                          {"integrated_time", tau},
                          {"interrupted", r.interrupted},
                          {"seconds", r.seconds},
                          {"summary", summary_for_json(rows)}};
    if (split) run["ranks"] = group.size();
    folder->commit(run.dump(2) + "\n", run_folder_files);
  });
  if (!lead) return;
  if (!o.quiet) {
    std::cout << fmt::format("manychains ensemble: stretch move on {} ({}, {}), {} ensemble(s) x {} walkers x {} draws "
                             "(after {} burn-in), seed {}\n",
                             info.spec, r.device, o.precision, shape.ensembles, shape.walkers, r.kept_draws, s.burn, seed);
    print_summary_table(std::cout, rows);
    std::cout << fmt::format("acceptance fraction {:.3f}; integrated time {}; {:.2f} s; wrote {}/draws.npy, "
                             "particles.npy, {}run.json\n",
                             acceptance_fraction, tau.dump(), r.seconds, o.out, no_netcdf.empty() ? "posterior.nc, " : "");
  }
  if (acceptance_fraction < 0.05)
    std::cerr << "warning: acceptance fraction " << acceptance_fraction
              << " is very low; the walkers may be stuck (try more walkers or a smaller --a)\n";
  if (r.interrupted) exit_status() = 130;
}

template <class T>
void run_svgd_command(const ensemble_options& o, const target_or_model& source, std::uint64_t seed) {
  const target_info& info = source.shown();  // names and dimension reported (a model's constrained scale)
  svgd_settings s;
  s.particles = o.particles.value_or(1024);
  s.iterations = o.iterations;
  s.optimizer = o.optimizer == "fixed" ? svgd_optimizer::fixed : svgd_optimizer::adagrad;
  s.step_size = o.step_size.value_or(s.optimizer == svgd_optimizer::fixed ? 0.05 : 0.1);
  s.tolerance = o.tolerance;
  s.ksd_every = o.ksd_every;
  s.seed = seed;
  if (o.bandwidth != "median") {
    std::size_t used = 0;
    double h = 0;
    try {
      h = std::stod(o.bandwidth, &used);
    } catch (const std::exception&) {
    }
    if (used != o.bandwidth.size() || !(h > 0) || !std::isfinite(h))
      throw input_error("--bandwidth must be a positive number or median, not '" + o.bandwidth + "'");
    s.bandwidth = h;
  }
  check_memory(saturating_mul(saturating_mul(6, s.particles), info.dim), info.dim, sizeof(T),
               fmt::format("{} particles x {} parameters", s.particles, info.dim));
  auto backend = source.make_svgd<T>(source.device(o.device, "ensemble", o.quiet));
  run_folder folder(o.out);  // every file staged, then committed as a unit with run.json last
  install_interrupt_handler();
  svgd_result<T> r;
  {
    progress_bar bar("svgd", o.quiet);
    r = run_svgd<T>(*backend, source.info(), s, nullptr, &interrupt_flag(),
                    [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  }
  require_finite(r.positions, "SVGD",
                 s.optimizer == svgd_optimizer::fixed ? "Use a smaller --step-size or --optimizer adagrad"
                                                      : "Check the target's scale");
  source.constrain(r.positions);
  const auto rows = summarize_draws(r.positions.data(), 1, s.particles, info.dim, info.parameter_names);
  write_npy(folder.stage("particles.npy"), {s.particles, info.dim}, r.positions.data());
  nlohmann::json trace = nlohmann::json::array();
  for (const auto& t : r.trace) {
    nlohmann::json row = {{"iteration", t.iteration}, {"step_size", t.step_size}, {"bandwidth", t.bandwidth},
                          {"movement", t.movement},   {"spread", t.spread}};
    row["ksd2"] = t.ksd2 ? nlohmann::json(*t.ksd2) : nlohmann::json(nullptr);
    trace.push_back(row);
  }
  nlohmann::json settings = common_settings(o, seed);
  settings.update({{"particles", s.particles}, {"step_size", s.step_size}, {"optimizer", o.optimizer},
                   {"bandwidth", o.bandwidth}, {"tolerance", s.tolerance}, {"median_sample", s.median_sample},
                   {"ksd_every", s.ksd_every}});
  const nlohmann::json run = {{"settings", settings},
                              {"device", r.device},
                              {"dim", info.dim},
                              {"parameter_names", parameter_names_json(info.parameter_names)},
                              {"parameter_shapes", parameter_shapes_json(info.parameter_names)},
                              {"particles", "particles.npy"},
                              {"iterations_done", r.iterations_done},
                              {"converged", r.converged},
                              {"interrupted", r.interrupted},
                              {"seconds", r.seconds},
                              {"trace", trace},
                              {"summary", summary_for_json(rows)}};
  folder.commit(run.dump(2) + "\n", run_folder_files);
  if (!o.quiet) {
    std::cout << fmt::format("manychains ensemble: SVGD on {} ({}, {}), {} particles, {} iterations{}, seed {}\n",
                             info.spec, r.device, o.precision, s.particles, r.iterations_done,
                             r.converged ? " (converged)" : "", seed);
    print_summary_table(std::cout, rows);
    if (!r.trace.empty()) {
      const auto& t = r.trace.back();
      std::cout << fmt::format("last iteration: bandwidth {:.4g}, movement {:.3g} (spread {:.3g}){}; {:.2f} s; wrote "
                               "{}/particles.npy, run.json\n",
                               t.bandwidth, t.movement, t.spread,
                               t.ksd2 ? fmt::format(", KSD² {:.3g}", *t.ksd2) : std::string(), r.seconds, o.out);
    }
  }
  if (!r.converged && !r.interrupted && s.tolerance > 0)
    std::cerr << "warning: SVGD did not meet the movement tolerance in " << r.iterations_done
              << " iterations; the particles may still be moving (more --iterations or a larger --step-size)\n";
  if (r.interrupted) exit_status() = 130;
}

}  // namespace

void register_ensemble(CLI::App& app) {
  auto o = std::make_shared<ensemble_options>();
  CLI::App* cmd = app.add_subcommand("ensemble", "Interacting particle ensembles: SVGD or the stretch move");
  cmd->add_option("--method", o->method, "svgd or stretch")->required()->check(CLI::IsMember({"svgd", "stretch"}));
  cmd->add_option("--target", o->target, "Target spec (default gaussian; pointwise targets only):\n" + target_help())
      ->capture_default_str();
  add_model_options(cmd, o->model, o->data);
  cmd->add_option("--particles", o->particles,
                  "SVGD: particles (default 1024); stretch: walkers per ensemble, even, at least 2 x dim "
                  "(default max(32, 2 x dim))")
      ->check(whole_number(1, std::uint64_t(1) << 31));
  cmd->add_option("--iterations", o->iterations, "SVGD iterations, or stretch steps kept after burn-in")
      ->check(whole_number(1))
      ->capture_default_str();
  cmd->add_option("--burn", o->burn, "Stretch: steps run before draws are kept (default min(500, iterations))")
      ->check(whole_number(0));
  cmd->add_option("--step-size", o->step_size, "SVGD step size (default 0.1 with adagrad, 0.05 fixed)")
      ->check(positive_number());
  cmd->add_option("--optimizer", o->optimizer, "SVGD step: adagrad or fixed")
      ->check(CLI::IsMember({"adagrad", "fixed"}))
      ->capture_default_str();
  cmd->add_option("--bandwidth", o->bandwidth, "SVGD kernel exp(-|x-y|^2/h): h, or median (recomputed each iteration)")
      ->capture_default_str();
  cmd->add_option("--tolerance", o->tolerance,
                  "SVGD stops when the RMS movement per iteration falls below tolerance x the particles' RMS spread "
                  "(0: run all iterations)")
      ->check(non_negative_number())
      ->capture_default_str();
  cmd->add_option("--ksd-every", o->ksd_every,
                  "SVGD: compute the kernel Stein discrepancy every N iterations and at the last (0: never)")
      ->check(whole_number(0))
      ->capture_default_str();
  cmd->add_option("--ensembles", o->ensembles, "Stretch: independent ensembles run at once")
      ->check(whole_number(1, std::uint64_t(1) << 24))
      ->capture_default_str();
  cmd->add_option("--a", o->a, "Stretch scale a > 1 (z from 1/sqrt(z) on [1/a, a])")
      ->check(finite_number(1.0, std::numeric_limits<double>::max(), true))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed, 0 to 2^64-1 (default: drawn at random and recorded in run.json)")
      ->check(seed_number());
  add_device_option(cmd, o->device);
  add_precision_option(cmd, o->precision);
  cmd->add_option("--out", o->out, "Output folder for particles.npy, draws.npy and run.json")->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "No table or progress bar");
  cmd->callback([o, cmd] {
    const ensemble_options& opt = *o;
    const std::uint64_t seed = opt.seed ? *opt.seed : random_seed();
    const target_or_model target =
        opt.model.empty() ? target_or_model(opt.target)
                          : target_or_model(load_model_file(opt.model, opt.data, cmd->count("--target") > 0, opt.quiet).model);
    if (target.target() && std::holds_alternative<logistic_target>(*target.target()))
      throw input_error(ensemble_unsupported_target_message());
    const bool single = opt.precision == "float";
    if (opt.method == "stretch") {
      if (opt.step_size || opt.bandwidth != "median")
        throw input_error("--step-size and --bandwidth apply to --method svgd only");
      single ? run_stretch_command<float>(opt, target, seed) : run_stretch_command<double>(opt, target, seed);
    } else {
      if (opt.ensembles != 1 || opt.burn) throw input_error("--ensembles and --burn apply to --method stretch only");
      if (world().size() > 1)  // one interacting ensemble: every particle needs every other's position each step
        throw input_error("--method svgd does not run over several processes (mpirun); --method stretch does");
      single ? run_svgd_command<float>(opt, target, seed) : run_svgd_command<double>(opt, target, seed);
    }
  });
}

}  // namespace manychains::cli
