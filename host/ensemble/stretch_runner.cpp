// The stretch-move runner: validation, starts, burn-in, kept steps in chunks (for progress and
// Ctrl-C), acceptance per walker.
#include <algorithm>
#include <chrono>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/error.hpp"

namespace manychains {

stretch_shape stretch_shape_for(const stretch_settings& s, std::size_t dim) {
  stretch_shape shape;
  shape.dim = dim;
  shape.ensembles = s.ensembles;
  shape.first_ensemble = s.first_ensemble;
  shape.walkers = s.walkers ? s.walkers : std::max<std::size_t>(32, 2 * dim + (2 * dim) % 2);
  MC_EXPECTS(shape.ensembles >= 1, "--ensembles must be at least 1");
  MC_EXPECTS(shape.walkers % 2 == 0, "stretch: --particles (walkers per ensemble) must be even, not " +
                                         std::to_string(shape.walkers));
  MC_EXPECTS(shape.walkers >= 4 && shape.walkers >= 2 * dim,
             "stretch: --particles (walkers per ensemble) must be at least max(4, 2 x dim) = " +
                 std::to_string(std::max<std::size_t>(4, 2 * dim)) + " for the walkers to span the space");
  MC_EXPECTS(s.a > 1.0, "stretch: the scale a must be greater than 1");
  MC_EXPECTS(s.iterations >= 1, "--iterations must be at least 1");
  return shape;
}

template <class T>
stretch_result<T> run_stretch(stretch_backend<T>& backend, const target_info& info, const stretch_settings& s,
                              const std::vector<T>* start, const std::atomic<bool>* stop,
                              const ensemble_progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  check_target_info(info, backend.dim());
  const stretch_shape shape = stretch_shape_for(s, info.dim);
  const std::size_t n = shape.total(), d = shape.dim;
  stretch_result<T> out;
  out.shape = shape;
  out.device = backend.device_name();
  if (start) {
    MC_EXPECTS(start->size() == n * d, "stretch: the start has the wrong size");
    backend.initialize(*start);
  } else {
    backend.initialize(ensemble_starts<T>(info, n, s.seed,
                                          [&](const std::vector<T>& x) { return backend.logdensity(x); },
                                          shape.first_walker()));
  }
  out.draws.assign(n * s.iterations * d, T(0));
  std::vector<std::uint64_t> burn_accepted(n, 0), accepted(n, 0);
  const std::size_t total = s.burn + s.iterations;
  const std::size_t chunk = std::max<std::size_t>(1, std::min<std::size_t>(100, 2'000'000 / std::max<std::size_t>(n, 1)));
  std::size_t done = 0;
  const auto stopped = [&] { return stop && stop->load(); };
  while (done < s.burn && !stopped()) {
    const std::size_t steps = std::min(chunk, s.burn - done);
    backend.run(done, steps, nullptr, 0, 0, burn_accepted);
    done += steps;
    if (progress) progress(done, total);
  }
  std::size_t kept = 0;
  while (kept < s.iterations && !stopped()) {
    const std::size_t steps = std::min(chunk, s.iterations - kept);
    backend.run(s.burn + kept, steps, out.draws.data(), s.iterations, kept, accepted);
    kept += steps;
    if (progress) progress(s.burn + kept, total);
  }
  out.interrupted = kept < s.iterations;
  out.kept_draws = kept;
  if (kept < s.iterations) {  // compact (walkers, kept, dim)
    std::vector<T> compact(n * kept * d);
    for (std::size_t g = 0; g < n; ++g)
      std::copy_n(&out.draws[g * s.iterations * d], kept * d, &compact[g * kept * d]);
    out.draws.swap(compact);
  }
  out.acceptance.assign(n, 0.0);
  double sum = 0;
  for (std::size_t g = 0; g < n; ++g) {
    out.acceptance[g] = kept ? double(accepted[g]) / double(kept) : 0.0;
    sum += out.acceptance[g];
  }
  out.acceptance_fraction = sum / double(n);
  out.particles = backend.positions();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

template stretch_result<float> run_stretch<float>(stretch_backend<float>&, const target_info&,
                                                  const stretch_settings&, const std::vector<float>*,
                                                  const std::atomic<bool>*, const ensemble_progress&);
template stretch_result<double> run_stretch<double>(stretch_backend<double>&, const target_info&,
                                                    const stretch_settings&, const std::vector<double>*,
                                                    const std::atomic<bool>*, const ensemble_progress&);

}  // namespace manychains
