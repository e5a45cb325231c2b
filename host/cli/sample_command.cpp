// `manychains sample`: warm-up and sampling of many chains, a summary table, draws.npy, run.json.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "cli/validate.hpp"
#include "manychains/devices.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/checked.hpp"
#include "manychains/io/npy_mapped.hpp"
#include "manychains/io/npy_slabs.hpp"
#include "manychains/process_group.hpp"
#include "mpi/collectively.hpp"
#include "split_summary.hpp"
#include "manychains/resources.hpp"
#include "manychains/sampler.hpp"
#include "manychains/summary.hpp"
#include "manychains/io/run_folder.hpp"
#include "io/netcdf_library.hpp"
#include "cli/model_files.hpp"
#include "model/model_library.hpp"
#include "model/model_ptx.hpp"
#include "posterior_file.hpp"
#include "run_report.hpp"
#include "score_sample.hpp"
#include "manychains/score/score_targets.hpp"
#include "target_spec.hpp"
#include "tv_report.hpp"

namespace manychains::cli {
namespace {

struct sample_options {
  std::string target = "oring";
  std::string model, data;  ///< a model file and its JSON data (docs/models.md), instead of --target
  std::string sampler = "mala";
  std::string step_size = "auto";
  std::string device = "auto";
  std::string precision = "double";
  std::string metric = "auto";
  std::optional<std::size_t> tv_every;
  std::string out = "manychains-out";
  std::optional<std::uint64_t> seed;
  std::optional<double> until_ess;
  std::optional<std::size_t> max_draws;
  sample_settings settings;
  bool quiet = false;
  bool chains_given = false;  // --chains on the command line
  std::string chains_reason;  // how the chain count was chosen (run.json)
};

/// --max-draws above this (10^9 sampling steps a chain) is a typo, not a plan: bad input.
constexpr std::uint64_t max_draws_limit = 1000000000;

/// --until-ess without --chains: as many chains as the target needs. Split R-hat <= 1.01 needs
/// each chain about 100 autocorrelation times long whatever the chain count, and by then C chains
/// hold about 100 C bulk (about 50 C tail) effective draws; so C = ESS target / 50 meets both at
/// once, and more chains only add work (each chain's warm-up) on a CPU. At least 64 chains (a
/// well-estimated between-chain variance for R-hat and a pooled step-size adaptation) and 4 x dim
/// (a dense metric's covariance), at most the default; a multiple of 32 (a GPU warp). The same
/// rule on every device, so that a seed gives the same chains on the CPU and the GPU.
std::size_t chains_for_ess_target(double target_ess, std::size_t dim, std::size_t default_chains) {
  const double wanted = std::max({64.0, 4.0 * static_cast<double>(dim), std::ceil(target_ess / 50.0)});
  const std::size_t c = wanted >= static_cast<double>(default_chains) ? default_chains : static_cast<std::size_t>(wanted);
  return std::min(default_chains, (c + 31) / 32 * 32);
}

/// The text run.json holds per parameter (name, summary row). Measured on gaussian:dim=2000000
/// with 2 chains: a 465 MB run.json, 233 bytes per parameter.
constexpr std::size_t run_json_bytes_per_parameter = 256;

/// Refuses, before any file is created, a run whose memory or files cannot fit. In memory: the
/// chains' state (positions, gradients, proposals: 6 values per chain and parameter), the
/// per-parameter tables, the per-draw statistics (lp, acceptance, divergence: 17 bytes a draw) and,
/// with --save-warmup, the warm-up states. On disk: draws.npy (written through a memory map, so on
/// disk only), posterior.nc (the same draws and statistics again), the metric files and run.json.
void check_resources(const sample_options& o, std::size_t dim, std::size_t bytes_per_value) {
  const std::size_t steps = o.settings.until_ess ? o.settings.max_draws : o.settings.draws;
  const std::size_t chains = o.settings.chains, kept = steps / o.settings.thin;
  const std::size_t warmup = o.settings.save_warmup ? o.settings.warmup : 0;
  const std::size_t state = saturating_mul(saturating_mul(chains, dim), saturating_mul(bytes_per_value, 6));
  const std::size_t tables = saturating_mul(dim, memory_bytes_per_parameter);
  const std::size_t stats = saturating_mul(saturating_mul(chains, saturating_add(kept, warmup)), 17);
  const std::size_t warmup_states = saturating_mul(saturating_mul(chains, warmup), saturating_mul(dim, bytes_per_value));
  require_memory(fmt::format("{} chains x {} parameters (the chains' state, per-draw statistics and per-parameter "
                             "summaries)",
                             chains, dim),
                 saturating_add(saturating_add(state, tables), saturating_add(stats, warmup_states)),
                 "use fewer chains, parameters or draws");
  const std::size_t draws = saturating_mul(saturating_mul(chains, kept), saturating_mul(dim, bytes_per_value));
  const std::size_t posterior = saturating_add(saturating_add(draws, warmup_states), saturating_mul(stats, 2));
  const bool maybe_dense = dim <= 1000;  // a dense metric's factor: inverse_metric_factor.npy
  const std::size_t metric = saturating_add(saturating_mul(dim, 8), maybe_dense ? dim * dim * 8 : 0);
  const std::size_t json = saturating_add(saturating_mul(dim, run_json_bytes_per_parameter), 1 << 16);
  require_disk(fmt::format("draws.npy and posterior.nc ({} chains x {} draws x {} parameters), the metric and "
                           "run.json",
                           chains, kept, dim),
               saturating_add(saturating_add(draws, posterior), saturating_add(metric, json)), o.out,
               "use fewer chains or draws, or --thin");
}

/// `mpirun -np R manychains sample`: rank r runs chains chain_share(chains, r, R) on its own GPU or
/// CPU cores; adaptation reads all ranks' chains (sampler.hpp), so the draws equal one process's.
/// Each rank writes its chains' slab of draws.npy; the summary is split by parameter
/// (split_summary.hpp); rank 0 writes run.json and the metric and commits the folder once every
/// rank has succeeded. posterior.nc is not written (one process would need every draw in memory).
template <class T>
void run_sample_split(const sample_options& o, const any_target& target, process_group& group) {
  const target_info& info = info_of(target);
  const std::size_t ranks = static_cast<std::size_t>(group.size()), chains = o.settings.chains;
  if (o.settings.save_warmup) throw input_error("--save-warmup does not run over several processes (mpirun): it goes to posterior.nc");
  if (chains < ranks) throw input_error(fmt::format("{} chains cannot be split over {} ranks", chains, ranks));
  failure_agreed() = false;  // from here a failure may be one rank's only
  const bool lead = group.rank() == 0;
  const chain_range mine = chain_share(chains, group.rank(), group.size());
  std::unique_ptr<chain_engine<T>> engine;
  std::optional<run_folder> folder;
  collectively(group, [&] {
    check_resources(o, info.dim, sizeof(T));
    engine = make_engine<T>(parse_device_choice(o.device), target, mine, o.settings.seed);
    if (lead) folder.emplace(o.out);
  });
  install_interrupt_handler();
  tv_recorder tv(info, o.settings.warmup);
  sample_settings settings = o.settings;
  settings.group = &group;
  settings.observe_every = o.tv_every.value_or(std::max<std::size_t>(1, (settings.warmup + settings.draws) / 20));
  settings.observer = [&tv](std::size_t step, const std::vector<double>& x) { tv.observe(step, x); };
  sample_result<T> result;
  {
    progress_bar bar("sampling", o.quiet || !lead);
    result = run_sampler<T>(*engine, info, settings, &interrupt_flag(),
                            [&](std::size_t done, std::size_t total) { bar.update(done, total); });
  }
  npy_slab_file<T> draws_file(group, o.out + "/draws.npy", {chains, result.kept_draws, info.dim});
  draws_file.write(mine.first, result.draws_data(), mine.size());
  const std::string draws_path = draws_file.finish();
  const auto rows = summarize_split<T>(group, draws_path, npy_slab_file<T>::data_offset, chains, result.kept_draws,
                                       info.dim, info.parameter_names);
  result.chains = {0, chains};  // the run's totals are every rank's
  const nlohmann::json settings_json = {{"target", info.spec}, {"sampler", o.sampler}, {"chains", chains},
                                        {"warmup", o.settings.warmup}, {"draws", o.settings.draws},
                                        {"thin", o.settings.thin}, {"step_size", o.step_size}, {"metric", o.metric},
                                        {"seed", o.settings.seed}, {"device", o.device}, {"precision", o.precision},
                                        {"tv_every", settings.observe_every}, {"save_warmup", false},
                                        {"chains_reason", o.chains_reason},
                                        {"until_ess", o.until_ess ? nlohmann::json(*o.until_ess) : nlohmann::json()},
                                        {"max_draws", o.until_ess ? nlohmann::json(o.settings.max_draws) : nlohmann::json()},
                                        {"ranks", ranks}};
  collectively(group, [&] {
    if (!lead) return;
    stage_metric_files(*folder, result);
    folder->adopt(draws_path, "draws.npy");
    nlohmann::json report = run_json(settings_json, result, info, rows, engine->device_name());
    report["tv"] = tv.curve();
    report["posterior"] = nullptr;
    folder->commit(report.dump(2) + "\n", run_folder_files);
  });
  if (lead && !o.quiet) {
    std::cout << fmt::format("manychains sample: {} on {} x {} ranks ({}), {} chains x {} draws, seed {}\n",
                             info.spec, engine->device_name(), ranks, o.precision, chains, result.kept_draws,
                             o.settings.seed);
    print_summary_table(std::cout, rows);
    tv.print(std::cout, tv.curve());
    print_run_footer(std::cout, result, o.out);
  }
  if (lead) {
    std::cerr << "note: posterior.nc is not written under mpirun; draws.npy and run.json are\n";
    print_warnings(std::cerr, result, rows);
  }
  if (!run_problems(result, rows).empty()) exit_status() = 1;
  if (result.interrupted) exit_status() = 130;
}

/// A run of a built-in target or, with `model`, of a model file: the chains move on the
/// unconstrained scale, and draws, names and summaries are reported on the constrained one.
template <class T>
void run_sample(const sample_options& o, const target_info& info, std::unique_ptr<chain_engine<T>> engine,
                const loaded_model* model = nullptr) {
  const target_info& shown = model ? model->constrained_info() : info;  // names and dimension reported
  run_folder folder(o.out);  // every file staged, then committed as a unit with run.json last
  install_interrupt_handler();  // before the draws file exists, so that Ctrl-C never leaves it half made
  const std::size_t capacity = o.settings.until_ess ? o.settings.max_draws : o.settings.draws;
  npy_mapped_file<T> draws_file(o.out + "/draws.npy", {o.settings.chains, capacity / o.settings.thin, shown.dim},
                                &interrupt_flag());
  tv_recorder tv(info, o.settings.warmup);
  sample_settings settings = o.settings;
  settings.observe_every = o.tv_every.value_or(std::max<std::size_t>(1, (settings.warmup + settings.draws) / 20));
  settings.observer = [&tv](std::size_t step, const std::vector<double>& x) { tv.observe(step, x); };
  sample_result<T> result;
  {
    progress_bar bar("sampling", o.quiet);
    result = run_sampler<T>(
        *engine, info, settings, &interrupt_flag(),
        [&](std::size_t done, std::size_t total) { bar.update(done, total); }, model ? nullptr : draws_file.data());
  }
  if (model) {
    constrain_draws(*model, result.draws.data(), o.settings.chains * result.kept_draws, draws_file.data());
    result.draws = {};
    result.external_draws = draws_file.data();
    result.dim = shown.dim;
    std::vector<T> warm(result.warmup_draws.size() / info.dim * shown.dim);
    constrain_draws(*model, result.warmup_draws.data(), result.warmup_draws.size() / info.dim, warm.data());
    result.warmup_draws = std::move(warm);
  }
  const auto rows = summarize_run(result, shown);
  nlohmann::json settings_json = {{"target", info.spec}, {"sampler", o.sampler}, {"chains", o.settings.chains},
                             {"chains_reason", o.chains_reason},
                             {"warmup", o.settings.warmup}, {"draws", o.settings.draws},
                             {"thin", o.settings.thin}, {"step_size", o.step_size}, {"metric", o.metric},
                             {"seed", o.settings.seed}, {"device", o.device}, {"precision", o.precision},
                             {"tv_every", settings.observe_every}, {"save_warmup", o.settings.save_warmup},
                             {"until_ess", o.until_ess ? nlohmann::json(*o.until_ess) : nlohmann::json()},
                             {"max_draws", o.until_ess ? nlohmann::json(o.settings.max_draws) : nlohmann::json()}};
  if (model) {
    settings_json["model"] = o.model;
    settings_json["data"] = o.data;
  }
  std::string no_netcdf;  // why posterior.nc is not written: libnetcdf missing on this machine
  if (netcdf_available(&no_netcdf)) write_posterior_file(folder.stage("posterior.nc"), result, shown, settings_json);
  stage_metric_files(folder, result);
  folder.adopt(draws_file.finish({o.settings.chains, result.kept_draws, shown.dim}), "draws.npy");
  const nlohmann::json tv_curve = tv.curve();
  nlohmann::json report = run_json(settings_json, result, shown, rows, engine->device_name());
  report["tv"] = tv_curve;
  if (!no_netcdf.empty()) report["posterior"] = nullptr;
  folder.commit(report.dump(2) + "\n", run_folder_files);
  if (!no_netcdf.empty()) std::cerr << "warning: posterior.nc not written: libnetcdf could not be loaded (" << no_netcdf << ")\n";
  if (!o.quiet) {
    std::cout << fmt::format("manychains sample: {} on {} ({}), {} chains x {} draws, seed {}\n", info.spec,
                             engine->device_name(), o.precision, o.settings.chains, result.kept_draws,
                             o.settings.seed);
    print_summary_table(std::cout, rows);
    tv.print(std::cout, tv_curve);
    print_run_footer(std::cout, result, o.out);
  }
  print_warnings(std::cerr, result, rows);
  if (!run_problems(result, rows).empty()) exit_status() = 1;  // a failed run: the draws are unusable
  if (result.interrupted) exit_status() = 130;
}

/// Whether a model file runs on the GPU: `cuda` asks for it (and is refused with the reason where
/// it cannot); `auto` takes it where CUDA is usable, NVRTC is installed and the model is within
/// the device kernel's size, else the CPU (saying why, where a GPU was there to use).
bool model_on_gpu(const sample_options& o, const loaded_model& model) {
  const device_choice choice = parse_device_choice(o.device);
  if (select_device(choice) != backend_kind::cuda) return false;
  if (choice == device_choice::cuda) return true;
  std::string why;
  if (!nvrtc_available(&why))
    why = "the model's device part cannot be compiled (" + why + ")";
  else if (std::max(model.dim(), model.constrained_dim()) > std::size_t(model::detail::max_device_dim))
    why = fmt::format("it has more than {} parameters", model::detail::max_device_dim);
  else
    return true;
  refuse_fallback_when_gpu_expected("the model cannot run on the GPU: " + why);
  if (!o.quiet) std::cerr << "note: the model runs on the CPU: " << why << "\n";
  return false;
}

/// `--model FILE --data FILE`: compile (or find in the cache), load, bind, and sample on the CPU
/// or, with the device part compiled by NVRTC (cached beside the shared object), on the GPU.
void run_model_sample(const sample_options& o) {
  if (world().size() > 1) throw input_error("--model does not run over several processes (mpirun) yet");
  const model_file file = load_model_file(o.model, o.data, o.target != "oring", o.quiet);
  const loaded_model& model = *file.model;
  check_resources(o, std::max(model.dim(), model.constrained_dim()), o.precision == "float" ? 4 : 8);
  // The device part, compiled by NVRTC on the first GPU run (an error in it is the model's under
  // --device cuda; under auto the CPU runs the model instead).
  std::string ptx;
  bool gpu = model_on_gpu(o, model);
  if (gpu) {
    const auto start = std::chrono::steady_clock::now();
    bool compiled = false;
    try {
      ptx = cached_model_ptx(file.shared_object, o.model, cuda_compute_capability(), &compiled);
    } catch (const input_error& e) {
      if (parse_device_choice(o.device) == device_choice::cuda) throw;
      refuse_fallback_when_gpu_expected(std::string("the model cannot run on the GPU: ") + e.what());
      if (!o.quiet) std::cerr << "note: the model runs on the CPU: " << e.what() << "\n";
      gpu = false;
    }
    if (compiled && !o.quiet)
      std::cerr << fmt::format("compiled {}'s device part in {:.1f} s (NVRTC)\n", o.model,
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const chain_range chains{0, o.settings.chains};
  const auto run = [&](auto zero) {
    using T = decltype(zero);
    std::unique_ptr<chain_engine<T>> engine;
    if (gpu)
      engine = make_cuda_model_engine<T>(model.device_part(std::move(ptx)), chains, o.settings.seed);
    else
      engine = model.make_cpu_engine<T>(chains, o.settings.seed);
    run_sample<T>(o, model.info(), std::move(engine), &model);
  };
  if (o.precision == "float")
    run(0.0f);
  else
    run(0.0);
}

}  // namespace

void register_sample(CLI::App& app) {
  auto o = std::make_shared<sample_options>();
  CLI::App* cmd = app.add_subcommand("sample", "Run warm-up and sampling for many chains");
  cmd->add_option("--target", o->target, "Target spec (default oring). Built-in targets:\n" + target_help() + "\n" + score_target_help())
      ->capture_default_str();
  add_model_options(cmd, o->model, o->data);
  cmd->add_option("--sampler", o->sampler, "mala, ula, or annealed (score-only annealed Langevin, docs/score.md)")
      ->check(CLI::IsMember({"mala", "ula", "annealed"}))
      ->capture_default_str();
  auto score = std::make_shared<score_sample_options>();
  add_score_options(cmd, *score);
  cmd->add_option("--chains", o->settings.chains,
                  "Number of chains (default 1024; with --until-ess N: max(64, 4 x dim, N / 50), a multiple of 32)")->check(whole_number(1, std::uint64_t(1) << 31))->capture_default_str();
  cmd->add_option("--warmup", o->settings.warmup, "Warm-up (adaptation) steps")->check(whole_number(0))->capture_default_str();
  cmd->add_option("--draws", o->settings.draws, "Sampling steps after warm-up")->check(whole_number(1))->capture_default_str();
  cmd->add_option("--thin", o->settings.thin, "Keep every N-th sampling step")->check(whole_number(1))->capture_default_str();
  cmd->add_option("--step-size", o->step_size, "Step size, or auto to adapt it in warm-up")->capture_default_str();
  cmd->add_option("--until-ess", o->until_ess,
                  "Sample in blocks (the first --draws long) until every parameter's bulk and tail ESS reach "
                  "this and R-hat <= 1.01, or --max-draws");
  cmd->add_option("--max-draws", o->max_draws,
                  "With --until-ess: at most this many sampling steps, up to 10^9 (default 20 x --draws)")
      ->check(whole_number(1, max_draws_limit));
  cmd->add_option("--metric", o->metric,
                  "Preconditioner adapted in warm-up: diag, dense, or auto (diag; dense from a window on "
                  "where it whitens the chains at least 2x better, with chains >= 2 dim and dim <= 1000)")
      ->check(CLI::IsMember({"auto", "diag", "dense"}))
      ->capture_default_str();
  cmd->add_option("--tv-every", o->tv_every,
                  "Record the marginal TV distance to stationarity every N steps (default: 20 points "
                  "over the run; 0: off)")
      ->check(whole_number(0));
  cmd->add_option("--seed", o->seed, "Random seed, 0 to 2^64-1 (default: drawn at random and recorded in run.json)")
      ->check(seed_number());
  add_device_option(cmd, o->device);
  add_precision_option(cmd, o->precision);
  cmd->add_option("--out", o->out, "Output folder for draws.npy, posterior.nc and run.json")->capture_default_str();
  cmd->add_flag("--save-warmup", o->settings.save_warmup,
                "Also keep the warm-up states (in memory) as posterior.nc's warmup_posterior and "
                "warmup_sample_stats groups");
  cmd->add_flag("--quiet", o->quiet, "No table or progress bar");
  cmd->callback([o, cmd, score] {
    sample_options& opt = *o;
    opt.settings.sampler = opt.sampler == "ula" ? sampler_kind::ula : sampler_kind::mala;
    opt.settings.metric = opt.metric == "diag"    ? metric_kind::diagonal
                          : opt.metric == "dense" ? metric_kind::dense
                                                  : metric_kind::automatic;
    if (opt.step_size != "auto") {
      const auto eps = positive_finite(opt.step_size);
      if (!eps || !(*eps <= 100))
        throw input_error("--step-size must be a positive number or auto, at most 100 (it is in the adapted "
                          "metric's units, where a good step is about 1), not '" + opt.step_size.substr(0, 40) + "'");
      opt.settings.step_size = *eps;
    }
    if (opt.settings.draws < opt.settings.thin) throw input_error("--draws must be at least --thin");
    if (opt.until_ess && !(*opt.until_ess > 0 && *opt.until_ess < 1e15))
      throw input_error("--until-ess must be a positive number of effective draws");
    if (opt.max_draws && !opt.until_ess) throw input_error("--max-draws needs --until-ess");
    if (opt.until_ess) {
      opt.settings.until_ess = opt.until_ess;
      opt.settings.max_draws = opt.max_draws.value_or(saturating_mul(20, opt.settings.draws));
      if (opt.settings.max_draws < opt.settings.draws)
        throw input_error("--max-draws must be at least --draws (the first block)");
    }
    opt.settings.seed = opt.seed ? *opt.seed : random_seed();
    if (run_score_sample_if_asked(*cmd, *score,
                                  {opt.target, opt.sampler, opt.step_size, opt.device, opt.precision, opt.out,
                                   opt.settings, opt.quiet, opt.until_ess.has_value(), !opt.model.empty(),
                                   cmd->count("--metric") > 0}))
      return;
    // A declared dimension is checked before the target's tables are built (dim=1000000000).
    opt.chains_given = cmd->count("--chains") > 0;
    opt.settings.adaptive_warmup = opt.until_ess && cmd->count("--warmup") == 0;
    opt.chains_reason = opt.chains_given ? "asked for (--chains)" : "the default";
    const std::size_t default_chains = opt.settings.chains;
    const auto size_chains = [&](std::size_t dim) {
      if (!opt.until_ess || opt.chains_given) return;
      opt.settings.chains = chains_for_ess_target(*opt.until_ess, dim, default_chains);
      opt.chains_reason = fmt::format("--until-ess {:g} without --chains: max(64, 4 x dim = {}, target / 50 = {:g}) "
                                      "rounded up to a multiple of 32, at most {}: split R-hat <= 1.01 needs ~100 "
                                      "autocorrelation times per chain, when C chains hold ~50-100 C effective draws",
                                      *opt.until_ess, 4 * dim, std::ceil(*opt.until_ess / 50.0), default_chains);
    };
    const std::size_t declared_dim = target_spec(opt.target).count_or("dim", 0);
    if (declared_dim > 0) {
      size_chains(declared_dim);
      check_resources(opt, declared_dim, opt.precision == "float" ? 4 : 8);
    }
    if (!opt.model.empty()) {
      run_model_sample(opt);
      return;
    }
    const any_target target = make_target(opt.target);
    size_chains(info_of(target).dim);
    const auto run = [&](auto zero) {
      using T = decltype(zero);
      if (world().size() > 1) return run_sample_split<T>(opt, target, world());
      const target_info& info = info_of(target);
      check_resources(opt, info.dim, sizeof(T));
      run_sample<T>(opt, info,
                    make_engine<T>(parse_device_choice(opt.device), target, chain_range{0, opt.settings.chains},
                                   opt.settings.seed));
    };
    if (opt.precision == "float")
      run(0.0f);
    else
      run(0.0);
  });
}

}  // namespace manychains::cli
