#include "manychains/sampler.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "manychains/adaptation.hpp"
#include "manychains/error.hpp"
#include "manychains/random_variates.hpp"

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

template <class T>
std::vector<T> as(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

bool use_dense(const sample_settings& s, std::size_t dim, std::size_t chains) {
  if (s.metric == metric_kind::automatic) return dim <= 100 && chains >= 2 * dim;
  return s.metric == metric_kind::dense;
}

/// The Cholesky factor of the cross-chain covariance, shrunk toward 1e-3 I like Stan's dense
/// estimate; empty when it is not positive definite (the caller keeps a diagonal one).
template <class T>
std::vector<double> dense_factor(const std::vector<T>& positions, std::size_t dim) {
  const std::size_t n = positions.size() / dim;
  if (n < 2) return {};
  Eigen::MatrixXd x(n, dim);
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) x(c, j) = static_cast<double>(positions[c * dim + j]);
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  const double nd = static_cast<double>(n);
  Eigen::MatrixXd cov = (centred.transpose() * centred) / (nd - 1.0);
  cov = (nd / (nd + 5.0)) * cov + 1e-3 * (5.0 / (nd + 5.0)) * Eigen::MatrixXd::Identity(dim, dim);
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) return {};
  const Eigen::MatrixXd l = llt.matrixL();
  std::vector<double> out(dim * dim);
  for (std::size_t i = 0; i < dim; ++i)
    for (std::size_t j = 0; j < dim; ++j) out[i * dim + j] = l(i, j);
  return out;
}

}  // namespace

template <class T>
std::pair<std::vector<T>, std::vector<std::uint64_t>> draw_starting_points(
    const target_info& info, std::size_t count, std::uint64_t seed, std::uint64_t first_stream,
    const std::function<std::vector<T>(const std::vector<T>&)>& logdensity, const std::string& noun,
    std::uint64_t first_label) {
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
  MC_EXPECTS(s.thin >= 1, "--thin must be at least 1");
  MC_EXPECTS(s.draws >= s.thin, "--draws must be at least --thin");
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = engine.chains().size(), d = info.dim;
  const auto stopped = [&] { return stop && stop->load(); };

  sample_result<T> out;
  out.chains = engine.chains();
  out.dim = d;
  auto [x0, blocks] = initial_positions(engine, info, s.seed);
  engine.initialize(x0, blocks);

  // Initial preconditioner: the target's own idea of its scale (half the start radius).
  std::vector<double> scale(d, 1.0);
  for (std::size_t j = 0; j < d; ++j)
    if (info.init_radius[j] > 0) scale[j] = 0.5 * info.init_radius[j];
  const double initial_step = s.step_size.value_or(std::pow(static_cast<double>(d), -0.25));
  dual_averaging adapt(initial_step, s.target_accept);
  double step = initial_step;
  const bool dense = use_dense(s, d, n);
  std::vector<double> chol;  // empty: diagonal
  const std::size_t total_steps = s.warmup + s.draws;

  segment_request<T> request;
  request.kind = s.sampler;
  request.steps = 1;
  double warmup_accept = 0;
  const auto observe = [&](std::size_t step) {
    if (!s.observer || s.observe_every == 0) return;
    const std::vector<T> x = engine.positions();
    s.observer(step, std::vector<double>(x.begin(), x.end()));
  };
  observe(0);
  const auto window_ends = s.adapt_preconditioner ? scale_window_ends(s.warmup) : std::vector<std::size_t>{};
  for (std::size_t t = 0; t < s.warmup && !stopped(); ++t) {
    request.step_size = static_cast<T>(step);
    request.scale = as<T>(scale);
    request.chol = as<T>(chol);
    const pooled_totals p = engine.run_pooled(request);
    const double mean_accept = p.accept_prob / static_cast<double>(n);
    warmup_accept += mean_accept;
    out.warmup_divergences += p.divergent;
    ++out.warmup_steps_done;
    if (!s.step_size) step = adapt.update(mean_accept);
    if (std::find(window_ends.begin(), window_ends.end(), t + 1) != window_ends.end()) {
      const std::vector<T> positions = engine.positions();
      scale = cross_chain_moments::of(positions, d).regularized_sd(scale);
      chol = dense ? dense_factor(positions, d) : std::vector<double>{};
      if (!s.step_size) adapt = dual_averaging(step, s.target_accept);
    }
    if ((t + 1) % std::max<std::size_t>(s.observe_every, 1) == 0) observe(t + 1);
    if (progress) progress(t + 1, total_steps);
  }
  if (!s.step_size && out.warmup_steps_done > 0) step = adapt.final_step();
  out.warmup_accept_rate = out.warmup_steps_done ? warmup_accept / out.warmup_steps_done : 0.0;
  out.step_size = step;
  out.scale = scale;
  out.chol = chol;

  // Sampling, in chunks of whole thinning intervals.
  const std::size_t kept = s.draws / s.thin;
  const std::size_t bytes = n * kept * d * sizeof(T);
  if (draws_storage) {
    out.external_draws = draws_storage;
  } else {
    try {
      out.draws.assign(n * kept * d, T(0));
    } catch (const std::bad_alloc&) {
      throw memory_error("the draws need " + std::to_string(bytes >> 20) +
                         " MiB of host memory, which could not be allocated; use fewer chains or draws, or --thin");
    }
  }
  T* const draws = draws_storage ? draws_storage : out.draws.data();
  request.step_size = static_cast<T>(step);
  request.scale = as<T>(scale);
  request.chol = as<T>(chol);
  request.draws = draws;
  request.draws_per_chain = kept;
  request.thin = s.thin;
  const std::size_t chunk_draws = std::max<std::size_t>(1, (s.observe_every ? s.observe_every : 100) / s.thin);
  double accept_sum = 0;
  std::size_t done = 0;
  while (done < kept && !(out.warmup_steps_done < s.warmup) && !stopped()) {
    const std::size_t now = std::min(chunk_draws, kept - done);
    request.steps = now * s.thin;
    request.first_draw = done;
    const pooled_totals p = engine.run_pooled(request);
    accept_sum += p.accept_prob;
    out.divergences += p.divergent;
    out.sampling_steps_done += request.steps;
    done += now;
    observe(s.warmup + out.sampling_steps_done);
    if (progress) progress(s.warmup + out.sampling_steps_done, total_steps);
  }
  out.accept_rate = out.sampling_steps_done ? accept_sum / (static_cast<double>(n) * out.sampling_steps_done) : 0.0;
  out.kept_draws = done;
  out.interrupted = done < kept;
  if (out.interrupted) {  // keep the completed draws of each chain, contiguous
    for (std::size_t c = 1; c < n; ++c) std::copy_n(draws + c * kept * d, done * d, draws + c * done * d);
    if (!draws_storage) {
      out.draws.resize(n * done * d);
      out.draws.shrink_to_fit();
    }
  }
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
