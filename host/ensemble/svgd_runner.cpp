// The SVGD runner: starts, the bandwidth (median heuristic or fixed), the update (fixed step or
// AdaGrad), the stopping rule, and the trace.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/ensemble/svgd.hpp"
#include "manychains/error.hpp"

namespace manychains {

template <class T>
double median_bandwidth(const std::vector<T>& x, std::size_t n, std::size_t d, std::size_t sample) {
  const std::size_t m = std::min(n, std::max<std::size_t>(sample, 2));
  std::vector<double> sq;
  sq.reserve(m * (m - 1) / 2);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = i + 1; j < m; ++j) {
      double r2 = 0;
      for (std::size_t k = 0; k < d; ++k) {
        const double diff = double(x[i * d + k]) - double(x[j * d + k]);
        r2 += diff * diff;
      }
      sq.push_back(r2);
    }
  if (sq.empty()) return 1.0;
  // numpy's median: the mean of the two middle values for an even count.
  const std::size_t mid = sq.size() / 2;
  std::nth_element(sq.begin(), sq.begin() + mid, sq.end());
  double med2 = sq[mid];
  if (sq.size() % 2 == 0) med2 = 0.5 * (med2 + *std::max_element(sq.begin(), sq.begin() + mid));
  const double h = med2 / std::log(double(std::max<std::size_t>(n, 2)));
  return h > 0 && std::isfinite(h) ? h : 1.0;
}

namespace {

template <class T>
double rms_spread(const std::vector<T>& x, std::size_t n, std::size_t d) {
  double total = 0;
  for (std::size_t k = 0; k < d; ++k) {
    double mean = 0, ss = 0;
    for (std::size_t i = 0; i < n; ++i) mean += double(x[i * d + k]);
    mean /= double(n);
    for (std::size_t i = 0; i < n; ++i) ss += (double(x[i * d + k]) - mean) * (double(x[i * d + k]) - mean);
    total += ss / double(n);
  }
  return std::sqrt(total / double(d));
}

}  // namespace

template <class T>
svgd_result<T> run_svgd(svgd_backend<T>& backend, const target_info& info, const svgd_settings& s,
                        const std::vector<T>* start, const std::atomic<bool>* stop, const ensemble_progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  check_target_info(info, backend.dim());
  const std::size_t n = s.particles, d = info.dim;
  MC_EXPECTS(n >= 2, "svgd: --particles must be at least 2");
  MC_EXPECTS(s.iterations >= 1, "--iterations must be at least 1");
  MC_EXPECTS(s.step_size > 0 && std::isfinite(s.step_size), "--step-size must be a positive number");
  MC_EXPECTS(!s.bandwidth || (*s.bandwidth > 0 && std::isfinite(*s.bandwidth)),
             "--bandwidth must be a positive number or median");
  MC_EXPECTS(s.tolerance >= 0, "--tolerance must not be negative");
  svgd_result<T> out;
  out.particles = n;
  out.dim = d;
  out.device = backend.device_name();
  std::vector<T> x;
  if (start) {
    MC_EXPECTS(start->size() == n * d, "svgd: the start has the wrong size");
    x = *start;
  } else {
    x = ensemble_starts<T>(info, n, s.seed, [&](const std::vector<T>& p) { return backend.logdensity(p); });
  }
  std::vector<T> phi, hist(n * d, T(0));
  const T eps = T(s.step_size), fudge = T(1e-6);
  const std::size_t every = std::max<std::size_t>(1, s.trace_every);
  const std::size_t report_every = std::max<std::size_t>(1, s.iterations / 100);
  std::size_t it = 0;
  for (; it < s.iterations; ++it) {
    if (stop && stop->load()) {
      out.interrupted = true;
      break;
    }
    const double h = s.bandwidth ? *s.bandwidth : median_bandwidth(x, n, d, s.median_sample);
    const bool last = it + 1 == s.iterations;
    const bool trace_row = it % every == 0 || last;
    const bool want_ksd = s.ksd_stop || (s.ksd_every > 0 && (it % s.ksd_every == 0 || last));
    double ksd2 = std::nan("");
    backend.direction(x, T(h), phi, want_ksd ? &ksd2 : nullptr);
    double moved2 = 0, phi2 = 0;
    for (std::size_t q = 0; q < n * d; ++q) {
      double dx;
      if (s.optimizer == svgd_optimizer::adagrad) {
        dx = double(adagrad_move(&x[q], &hist[q], phi[q], eps, fudge));
      } else {
        dx = double(eps * phi[q]);
        x[q] += eps * phi[q];
      }
      moved2 += dx * dx;
      phi2 += double(phi[q]) * double(phi[q]);
    }
    svgd_trace_row row;
    row.iteration = it + 1;
    row.step_size = s.optimizer == svgd_optimizer::adagrad ? (phi2 > 0 ? std::sqrt(moved2 / phi2) : 0.0) : s.step_size;
    row.bandwidth = h;
    row.movement = std::sqrt(moved2 / double(n * d));
    row.spread = rms_spread(x, n, d);
    if (std::isfinite(ksd2)) row.ksd2 = ksd2;
    // Overflowed positions (too large a fixed step) or a spread beyond double's range (a target
    // far out, e.g. mean 1e300) leave nothing to report: fail rather than "converge" on inf.
    if (!std::isfinite(row.movement) || !std::isfinite(row.spread))
      throw diverged_error(fmt::format(
          "SVGD diverged at iteration {}: the particles' {} is {}; nothing was written. {}", it + 1,
          std::isfinite(row.movement) ? "spread" : "movement",
          std::isfinite(row.movement) ? row.spread : row.movement,
          s.optimizer == svgd_optimizer::fixed ? "Use a smaller --step-size or --optimizer adagrad"
                                               : "The target's location or scale is beyond what double arithmetic can hold"));
    bool converged = row.movement < s.tolerance * row.spread;
    if (s.ksd_stop) converged = converged && std::isfinite(ksd2) && ksd2 < s.ksd_tolerance;
    if (trace_row || converged) out.trace.push_back(row);
    if (progress && ((it + 1) % report_every == 0)) progress(it + 1, s.iterations);
    if (converged) {
      out.converged = true;
      ++it;
      break;
    }
  }
  out.iterations_done = it;
  out.positions = std::move(x);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

template double median_bandwidth<float>(const std::vector<float>&, std::size_t, std::size_t, std::size_t);
template double median_bandwidth<double>(const std::vector<double>&, std::size_t, std::size_t, std::size_t);
template svgd_result<float> run_svgd<float>(svgd_backend<float>&, const target_info&, const svgd_settings&,
                                            const std::vector<float>*, const std::atomic<bool>*,
                                            const ensemble_progress&);
template svgd_result<double> run_svgd<double>(svgd_backend<double>&, const target_info&, const svgd_settings&,
                                              const std::vector<double>*, const std::atomic<bool>*,
                                              const ensemble_progress&);

}  // namespace manychains
