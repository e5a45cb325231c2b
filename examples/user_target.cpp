// A user-defined target in a dozen lines: a 2-D "donut" density, sampled with MALA on the CPU
// backend through the same runner the CLI uses, then handed unchanged to the stretch move, SVGD
// and the L-lag coupling bound (the `_for` factories take any such functor).
//
//   log π(x) = -(|x| - r)² / (2 w²)
//
// The target is donut.hpp's; user_target_any_device.cpp runs the same functor on either backend.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include "manychains/coupling/cpu_coupling.hpp"
#include "manychains/coupling/tv_bound.hpp"
#include "manychains/cpu_engine.hpp"
#include "manychains/ensemble/cpu_backends.hpp"
#include "manychains/ensemble/ensemble.hpp"
#include "manychains/sampler.hpp"
#include "manychains/summary.hpp"
#include "donut.hpp"

int main() {
  using namespace manychains;
  const target_info info = donut_info();

  sample_settings settings;
  settings.chains = 256;
  settings.warmup = 300;
  settings.draws = 300;
  settings.seed = 42;

  auto engine = make_cpu_engine_for<double>(donut{}, chain_range{0, settings.chains}, settings.seed);
  const sample_result<double> result = run_sampler(*engine, info, settings);
  print_summary_table(std::cout, summarize_draws(result.draws.data(), settings.chains, result.kept_draws, 2,
                                                  info.parameter_names));
  double mean_radius = 0;
  for (std::size_t i = 0; i < result.draws.size(); i += 2)
    mean_radius += std::hypot(result.draws[i], result.draws[i + 1]);
  std::printf("MALA: mean |x| = %.3f (the ring has radius 3), acceptance %.2f\n",
              mean_radius / (result.draws.size() / 2.0), result.accept_rate);

  // The same functor, moved by the affine-invariant stretch move (emcee's).
  stretch_settings stretch;
  stretch.ensembles = 8;
  stretch.iterations = 500;
  stretch.burn = 200;
  auto walkers = make_cpu_stretch_backend_for<double>(donut{}, stretch_shape_for(stretch, 2), stretch.a, 7);
  const stretch_result<double> moved = run_stretch(*walkers, info, stretch);
  std::printf("stretch: %zu walkers, acceptance %.2f\n", moved.shape.total(), moved.acceptance_fraction);

  // ... transported by SVGD ...
  svgd_settings svgd;
  svgd.particles = 256;
  svgd.iterations = 300;
  auto particles = make_cpu_svgd_backend_for<double>(donut{});
  const svgd_result<double> flow = run_svgd(*particles, info, svgd);
  double svgd_radius = 0;
  for (std::size_t i = 0; i < flow.positions.size(); i += 2)
    svgd_radius += std::hypot(flow.positions[i], flow.positions[i + 1]);
  std::printf("SVGD: mean |x| = %.3f after %zu iterations\n", svgd_radius / svgd.particles, flow.iterations_done);

  // ... and coupled: an upper bound on the distance to the target after t MALA steps, with the
  // step size and preconditioner the sampler adapted.
  coupling_settings coupling;
  coupling.pairs = 256;
  coupling.lag = 20;
  coupling.step_size = result.step_size;
  coupling.scale = result.scale;
  coupling.chol = result.chol;
  coupling.seed = 3;
  const coupling_result met = run_coupling_cpu_for<double>(donut{}, info, coupling);
  const tv_bound_curve bound = tv_bound_from_meeting_times(met.meeting_time, met.met, coupling.lag, coupling.max_steps);
  const auto t = first_t_below(bound, 0.05);
  std::printf("coupling: %zu of %zu pairs met; TV bound below 0.05 after %s MALA steps\n", coupling.pairs - met.unmet,
              coupling.pairs, t ? std::to_string(*t).c_str() : "more than max_steps");
  return 0;
}
