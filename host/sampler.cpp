#include "manychains/sampler.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include <limits>

#include "manychains/adaptation.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "manychains/metric.hpp"
#include "manychains/random_variates.hpp"
#include "mpi/collectively.hpp"
#include "mpi/lone_process.hpp"

namespace manychains {
namespace {

/// Warm-up steps after which the preconditioner is re-estimated (Stan-like growing windows);
/// the last 20% adapt the step size alone.
std::vector<std::size_t> scale_window_ends(std::size_t warmup) {
  if (warmup < 20) return {};
  std::vector<std::size_t> ends;
  for (double f : {0.15, 0.3, 0.5, 0.8}) ends.push_back(static_cast<std::size_t>(f * warmup));
  return ends;
}

/// Adaptive warm-up's windows: every 100 steps up to 80% of the cap.
std::vector<std::size_t> adaptive_window_ends(std::size_t cap) {
  std::vector<std::size_t> ends;
  for (std::size_t e = 100; e <= cap * 4 / 5; e += 100) ends.push_back(e);
  return ends;
}

/// Adaptive warm-up ends when two consecutive windows run with the same kind of metric adapted
/// step sizes this close: the MALA step is set by the stiffest whitened direction, so a metric
/// still improving shows as a step still moving.
constexpr double warmup_step_tolerance = 0.10;
/// The most warm-up steps one engine call runs: short enough that progress and a stop are seen
/// often, long enough that the CUDA engine's queued steps hide the host.
constexpr std::size_t warmup_block = 64;

/// How many snapshots of the chains' positions each window's metric estimate pools: enough for
/// about 1,024 positions (the default chain count, with which one snapshot, the window's end, is
/// all), at most 16, spread over the window's second half. Few chains then still estimate a
/// d x d covariance from many positions instead of from `chains` alone.
std::size_t snapshots_per_window(std::size_t chains) {
  return std::min<std::size_t>(16, std::max<std::size_t>(1, (1024 + chains - 1) / chains));
}

/// Whether warm-up step `t1` (1-based) is one of the snapshots of the window (begin, end].
bool is_snapshot(std::size_t t1, std::size_t begin, std::size_t end, std::size_t snapshots) {
  if (t1 > end || t1 <= begin) return false;
  const std::size_t gap = std::max<std::size_t>(1, (end - begin) / (2 * snapshots));
  return (end - t1) % gap == 0 && (end - t1) / gap < snapshots;
}

/// Keeps the first `done` of `stride` values in each of n rows of `values` (each row `width` wide),
/// contiguous: what an interrupted run keeps.
template <class V>
void keep_prefix(V& values, std::size_t n, std::size_t stride, std::size_t done, std::size_t width) {
  if (values.empty() || done == stride) return;
  for (std::size_t c = 1; c < n; ++c)
    std::copy_n(values.data() + c * stride * width, done * width, values.data() + c * done * width);
  values.resize(n * done * width);
  values.shrink_to_fit();
}

void keep_prefix(draw_stats& s, std::size_t n, std::size_t stride, std::size_t done) {
  keep_prefix(s.logp, n, stride, done, 1);
  keep_prefix(s.accept_prob, n, stride, done, 1);
  keep_prefix(s.divergent, n, stride, done, 1);
}

/// Allocates `count` values, or says which memory could not be had.
template <class V>
void allocate(V& values, std::size_t count, const char* what) {
  try {
    values.assign(count, typename V::value_type{});
  } catch (const std::bad_alloc&) {
    throw memory_error(std::string(what) + " need " + std::to_string((count * sizeof(typename V::value_type)) >> 20) +
                       " MiB of host memory, which could not be allocated; use fewer chains or draws, or --thin");
  }
}

void allocate(draw_stats& s, std::size_t count, const char* what) {
  allocate(s.logp, count, what);
  allocate(s.accept_prob, count, what);
  allocate(s.divergent, count, what);
}

template <class T>
std::vector<T> as(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

/// Whether the dense metric may be chosen at all: asked for, or (auto) enough chains for a
/// covariance estimate and a dimension where O(d²) a step and O(d³) a window are affordable.
bool dense_possible(const sample_settings& s, std::size_t dim, std::size_t chains) {
  if (s.metric == metric_kind::automatic) return dim >= 2 && dim <= max_auto_dense_dim && chains >= 2 * dim;
  return s.metric == metric_kind::dense;
}

/// The largest ULA step whose variance inflation 1/(1 − ε²/4) on a metric-whitened Gaussian is at
/// most 1 + bias: ε² ≤ 4 bias / (1 + bias).
double ula_step_cap(double bias) { return 2.0 * std::sqrt(bias / (1.0 + bias)); }

/// Every chain's first `done` draws of this process's parameters share_of(dim, r, R), (chains,
/// done, width): each process sends each other the columns it needs of its own chains, so no
/// process holds more than its share of the draws.
template <class T>
std::vector<T> columns_of_all_chains(process_group& group, const T* draws, std::size_t local, std::size_t done,
                                     std::size_t capacity, std::size_t dim) {
  std::vector<std::vector<char>> to(static_cast<std::size_t>(group.size()));
  for (int q = 0; q < group.size(); ++q) {
    const chain_range cols = share_of(dim, q, group.size());
    std::vector<char>& bytes = to[static_cast<std::size_t>(q)];
    bytes.resize(local * done * cols.size() * sizeof(T));
    T* out = reinterpret_cast<T*>(bytes.data());
    for (std::size_t c = 0; c < local; ++c)
      for (std::size_t t = 0; t < done; ++t)
        for (std::uint64_t j = cols.first; j < cols.last; ++j) *out++ = draws[(c * capacity + t) * dim + j];
  }
  const std::vector<char> in = group.all_to_all(to);
  std::vector<T> cols(in.size() / sizeof(T));
  if (!cols.empty()) std::memcpy(cols.data(), in.data(), cols.size() * sizeof(T));
  return cols;
}

/// --until-ess: the reason to stop, or empty to keep sampling. `draws` holds this process's
/// `local` chains of `chains` in all; split over processes, each diagnoses its share of the
/// parameters over every chain (as one process diagnoses each parameter) and the verdicts meet,
/// so every process decides alike, and as one process would.
template <class T>
std::string ess_target_reached(process_group& group, const T* draws, std::size_t local, std::size_t chains,
                               std::size_t done, std::size_t capacity, std::size_t dim,
                               const std::vector<std::string>& names, double target_ess) {
  std::vector<parameter_diagnostics> diags;
  std::string failure;
  try {
    if (group.size() == 1) {
      diags = diagnose_draws_prefix(draws, chains, done, capacity, dim, names);  // in place: no copy of the draws
    } else {
      const chain_range mine = share_of(dim, group.rank(), group.size());
      std::vector<std::string> sub;
      for (std::uint64_t j = mine.first; j < mine.last; ++j)
        sub.push_back(j < names.size() ? names[j] : "x[" + std::to_string(j) + "]");
      const std::vector<T> cols = columns_of_all_chains(group, draws, local, done, capacity, dim);
      if (mine.size() > 0) diags = diagnose_draws(cols.data(), chains, done, mine.size(), sub);
    }
  } catch (const input_error& e) {
    failure = std::string("stopped: the draws cannot be diagnosed (") + e.what() + ")";
  }
  double undefined = 0, min_ess = std::numeric_limits<double>::infinity(), max_rhat = 0;
  for (const auto& p : diags) {
    if (!p.ess_bulk || !p.ess_tail || !p.rhat) {
      undefined = 1;
      break;
    }
    min_ess = std::min({min_ess, *p.ess_bulk, *p.ess_tail});
    max_rhat = std::max(max_rhat, *p.rhat);
  }
  if (group.size() > 1) {  // the lowest-ranked failure (the first parameter's), then every verdict
    const std::vector<std::uint64_t> lengths = gather_in_order(group, std::vector<std::uint64_t>{failure.size()});
    const std::vector<char> all = group.all_gather(failure.data(), failure.size());
    std::size_t at = 0;
    for (std::size_t r = 0; r < lengths.size() && failure.empty(); at += lengths[r], ++r)
      if (lengths[r] > 0) failure.assign(all.data() + at, lengths[r]);
    const std::vector<double> verdicts = gather_in_order(group, std::vector<double>{undefined, min_ess, max_rhat});
    for (std::size_t r = 0; r + 2 < verdicts.size(); r += 3) {
      undefined = std::max(undefined, verdicts[r]);
      min_ess = std::min(min_ess, verdicts[r + 1]);
      max_rhat = std::max(max_rhat, verdicts[r + 2]);
    }
  }
  if (!failure.empty()) return failure;
  if (undefined != 0) return {};
  if (min_ess >= target_ess && max_rhat <= 1.01)
    return fmt::format("reached the ESS target: min bulk/tail ESS {:.0f} >= {:g} and max R-hat {:.4f} <= 1.01 after "
                       "{} draws per chain",
                       min_ess, target_ess, max_rhat, done);
  return {};
}

}  // namespace

template <class T>
std::pair<std::vector<T>, std::vector<std::uint64_t>> draw_starting_points(
    const target_info& info, std::size_t count, std::uint64_t seed, std::uint64_t first_stream,
    const std::function<std::vector<T>(const std::vector<T>&)>& logdensity, const std::string& noun,
    std::uint64_t first_label) {
  check_target_info(info, info.dim);
  const std::size_t d = info.dim;
  std::vector<T> x(count * d);
  std::vector<std::uint64_t> blocks(count, 0);
  std::vector<std::size_t> pending(count);
  for (std::size_t c = 0; c < count; ++c) pending[c] = c;
  for (int attempt = 0; attempt < 100 && !pending.empty(); ++attempt) {
    for (std::size_t c : pending) {
      philox_stream s{seed, first_stream + c, blocks[c]};
      words4 w{};
      for (std::size_t j = 0; j < d; ++j) {
        if (j % 4 == 0) w = s.next4();
        const std::uint32_t word = j % 4 == 0 ? w.x : j % 4 == 1 ? w.y : j % 4 == 2 ? w.z : w.w;
        const double u = 2.0 * uniform_open01<double>(word) - 1.0;
        x[c * d + j] = static_cast<T>(info.init_center[j] + info.init_radius[j] * u);
      }
      blocks[c] = s.block;
    }
    const std::vector<T> lp = logdensity(x);
    std::vector<std::size_t> still;
    for (std::size_t c : pending)
      if (!std::isfinite(static_cast<double>(lp[c]))) still.push_back(c);
    pending.swap(still);
  }
  if (!pending.empty())
    throw input_error("no finite log-density at 100 random starting points for " + noun + " " +
                      std::to_string(first_label + pending.front()) + " (and " +
                      std::to_string(pending.size() - 1) + " more) of target " + info.spec);
  return {x, blocks};
}

template <class T>
std::pair<std::vector<T>, std::vector<std::uint64_t>> initial_positions(chain_engine<T>& engine,
                                                                        const target_info& info,
                                                                        std::uint64_t seed) {
  const chain_range range = engine.chains();
  return draw_starting_points<T>(
      info, range.size(), seed, range.first, [&](const std::vector<T>& x) { return engine.logdensity(x); }, "chain",
      range.first);
}

template <class T>
sample_result<T> run_sampler(chain_engine<T>& engine, const target_info& info, const sample_settings& s,
                             const std::atomic<bool>* stop, const progress_callback& progress,
                             T* draws_storage) {
  check_target_info(info, engine.dim());
  MC_EXPECTS(s.thin >= 1, "--thin must be at least 1");
  MC_EXPECTS(s.draws >= s.thin, "--draws must be at least --thin");
  MC_EXPECTS(!s.until_ess || *s.until_ess > 0, "--until-ess must be positive");
  MC_EXPECTS(!s.until_ess || s.max_draws >= s.draws, "--max-draws must be at least --draws");
  lone_process alone;
  process_group& group = s.group ? *s.group : alone;
  const bool split = group.size() > 1;
  const auto start = std::chrono::steady_clock::now();
  // n: every process's chains (what adaptation averages over); local: this engine's.
  const std::size_t local = engine.chains().size(), n = split ? s.chains : local, d = info.dim;
  MC_EXPECTS(!split || engine.chains().last <= n, "the engine's chains lie outside the run's");
  const auto stop_asked = [&] { return stop && stop->load(); };
  // Split over processes, a stop is acted on only where every process learns of it together
  // (each warm-up step, each chunk of draws), so that all leave the collectives in step.
  bool agreed_stop = false;
  const auto stopped = [&] { return split ? agreed_stop : stop_asked(); };
  // Adaptation's view of the chains: all processes' chains in chain order.
  const auto all_positions = [&] { return split ? gather_in_order(group, engine.positions()) : engine.positions(); };
  const auto run_pooled = [&](const segment_request<T>& r) {
    if (!split) return engine.run_pooled(r);
    const segment_result per = engine.run(r);
    std::uint64_t counts[3] = {0, 0, stop_asked() ? 1u : 0u};
    for (std::size_t c = 0; c < per.accepted.size(); ++c) {
      counts[0] += per.accepted[c];
      counts[1] += per.divergent[c];
    }
    group.sum(counts, 3);
    std::vector<double> acc{0.0};  // sum_over_chains' order: chain 0, 1, … across the processes
    group.fold_in_order(acc, [&](std::vector<double>& a) {
      for (double v : per.accept_prob) a[0] += v;
    });
    agreed_stop = counts[2] > 0;
    return pooled_totals{acc[0], counts[0], counts[1]};
  };

  sample_result<T> out;
  out.chains = engine.chains();
  out.dim = d;
  // A start that fails on one process (no finite point) fails the run on every process.
  collectively(group, [&] {
    auto [x0, blocks] = initial_positions(engine, info, s.seed);
    engine.initialize(x0, blocks);
  });

  // Initial preconditioner: the target's own idea of its scale (half the start radius).
  std::vector<double> scale(d, 1.0);
  for (std::size_t j = 0; j < d; ++j)
    if (info.init_radius[j] > 0) scale[j] = 0.5 * info.init_radius[j];
  const double initial_step = s.step_size.value_or(std::pow(static_cast<double>(d), -0.25));
  step_adaptation adaptation{dual_averaging(initial_step, s.target_accept), initial_step, !s.step_size,
                             static_cast<double>(n)};
  const bool may_dense = dense_possible(s, d, n);
  std::vector<double> chol;           // the factor in use; empty: diagonal
  std::vector<double> previous_chol;  // the last window's dense estimate, used or not (auto)
  out.metric_reason = s.metric == metric_kind::diagonal ? "diag: asked for (--metric diag)"
                      : s.metric == metric_kind::dense ? "dense: asked for (--metric dense)"
                      : may_dense ? "diag: no window ended yet"
                                  : fmt::format("diag: auto considers dense only for 2 <= dim <= {} with at least "
                                                "2 x dim chains",
                                                max_auto_dense_dim);
  const std::size_t capacity_steps = s.until_ess ? s.max_draws : s.draws;
  const std::size_t total_steps = s.warmup + capacity_steps;

  segment_request<T> request;
  // Warm-up always runs MALA: ULA has no accept step, so it has nothing for dual averaging to
  // adapt on (adapting its computed-but-unused acceptance collapsed the step to 1e-152).
  request.kind = sampler_kind::mala;
  request.steps = 1;
  const auto observe = [&](std::size_t step) {
    if (!s.observer || s.observe_every == 0) return;
    const std::vector<T> x = all_positions();
    s.observer(step, std::vector<double>(x.begin(), x.end()));
  };
  observe(0);
  if (s.save_warmup) {
    allocate(out.warmup_draws, local * s.warmup * d, "the warm-up draws");
    allocate(out.warmup_stats, local * s.warmup, "the warm-up statistics");
    out.warmup_step_sizes.reserve(s.warmup);
    request.draws = out.warmup_draws.data();
    request.draws_per_chain = s.warmup;
    request.thin = 1;
    request.stats = out.warmup_stats.ref();
  }
  const bool adaptive = s.adaptive_warmup && s.adapt_preconditioner && !s.step_size && !s.save_warmup;
  const auto window_ends = !s.adapt_preconditioner ? std::vector<std::size_t>{}
                           : adaptive              ? adaptive_window_ends(s.warmup)
                                                   : scale_window_ends(s.warmup);
  std::size_t warmup_len = s.warmup;  // adaptive: shortened once the adaptation has settled
  out.warmup_reason = adaptive ? fmt::format("adaptive: the cap of {} steps was reached", s.warmup)
                               : fmt::format("fixed: {} steps", s.warmup);
  double last_window_step = 0;  // the previous window's averaged step (0: none yet)
  bool last_window_dense = false, settled = false;
  const std::size_t snapshots = snapshots_per_window(n);
  out.metric_snapshots = window_ends.empty() ? 0 : snapshots;
  std::vector<T> pooled;  // this window's snapshots of the positions, (snapshot·chain, dim)
  std::size_t window = 0;
  // Split over processes or keeping warm-up draws, one step at a time; otherwise the engine runs
  // the steps up to the next point where the host acts (a snapshot, a window's end, an observation)
  // in one call, at most warmup_block steps so that progress and stops are seen.
  const bool one_step_at_a_time = split || s.save_warmup;
  const bool observing = s.observer && s.observe_every > 0;
  const auto host_acts_at = [&](std::size_t t1) {  // after t1 steps
    if (t1 == warmup_len || (observing && t1 % s.observe_every == 0)) return true;
    if (settled || window >= window_ends.size()) return false;
    return t1 == window_ends[window] ||
           is_snapshot(t1, window ? window_ends[window - 1] : 0, window_ends[window], snapshots);
  };
  for (std::size_t t = 0; t < warmup_len && !stopped();) {
    request.scale = as<T>(scale);
    request.chol = as<T>(chol);
    if (one_step_at_a_time) {
      request.step_size = static_cast<T>(adaptation.step);
      request.first_draw = t;
      if (s.save_warmup) out.warmup_step_sizes.push_back(static_cast<double>(request.step_size));
      const pooled_totals p = run_pooled(request);
      adaptation.observe(p.accept_prob, p.divergent);
    } else {
      std::size_t steps = 1;
      while (steps < warmup_block && !host_acts_at(t + steps)) ++steps;
      engine.run_adapting(request, steps, adaptation, stop);
    }
    if (adaptation.steps_done == t) break;  // stopped before the block's first step
    t = adaptation.steps_done;
    out.warmup_steps_done = t;
    if (!settled && window < window_ends.size() &&
        is_snapshot(t, window ? window_ends[window - 1] : 0, window_ends[window], snapshots)) {
      const std::vector<T> x = all_positions();
      pooled.insert(pooled.end(), x.begin(), x.end());
    }
    if (!settled && window < window_ends.size() && t == window_ends[window]) {
      ++window;
      const bool ran_dense = !chol.empty();
      const double window_step = adaptation.adapt.final_step();
      const std::vector<T> positions = std::move(pooled);
      pooled.clear();
      const std::size_t count = positions.size() / d;
      if (may_dense) {
        const Eigen::MatrixXd cov = cross_chain_covariance(positions, d);
        const std::vector<double> estimate = cholesky_rows(shrunk_toward_diagonal(cov, count));
        if (s.metric == metric_kind::dense) {
          chol = estimate;
        } else if (!previous_chol.empty()) {  // auto: last window's candidates, judged on this one's chains
          const metric_choice choice = choose_metric(cov, scale, previous_chol);
          chol = choice.dense ? estimate : std::vector<double>{};
          out.metric_reason = choice.reason;
          if (choice.dense && estimate.empty()) out.metric_reason += "; but the new estimate is not positive definite";
        }
        previous_chol = estimate;
        scale = metric_sd(cov, scale);
      } else {
        scale = cross_chain_sd(positions, d, scale);
      }
      if (!s.step_size) adaptation.adapt = dual_averaging(adaptation.step, s.target_accept);
      if (adaptive && last_window_step > 0 && ran_dense == last_window_dense &&
          std::abs(std::log(window_step / last_window_step)) <= std::log1p(warmup_step_tolerance)) {
        settled = true;  // the metric estimated now is kept; a last quarter adapts the step alone
        warmup_len = std::min(s.warmup, t + std::max<std::size_t>(50, t / 4));
        out.warmup_reason = fmt::format(
            "adaptive: the windows ending at {} and {} ran with the same ({}) metric and adapted steps {:.4g} and "
            "{:.4g}, within {:g}%; then {} steps adapted the step size alone ({} of at most {} steps)",
            t - 100, t, ran_dense ? "dense" : "diag", last_window_step, window_step,
            100 * warmup_step_tolerance, warmup_len - t, warmup_len, s.warmup);
      }
      last_window_step = window_step;
      last_window_dense = ran_dense;
    }
    if (observing && t % s.observe_every == 0) observe(t);
    if (progress) progress(t, total_steps);
  }
  out.warmup_divergences = adaptation.divergent;
  double step = !s.step_size && out.warmup_steps_done > 0 ? adaptation.adapt.final_step() : adaptation.step;
  out.warmup_accept_rate = out.warmup_steps_done ? adaptation.accept_sum / out.warmup_steps_done : 0.0;
  keep_prefix(out.warmup_draws, local, s.warmup, out.warmup_steps_done, d);
  keep_prefix(out.warmup_stats, local, s.warmup, out.warmup_steps_done);
  out.warmup_step_size = step;
  out.step_collapsed = !s.step_size && !(step >= 1e-4 * initial_step);
  if (s.sampler == sampler_kind::ula) {
    if (!s.step_size) step = std::min(step, ula_step_cap(s.ula_variance_bias));
    out.ula_variance_inflation =
        step < 2.0 ? 1.0 / (1.0 - step * step / 4.0) : std::numeric_limits<double>::infinity();
  }
  out.step_size = step;
  out.scale = scale;
  out.chol = chol;
  out.metric = chol.empty() ? "diag" : "dense";
  if (s.metric == metric_kind::dense && chol.empty())
    out.metric_reason = "diag: --metric dense asked for, but no positive definite covariance estimate was found";

  // Sampling, in chunks of whole thinning intervals, into room for `capacity` draws per chain.
  request.kind = s.sampler;
  const std::size_t capacity = capacity_steps / s.thin;
  const std::size_t bytes = local * capacity * d * sizeof(T);
  if (draws_storage) {
    out.external_draws = draws_storage;
  } else {
    try {
      out.draws.assign(local * capacity * d, T(0));
    } catch (const std::bad_alloc&) {
      throw memory_error("the draws need " + std::to_string(bytes >> 20) +
                         " MiB of host memory, which could not be allocated; use fewer chains or draws, or --thin");
    }
  }
  if (s.draw_stats) allocate(out.stats, local * capacity, "the per-draw statistics");
  T* const draws = draws_storage ? draws_storage : out.draws.data();
  request.step_size = static_cast<T>(step);
  request.scale = as<T>(scale);
  request.chol = as<T>(chol);
  request.draws = draws;
  request.draws_per_chain = capacity;
  request.thin = s.thin;
  request.stats = s.draw_stats ? out.stats.ref() : draw_stats_ref{};
  // Observations (TV curve) fall after every `chunk_draws` draws, as they always did. Within a
  // chunk the engine is called for `piece` draws at a time, grown while a call takes under 0.1 s
  // and shrunk above 0.4 s, so that a stop request is seen within about a second however long
  // a chunk is (the pieces continue the same random streams: the draws do not change).
  const std::size_t chunk_draws = std::max<std::size_t>(1, (s.observe_every ? s.observe_every : 100) / s.thin);
  // Without until_ess the one block is the whole run; with it, blocks grow by half the draws so
  // far (diagnosing costs about as much as the draws it reads, so checks stay a small share).
  std::size_t block_end = s.draws / s.thin;
  std::size_t piece = 1;
  double accept_sum = 0;
  std::size_t done = 0;
  while (!(out.warmup_steps_done < warmup_len) && !stopped()) {
    const std::size_t chunk_end = done + std::min(chunk_draws, block_end - done);
    while (done < chunk_end && !stop_asked()) {
      const std::size_t now = std::min(piece, chunk_end - done);
      const auto piece_start = std::chrono::steady_clock::now();
      request.steps = now * s.thin;
      request.first_draw = done;
      const pooled_totals p = engine.run_pooled(request);
      accept_sum += p.accept_prob;
      out.divergences += p.divergent;
      out.sampling_steps_done += request.steps;
      done += now;
      if (progress) progress(s.warmup + out.sampling_steps_done, total_steps);
      const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - piece_start).count();
      if (took < 0.1 && piece < chunk_draws) piece *= 2;
      else if (took > 0.4 && piece > 1) piece /= 2;
    }
    if (split) agreed_stop = any_of(group, stop_asked());
    if (done < chunk_end || (split && agreed_stop)) break;  // stopped
    observe(s.warmup + out.sampling_steps_done);
    if (done < block_end) continue;
    if (!s.until_ess) break;
    out.stop_reason =
        ess_target_reached(group, draws, local, n, done, capacity, d, info.parameter_names, *s.until_ess);
    if (!out.stop_reason.empty()) break;
    if (done == capacity) {
      out.stop_reason = fmt::format("reached --max-draws ({} draws per chain) before the ESS target {:g}", done,
                                    *s.until_ess);
      break;
    }
    block_end = std::min(capacity, done + std::max<std::size_t>(done / 2, 1));
  }
  if (split) {  // every process keeps the draws all of them completed; totals over all chains
    done = static_cast<std::size_t>(group.min(done));
    out.sampling_steps_done = static_cast<std::size_t>(group.min(out.sampling_steps_done));
    group.sum(&out.divergences, 1);
    std::vector<double> acc{0.0};
    group.fold_in_order(acc, [&](std::vector<double>& a) { a[0] += accept_sum; });
    accept_sum = acc[0];
  }
  out.accept_rate = out.sampling_steps_done ? accept_sum / (static_cast<double>(n) * out.sampling_steps_done) : 0.0;
  out.kept_draws = done;
  out.interrupted = out.warmup_steps_done < warmup_len || (done < block_end && out.stop_reason.empty());
  if (out.interrupted && s.until_ess) out.stop_reason = "interrupted";
  if (done < capacity) {  // keep the completed draws of each chain, contiguous
    for (std::size_t c = 1; c < local; ++c) std::copy_n(draws + c * capacity * d, done * d, draws + c * done * d);
    if (!draws_storage) {
      out.draws.resize(local * done * d);
      out.draws.shrink_to_fit();
    }
  }
  keep_prefix(out.stats, local, capacity, done);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

template sample_result<float> run_sampler<float>(chain_engine<float>&, const target_info&, const sample_settings&,
                                                 const std::atomic<bool>*, const progress_callback&, float*);
template sample_result<double> run_sampler<double>(chain_engine<double>&, const target_info&, const sample_settings&,
                                                   const std::atomic<bool>*, const progress_callback&, double*);
template std::pair<std::vector<float>, std::vector<std::uint64_t>> draw_starting_points<float>(
    const target_info&, std::size_t, std::uint64_t, std::uint64_t,
    const std::function<std::vector<float>(const std::vector<float>&)>&, const std::string&, std::uint64_t);
template std::pair<std::vector<double>, std::vector<std::uint64_t>> draw_starting_points<double>(
    const target_info&, std::size_t, std::uint64_t, std::uint64_t,
    const std::function<std::vector<double>(const std::vector<double>&)>&, const std::string&, std::uint64_t);
template std::pair<std::vector<float>, std::vector<std::uint64_t>> initial_positions<float>(
    chain_engine<float>&, const target_info&, std::uint64_t);
template std::pair<std::vector<double>, std::vector<std::uint64_t>> initial_positions<double>(
    chain_engine<double>&, const target_info&, std::uint64_t);

}  // namespace manychains
