// Score-only sampling from the CLI: the chains start from a broad Gaussian, run level by level
// (annealed) or step by step (ULA) on a score_engine, and end as draws.npy (chain, draw, dim),
// optionally levels.npy (level, chain, dim), posterior.nc, run.json and the summary table.
#include "cli/score_sample.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/posterior_file.hpp"
#include "cli/run_report.hpp"
#include "cli/terminal.hpp"
#include "cli/validate.hpp"
#include "io/netcdf_library.hpp"
#include "manychains/checked.hpp"
#include "manychains/diagnostics/tv.hpp"
#include "manychains/error.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/io/run_folder.hpp"
#include "manychains/philox.hpp"
#include "manychains/process_group.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/resources.hpp"
#include "manychains/score/score_backends.hpp"
#include "manychains/summary.hpp"
#include "manychains/score/score_targets.hpp"

namespace manychains::cli {
namespace {

const char* const annealing_flags[] = {"--levels", "--sigma-max", "--sigma-min", "--steps-per-level", "--epsilon",
                                       "--save-levels"};

/// Starting points x_c = center + spread ∘ z, z ~ N(0, I) from stream (seed, 2^40 + c): a
/// subsequence no chain uses (chains are below 2^31), so the start does not shift the chains' noise.
template <class T>
std::vector<T> broad_start(const target_info& info, std::size_t n, std::uint64_t seed, const std::vector<double>& spread) {
  const std::size_t d = info.dim;
  std::vector<T> x(n * d);
  for (std::size_t c = 0; c < n; ++c) {
    philox_stream rng{seed, (std::uint64_t(1) << 40) + c, 0};
    double z[4];
    for (std::size_t j = 0; j < d; ++j) {
      if (j % 4 == 0) normal4<double>(rng, z);
      x[c * d + j] = static_cast<T>(info.init_center[j] + spread[j] * z[j % 4]);
    }
  }
  return x;
}

/// Summary rows of independent chains' draws: the chains are independent (no shared adaptation),
/// so with one draw each the MCSE of a mean is sd / sqrt(chains); with several, the usual diagnostics.
template <class T>
std::vector<parameter_summary> score_summary(const sample_result<T>& r, const target_info& info) {
  if (r.kept_draws > 1) return summarize_run(r, info);
  auto rows = summarize_draws(r.draws.data(), r.chains.size(), r.kept_draws, info.dim, info.parameter_names);
  for (auto& row : rows) row.mcse_mean = row.sd / std::sqrt(double(r.chains.size()));
  return rows;
}

/// Marginal TV to the exact noise-free mixture of each chain's last draw (into `last`) and, where
/// saved, of each level's states (run.json's "tv_to_exact").
template <class T>
nlohmann::json tv_to_exact(const any_score_target& target, const sample_result<T>& r, const std::vector<T>& levels,
                           std::size_t levels_done, tv_estimate& last) {
  const std::size_t n = r.chains.size(), d = r.dim, kept = r.kept_draws;
  const auto quantile = exact_marginal_quantiles(target);
  std::vector<double> x(n * d);
  const auto tv_of = [&](const T* states, std::size_t row_stride) {
    for (std::size_t c = 0; c < n; ++c)
      for (std::size_t j = 0; j < d; ++j) x[c * d + j] = double(states[c * row_stride + j]);
    return marginal_tv_exact(positions_view{x.data(), n, d, d, 1}, quantile);
  };
  last = tv_of(r.draws.data() + (kept - 1) * d, kept * d);  // chain c's last draw
  nlohmann::json json = {{"max", last.max},      {"median", last.median}, {"noise_floor", last.noise_floor},
                         {"bins", last.bins},    {"per_parameter", last.per_parameter}};
  if (!levels.empty()) {
    nlohmann::json per_level = nlohmann::json::array();
    for (std::size_t i = 0; i < levels_done; ++i) per_level.push_back(tv_of(levels.data() + i * n * d, d).max);
    json["levels_max"] = per_level;
  }
  return json;
}

struct score_run {
  const score_sample_options& a;
  const score_run_request& r;
  bool annealed;
  annealed_schedule<double> schedule;  // annealed only
  double h = 0;                        // ula only
};

template <class T>
void run_with(const score_run& s, const any_score_target& target) {
  const target_info& info = info_of(target);
  const sample_settings& st = s.r.settings;
  const std::size_t n = st.chains, d = info.dim;
  const std::size_t kept = s.annealed ? 1 : st.draws / st.thin;
  const std::size_t snapshots = s.annealed && s.a.save_levels ? s.schedule.levels : 0;
  require_memory(fmt::format("{} chains x {} parameters", n, d),
                 saturating_mul(saturating_mul(n, d), saturating_mul(sizeof(T), saturating_add(4 + 2 * kept, snapshots))),
                 "use fewer chains or draws");
  require_disk(fmt::format("draws.npy, posterior.nc and levels.npy ({} chains x {} parameters)", n, d),
               saturating_mul(saturating_mul(n, d), saturating_mul(sizeof(T), saturating_add(2 * kept, snapshots))),
               s.r.out, "use fewer chains or draws");
  auto engine = make_score_engine<T>(parse_device_choice(s.r.device), target, n, st.seed);
  run_folder folder(s.r.out);
  install_interrupt_handler();
  std::vector<double> spread(d);
  for (std::size_t j = 0; j < d; ++j)  // annealed: level 1's moments, N(mean, sd² + σ_1²); ULA: over every mode
    spread[j] = s.annealed ? std::hypot(info.true_sd ? (*info.true_sd)[j] : 0.0, s.schedule.sigma_max)
                           : info.init_radius[j];
  engine->initialize(broad_start<T>(info, n, st.seed, spread));

  sample_result<T> result;
  result.chains = {0, n};
  result.dim = d;
  std::vector<T> levels;
  std::uint64_t refused = 0;
  std::size_t levels_done = 0;
  const auto start = std::chrono::steady_clock::now();
  {
    progress_bar bar(s.annealed ? "annealing" : "sampling", s.r.quiet);
    if (s.annealed) {
      annealed_schedule<T> sched{T(s.schedule.sigma_max), T(s.schedule.sigma_min), s.schedule.levels,
                                 s.schedule.steps_per_level, T(s.schedule.epsilon)};
      for (std::size_t i = 0; i < sched.levels && !interrupt_flag(); ++i) {
        refused += engine->run_levels(sched, i, i + 1);
        levels_done = i + 1;
        if (snapshots) {
          const std::vector<T> now = engine->positions();
          levels.insert(levels.end(), now.begin(), now.end());
        }
        bar.update(levels_done, sched.levels);
      }
      result.kept_draws = levels_done > 0 ? 1 : 0;  // interrupted in level 1: nothing to keep
      if (levels_done > 0) result.draws = engine->positions();
    } else {
      const std::size_t total = st.warmup + st.draws;
      std::size_t done = 0;
      for (std::size_t chunk; done < st.warmup && !interrupt_flag(); done += chunk) {
        chunk = std::min<std::size_t>(st.warmup - done, 100);
        refused += engine->run_ula(T(s.h), chunk);
        bar.update(done + chunk, total);
      }
      std::vector<std::vector<T>> kept_states;
      for (std::size_t k = 0; k < kept && !interrupt_flag(); ++k) {
        refused += engine->run_ula(T(s.h), st.thin);
        kept_states.push_back(engine->positions());
        bar.update(st.warmup + (k + 1) * st.thin, total);
      }
      result.kept_draws = kept_states.size();
      result.draws.resize(n * result.kept_draws * d);
      for (std::size_t k = 0; k < result.kept_draws; ++k)  // (chain, draw, dim)
        for (std::size_t c = 0; c < n; ++c)
          for (std::size_t j = 0; j < d; ++j) result.draws[(c * result.kept_draws + k) * d + j] = kept_states[k][c * d + j];
    }
  }
  result.interrupted = interrupt_flag();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.step_size = s.annealed ? std::sqrt(s.schedule.epsilon) : s.h;
  if (result.kept_draws == 0) {  // stopped in ULA's warm-up or annealing's first level: no draw to save
    std::cerr << "interrupted before the first draw; nothing was written\n";
    exit_status() = 130;
    return;
  }

  const auto rows = score_summary(result, info);
  nlohmann::json settings = {{"target", info.spec}, {"sampler", s.annealed ? "annealed" : "ula"}, {"chains", n},
                             {"seed", st.seed},     {"device", s.r.device},   {"precision", s.r.precision}};
  if (s.annealed) {
    settings.update({{"levels", s.schedule.levels}, {"sigma_max", s.schedule.sigma_max},
                     {"sigma_min", s.schedule.sigma_min}, {"steps_per_level", s.schedule.steps_per_level},
                     {"epsilon", s.schedule.epsilon}, {"save_levels", s.a.save_levels}});
  } else {
    settings.update({{"warmup", st.warmup}, {"draws", st.draws}, {"thin", st.thin}, {"step_size", s.h}});
  }
  tv_estimate tv;
  const nlohmann::json tv_json = tv_to_exact(target, result, levels, levels_done, tv);
  std::string no_netcdf;
  if (netcdf_available(&no_netcdf)) write_posterior_file(folder.stage("posterior.nc"), result, info, settings);
  write_npy(folder.stage("draws.npy"), {n, result.kept_draws, d}, result.draws.data());
  if (snapshots) write_npy(folder.stage("levels.npy"), {levels_done, n, d}, levels.data());
  nlohmann::json sigmas = nlohmann::json::array();
  for (std::size_t i = 0; s.annealed && i < s.schedule.levels; ++i)
    sigmas.push_back({{"sigma", s.schedule.sigma(i)}, {"step_size", s.schedule.step(i)}});
  nlohmann::json report = {{"settings", settings},
                           {"device", engine->device_name()},
                           {"dim", d},
                           {"parameter_names", parameter_names_json(info.parameter_names)},
                           {"parameter_shapes", parameter_shapes_json(info.parameter_names)},
                           {"draws", "draws.npy"},
                           {"kept_draws", result.kept_draws},
                           {"posterior", no_netcdf.empty() ? nlohmann::json("posterior.nc") : nlohmann::json()},
                           {"refused_steps", refused},
                           {"interrupted", result.interrupted},
                           {"seconds", result.seconds},
                           {"summary", rows.size() <= max_summary_rows_in_json ? summary_json(rows) : nlohmann::json()}};
  if (s.annealed) {
    report["levels_done"] = levels_done;
    report["noise_levels"] = sigmas;
    report["levels"] = snapshots ? nlohmann::json("levels.npy") : nlohmann::json();
  }
  report["tv_to_exact"] = tv_json;
  if (info.true_mean) report["true_mean"] = *info.true_mean;
  if (info.true_sd) report["true_sd"] = *info.true_sd;
  folder.commit(report.dump(2) + "\n", run_folder_files);
  if (!no_netcdf.empty()) std::cerr << "warning: posterior.nc not written: libnetcdf could not be loaded (" << no_netcdf << ")\n";
  if (!s.r.quiet) {
    if (s.annealed)
      std::cout << fmt::format("manychains sample: annealed Langevin on {} ({}, {}), {} chains, {} of {} levels "
                               "(sigma {:g} to {:g}) x {} steps, seed {}\n",
                               info.spec, engine->device_name(), s.r.precision, n, levels_done, s.schedule.levels,
                               s.schedule.sigma_max, s.schedule.sigma_min, s.schedule.steps_per_level, st.seed);
    else
      std::cout << fmt::format("manychains sample: score-only ULA on {} ({}, {}), {} chains x {} draws, step {:g}, "
                               "seed {}\n",
                               info.spec, engine->device_name(), s.r.precision, n, result.kept_draws, s.h, st.seed);
    print_summary_table(std::cout, rows);
    std::cout << fmt::format("marginal TV of the {} to the exact mixture: max {:.3f} over parameters (noise floor {:.3f})\n",
                             s.annealed ? "draws" : "last draws", tv.max, tv.noise_floor);
    std::cout << fmt::format("{:.2f} s; wrote {}/draws.npy{}, run.json\n", result.seconds, s.r.out,
                             snapshots ? ", levels.npy" : "");
  }
  if (!s.annealed) print_diagnostic_warnings(std::cerr, rows, "; score-only ULA does not cross between well-separated modes: try --sampler annealed");
  if (refused > 0)
    std::cerr << fmt::format("warning: {} steps met a non-finite score and were refused (the chain stayed put); "
                             "use a smaller --epsilon or --step-size\n", refused);
  if (result.interrupted) exit_status() = 130;
}

/// A positive, finite number or input_error naming the flag.
void require_positive(double v, const char* flag) {
  if (!(v > 0) || !std::isfinite(v)) throw input_error(fmt::format("{} must be a positive number, not {:g}", flag, v));
}

}  // namespace

void add_score_options(CLI::App* cmd, score_sample_options& o) {
  cmd->add_option("--levels", o.levels, "With --sampler annealed: the number of noise levels L (geometric)")
      ->capture_default_str();
  cmd->add_option("--sigma-max", o.sigma_max, "With --sampler annealed: the first (largest) noise level")
      ->capture_default_str();
  cmd->add_option("--sigma-min", o.sigma_min, "With --sampler annealed: the last (smallest) noise level")
      ->capture_default_str();
  cmd->add_option("--steps-per-level", o.steps_per_level, "With --sampler annealed: Langevin steps T per level")
      ->capture_default_str();
  cmd->add_option("--epsilon", o.epsilon,
                  "With --sampler annealed: the last level's step (h^2); level i steps epsilon sigma_i^2 / "
                  "sigma_min^2 (default 0.2 sigma_min^2)");
  cmd->add_flag("--save-levels", o.save_levels,
                "With --sampler annealed: also write levels.npy, (level, chain, dim), the chains after each level");
}

bool run_score_sample_if_asked(const CLI::App& cmd, const score_sample_options& a, const score_run_request& r) {
  // A score-only target without --sampler runs annealed (sample's default, MALA, needs a log-density).
  const bool annealed = r.sampler == "annealed" || (cmd.count("--sampler") == 0 && is_score_target(r.target));
  if (!annealed) {
    for (const char* flag : annealing_flags)
      if (cmd.count(flag) > 0) throw input_error(std::string(flag) + " needs --sampler annealed");
    if (!is_score_target(r.target)) return false;
    if (r.sampler != "ula")
      throw input_error("target '" + r.target.substr(0, 40) + "' gives only a score (no log-density): use --sampler "
                        "annealed or ula");
  }
  if (r.model) throw input_error("--model files give a log-density; --sampler annealed needs a score target (noisy-mixture:...)");
  if (r.until_ess) throw input_error("--until-ess does not apply to score-only sampling");
  if (r.metric_given) throw input_error("--metric does not apply to score-only sampling");
  if (world().size() > 1) throw input_error("score-only sampling does not run over several processes (mpirun) yet");
  if (!is_score_target(r.target))
    throw input_error("--sampler annealed needs a target with a score at every noise level: noisy-mixture:... (target '" +
                      r.target.substr(0, 40) + "' is not one)");
  score_run s{a, r, annealed, {}, 0.0};
  if (annealed) {
    if (a.levels < 1) throw input_error("--levels must be at least 1");
    if (a.steps_per_level < 1) throw input_error("--steps-per-level must be at least 1");
    require_positive(a.sigma_max, "--sigma-max");
    require_positive(a.sigma_min, "--sigma-min");
    if (a.levels > 1 && !(a.sigma_min < a.sigma_max))
      throw input_error(fmt::format("--sigma-min ({:g}) must be below --sigma-max ({:g})", a.sigma_min, a.sigma_max));
    const double epsilon = a.epsilon.value_or(0.2 * a.sigma_min * a.sigma_min);
    require_positive(epsilon, "--epsilon");
    if (cmd.count("--step-size") > 0) throw input_error("--sampler annealed takes --epsilon, not --step-size");
    s.schedule = {a.sigma_max, a.sigma_min, a.levels, a.steps_per_level, epsilon};
  } else {
    const auto h = positive_finite(r.step_size);
    if (!h)
      throw input_error("--sampler ula on a score-only target needs --step-size h (a number: without a log-density "
                        "there is nothing to adapt it against)");
    s.h = *h;
  }
  if (r.precision == "float")
    run_with<float>(s, make_score_target(r.target));
  else
    run_with<double>(s, make_score_target(r.target));
  return true;
}

}  // namespace manychains::cli
