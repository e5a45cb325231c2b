// `manychains converge`: upper bounds on the distance to stationarity from L-lag couplings.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/model_files.hpp"
#include "cli/run_report.hpp"
#include "cli/validate.hpp"
#include "manychains/coupling/coupling_run.hpp"
#include "manychains/coupling/tv_bound.hpp"
#include "manychains/devices.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/checked.hpp"
#include "manychains/process_group.hpp"
#include "manychains/resources.hpp"
#include "mpi/collectively.hpp"

namespace manychains::cli {
namespace {

struct converge_options {
  std::string target;
  std::string model, data;  ///< a model file and its JSON data (docs/models.md), instead of --target
  std::string sampler = "mala";
  std::string device = "auto";
  std::string precision = "double";
  std::string from_run;
  std::string out;
  std::optional<double> step_size;
  std::optional<std::uint64_t> seed;
  double threshold = 0.01;
  std::vector<double> init_center, init_radius;
  coupling_settings settings;
  bool quiet = false;
};

/// Step size, preconditioner (the diagonal scale and, after a dense-metric run, its factor L) and
/// (when --target is not given) target of a `sample` run.json: the kernel that run sampled with.
void read_run_json(converge_options& o) {
  std::ifstream in(o.from_run);
  if (!in) throw input_error("--from-run: cannot open " + o.from_run);
  nlohmann::json run;
  try {
    in >> run;
  } catch (const std::exception& e) {
    throw input_error("--from-run: " + o.from_run + " is not valid JSON: " + plain_reason(e));
  }
  if (!run.contains("step_size") || !run["step_size"].is_number() || !run.contains("inverse_metric_sqrt"))
    throw input_error("--from-run: " + o.from_run +
                      " has no numeric \"step_size\" and \"inverse_metric_sqrt\" (is it a sample run.json?)");
  if (run.contains("settings") && run["settings"].contains("sampler") && run["settings"]["sampler"] != "mala")
    std::cerr << "warning: --from-run: the run sampled with " << run["settings"]["sampler"].get<std::string>()
              << "; its step size and preconditioner are reused for the coupled " << o.sampler << " kernel\n";
  if (!o.step_size) o.settings.step_size = run["step_size"].get<double>();
  try {
    o.settings.scale = read_run_array(run, "inverse_metric_sqrt", o.from_run);
    // The dense factor: "inverse_metric_factor" names its .npy (null with a diagonal metric).
    o.settings.chol = read_run_array(run, "inverse_metric_factor", o.from_run);
  } catch (const input_error& e) {
    throw input_error(std::string("--from-run: ") + e.what());
  }
  if (o.target.empty()) {
    if (!run.contains("settings") || !run["settings"].contains("target"))
      throw input_error("--from-run: " + o.from_run + " names no target; give --target");
    o.target = run["settings"]["target"].get<std::string>();
  }
}

/// The t's worth printing: 0, the first t below each of a few levels, and the threshold's.
std::vector<std::size_t> rows_to_print(const tv_bound_curve& c, double threshold) {
  std::vector<std::size_t> rows{0};
  for (double level : {1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001, threshold})
    if (auto t = first_t_below(c, level)) rows.push_back(*t);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

/// At most ~2000 points of the curve for the JSON file (every t when it is shorter).
nlohmann::json curve_json(const tv_bound_curve& c) {
  const std::size_t n = c.bound.size();
  const std::size_t stride = n > 2000 ? (n + 1999) / 2000 : 1;
  std::vector<std::size_t> t;
  std::vector<double> b, e;
  for (std::size_t i = 0; i < n; i += stride) t.push_back(i);
  if (t.back() != n - 1) t.push_back(n - 1);
  for (std::size_t i : t) {
    b.push_back(c.bound[i]);
    e.push_back(c.mcse[i]);
  }
  return {{"t", t}, {"bound", b}, {"mcse", e}, {"every", stride}};
}

/// Under mpirun: every rank's pairs (share_of(pairs, r, R), each pair's stream by its global
/// index), in pair order on every rank, with the totals one process's run gives: the mean
/// acceptance summed pair after pair (rank order), counts summed, the slowest rank's seconds.
coupling_result all_pairs(process_group& group, coupling_result mine) {
  if (group.size() == 1) return mine;
  coupling_result r = std::move(mine);
  std::vector<double> sum{0.0};
  group.fold_in_order(sum, [&](std::vector<double>& a) {
    for (double p : r.x_accept_prob) a[0] += p;
  });
  r.meeting_time = gather_in_order(group, r.meeting_time);
  r.met = gather_in_order(group, r.met);
  r.x_accept_prob = gather_in_order(group, r.x_accept_prob);
  std::uint64_t counts[4] = {r.unmet, r.x_steps, r.chain_steps, r.divergent};
  group.sum(counts, 4);
  r.unmet = counts[0], r.x_steps = counts[1], r.chain_steps = counts[2], r.divergent = counts[3];
  r.accept_rate = r.x_steps ? sum[0] / static_cast<double>(r.x_steps) : 0.0;
  for (double t : gather_in_order(group, std::vector<double>{r.seconds})) r.seconds = std::max(r.seconds, t);
  return r;
}

template <class T>
void run_converge(const converge_options& o, const target_or_model& source) {
  const coupling_settings s = source.resolve(o.settings);
  const target_info& info = source.info();  // a model: its unconstrained scale, where the pairs move and meet
  // Two chains per pair (position, gradient, proposal and scratch: about 8 values each) and a
  // meeting time per pair, in memory and in the JSON.
  require_memory(fmt::format("{} coupled pairs x {} parameters", s.pairs, info.dim),
                 saturating_add(saturating_mul(s.pairs, saturating_add(saturating_mul(info.dim, 8 * sizeof(T)), 128)),
                                saturating_mul(info.dim, memory_bytes_per_parameter)),
                 "use fewer --pairs");
  // Under mpirun each rank runs its pairs (by global index, so the meeting times are one process's).
  process_group& group = world();
  const bool lead = group.rank() == 0;
  if (s.pairs < static_cast<std::size_t>(group.size()))
    throw input_error(fmt::format("{} pairs cannot be split over {} ranks; use more --pairs", s.pairs, group.size()));
  coupling_settings mine = s;
  const chain_range share = share_of(s.pairs, group.rank(), group.size());
  mine.first_pair = share.first;
  mine.pairs = share.size();
  coupling_result local;
  failure_agreed() = false;  // from here a failure may be one rank's only
  const device_choice device = source.device(o.device, "converge", o.quiet || !lead);
  collectively(group, [&] { local = source.couple<T>(device, mine); });
  const coupling_result r = all_pairs(group, std::move(local));
  const tv_bound_curve c = tv_bound_from_meeting_times(r.meeting_time, r.met, s.lag, s.max_steps);
  const auto t_below = first_t_below(c, o.threshold);
  const auto t_below_conservative = first_t_below(c, o.threshold, 2.0);
  double tau_sum = 0;
  std::uint64_t tau_max = 0;
  for (std::size_t p = 0; p < r.meeting_time.size(); ++p) {
    tau_sum += double(r.meeting_time[p]);
    tau_max = std::max(tau_max, r.meeting_time[p]);
  }
  const double pair_rate = r.seconds > 0 ? double(r.x_steps) / r.seconds : 0.0;
  const double chain_rate = r.seconds > 0 ? double(r.chain_steps) / r.seconds : 0.0;
  const std::string sampler = s.sampler == coupled_sampler::rwm ? "rwm" : "mala";

  if (lead && !o.quiet) {
    std::cout << fmt::format("manychains converge: {} on {} ({}), {} coupled pairs, {}, lag {}, step size {:.4g}, {} metric, seed {}\n",
                             info.spec, r.device, o.precision, s.pairs, sampler, s.lag, s.step_size,
                             s.chol.empty() ? "diagonal" : "dense", s.seed);
    std::cout << fmt::format("meeting time tau: mean {:.1f}, max {}; acceptance {:.3f}\n",
                             tau_sum / double(s.pairs), tau_max, r.accept_rate);
    std::cout << fmt::format("{:>10}  {:>10}  {:>10}\n", "t", "TV bound", "MCSE");
    for (std::size_t t : rows_to_print(c, o.threshold))
      std::cout << fmt::format("{:>10}  {:>10.4g}  {:>10.2g}\n", t, c.bound[t], c.mcse[t]);
    if (t_below)
      std::cout << fmt::format("bound below {:g} from t = {} (bound + 2 MCSE below it from t = {})\n", o.threshold,
                               *t_below, t_below_conservative ? std::to_string(*t_below_conservative) : "never");
    std::cout << fmt::format("{:.2f} s, {:.3g} pair-steps/s ({:.3g} chain-steps/s)\n", r.seconds, pair_rate, chain_rate);
  }
  if (lead && r.unmet > 0)
    std::cerr << fmt::format(
        "warning: {} of {} pairs did not meet within --max-steps {}; they count as tau = {}, so the curve is a "
        "LOWER bound on the L-lag bound (the true upper bound is larger). Raise --max-steps or the step size.\n",
        r.unmet, s.pairs, s.max_steps, s.max_steps + 1);
  if (lead && r.divergent > 0)
    std::cerr << fmt::format("warning: {} divergent proposals (non-finite log-density)\n", r.divergent);

  collectively(group, [&] {  // rank 0 writes; every rank fails alike when it cannot
    if (o.out.empty() || !lead) return;
    nlohmann::json tau = nlohmann::json::array();
    for (std::size_t p = 0; p < r.meeting_time.size(); ++p)
      tau.push_back(r.met[p] ? nlohmann::json(r.meeting_time[p]) : nlohmann::json(nullptr));
    nlohmann::json settings = {
        {"target", info.spec}, {"sampler", sampler}, {"lag", s.lag}, {"pairs", s.pairs},
        {"max_steps", s.max_steps}, {"step_size", s.step_size}, {"inverse_metric_sqrt", s.scale},
        {"inverse_metric_factor", s.chol},
        {"init_center", s.init_center}, {"init_radius", s.init_radius}, {"threshold", o.threshold},
        {"seed", s.seed}, {"device", o.device}, {"precision", o.precision}, {"from_run", o.from_run}};
    if (!o.model.empty()) settings.update({{"model", o.model}, {"data", o.data}});
    nlohmann::json doc = {
        {"settings", settings},
        {"device", r.device},
        {"bound_formula", "d_TV(t) <= E[max(0, ceil((tau - lag - t) / lag))]"},
        {"curve", curve_json(c)},
        {"t_below_threshold", t_below ? nlohmann::json(*t_below) : nlohmann::json(nullptr)},
        {"t_below_threshold_plus_2_mcse",
         t_below_conservative ? nlohmann::json(*t_below_conservative) : nlohmann::json(nullptr)},
        {"unmet_pairs", r.unmet},
        {"curve_is_lower_bound_on_bound", c.lower_bound_only()},
        {"meeting_time_mean", tau_sum / double(s.pairs)},
        {"meeting_times", tau},
        {"accept_rate", r.accept_rate},
        {"divergences", r.divergent},
        {"seconds", r.seconds},
        {"pair_steps", r.x_steps},
        {"chain_steps", r.chain_steps},
        {"pair_steps_per_second", pair_rate},
        {"chain_steps_per_second", chain_rate}};
    if (group.size() > 1) doc["ranks"] = group.size();
    write_file_atomically(o.out, doc.dump(1) + "\n");
    if (!o.quiet) std::cout << "wrote " << o.out << "\n";
  });
}

}  // namespace

void register_converge(CLI::App& app) {
  auto o = std::make_shared<converge_options>();
  CLI::App* cmd = app.add_subcommand(
      "converge",
      "Upper bounds on the distance to stationarity, d_TV(t), from L-lag couplings (Biswas, Jacob & Vanetti 2019)");
  cmd->add_option("--target", o->target,
                  "Target spec (pointwise targets only; default: the --from-run target, else oring). Built-in:\n" +
                      target_help());
  add_model_options(cmd, o->model, o->data);
  cmd->add_option("--sampler", o->sampler, "mala or rwm (random-walk Metropolis)")
      ->check(CLI::IsMember({"mala", "rwm"}))
      ->capture_default_str();
  cmd->add_option("--lag", o->settings.lag, "Lag L between the two chains of a pair; a larger L gives a tighter bound")
      ->check(whole_number(1))
      ->capture_default_str();
  cmd->add_option("--pairs", o->settings.pairs, "Number of independent coupled pairs")
      ->check(whole_number(1, std::uint64_t(1) << 31))
      ->capture_default_str();
  cmd->add_option("--max-steps", o->settings.max_steps,
                  "Steps of the leading chain after which a pair that has not met is given up (and reported)")
      ->check(whole_number(1))
      ->capture_default_str();
  cmd->add_option("--step-size", o->step_size,
                  "Step size (default: from --from-run, else 2.38/sqrt(d) for rwm and d^(-1/4) for mala, with the "
                  "preconditioner 0.5 x the target's start radius, i.e. the target's own idea of its scale)")
      ->check(positive_number());
  cmd->add_option("--threshold", o->threshold, "Report the first t where the bound falls below this")
      ->check(finite_number(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--from-run", o->from_run,
                  "A `manychains sample` run.json: couple the kernel it sampled with, its step_size and preconditioner "
                  "(inverse_metric_sqrt, or the dense inverse_metric_factor), and its target when --target is not given");
  cmd->add_option("--init-center", o->init_center,
                  "Centre of the start box, one value or one per dimension (default: the target's)")
      ->delimiter(',')
      ->check(finite_number(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max()));
  cmd->add_option("--init-radius", o->init_radius,
                  "Half-width of the start box, one value or one per dimension (default: the target's)")
      ->delimiter(',')
      ->check(non_negative_number());
  cmd->add_option("--seed", o->seed, "Random seed, 0 to 2^64-1 (default: drawn at random and recorded in the JSON)")
      ->check(seed_number());
  add_device_option(cmd, o->device);
  add_precision_option(cmd, o->precision);
  cmd->add_option("--out", o->out, "Write the curve, meeting times and settings to this JSON file");
  cmd->add_flag("--quiet", o->quiet, "Print nothing but warnings");
  cmd->callback([o, cmd] {
    converge_options& opt = *o;
    opt.settings.sampler = opt.sampler == "rwm" ? coupled_sampler::rwm : coupled_sampler::mala;
    try {
      if (!opt.from_run.empty()) read_run_json(opt);
    } catch (const nlohmann::json::exception& e) {  // a value of the wrong type
      throw input_error("--from-run: " + opt.from_run + " is not a sample run.json (" + plain_reason(e) + ")");
    }
    if (!opt.from_run.empty()) {
      bool usable = opt.step_size || (opt.settings.step_size > 0 && std::isfinite(opt.settings.step_size));
      for (double s : opt.settings.scale) usable = usable && s > 0 && std::isfinite(s);
      if (!usable)
        throw input_error("--from-run: " + opt.from_run +
                          ": its step_size and inverse_metric_sqrt must be positive finite numbers");
    }
    if (opt.target.empty()) opt.target = "oring";
    if (opt.step_size) {
      if (!(*opt.step_size > 0) || !std::isfinite(*opt.step_size))
        throw input_error("--step-size must be a positive number");
      opt.settings.step_size = *opt.step_size;
    }
    opt.settings.init_center = opt.init_center;
    opt.settings.init_radius = opt.init_radius;
    opt.settings.seed = opt.seed ? *opt.seed : random_seed();
    if (!opt.model.empty() && world().size() > 1)
      throw input_error("--model does not run over several processes (mpirun) yet");
    const target_or_model target =
        opt.model.empty() ? target_or_model(opt.target)
                          : target_or_model(load_model_file(opt.model, opt.data, cmd->count("--target") > 0, opt.quiet).model);
    if (opt.precision == "float")
      run_converge<float>(opt, target);
    else
      run_converge<double>(opt, target);
  });
}

}  // namespace manychains::cli
