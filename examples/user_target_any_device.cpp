// The donut (donut.hpp) on either backend: MALA, the stretch move, SVGD and the coupling bound,
// each through a target_backends.hpp factory that asks select_device(). With the CUDA backend,
// donut_cuda.cu compiles the functor for the GPU once (MANYCHAINS_CUDA_TARGET); this file is
// plain C++ and builds the same way with or without it.
//
//   user_target_any_device [auto|cpu|cuda]   (default auto: the GPU where one can be used)
#include <cmath>
#include <cstdio>
#include <string>

#include "donut.hpp"
#include "manychains/coupling/tv_bound.hpp"
#include "manychains/ensemble/ensemble.hpp"
#include "manychains/error.hpp"
#include "manychains/sampler.hpp"
#include "manychains/target_backends.hpp"

namespace {

double mean_radius(const std::vector<double>& xy) {
  double sum = 0;
  for (std::size_t i = 0; i < xy.size(); i += 2) sum += std::hypot(xy[i], xy[i + 1]);
  return sum / double(xy.size() / 2);
}

int run(manychains::device_choice device) {
  using namespace manychains;
  const target_info info = donut_info();
  const donut target{};

  sample_settings settings;
  settings.chains = 1024;
  settings.warmup = 300;
  settings.draws = 300;
  settings.seed = 42;
  auto engine = make_engine_for<double>(device, target, chain_range{0, settings.chains}, settings.seed);
  const sample_result<double> result = run_sampler(*engine, info, settings);
  std::printf("MALA on %s: mean |x| = %.3f (the ring has radius 3), acceptance %.2f\n",
              engine->device_name().c_str(), mean_radius(result.draws), result.accept_rate);

  stretch_settings stretch;
  stretch.ensembles = 32;
  stretch.iterations = 500;
  stretch.burn = 200;
  auto walkers = make_stretch_backend_for<double>(device, target, stretch_shape_for(stretch, 2), stretch.a, 7);
  const stretch_result<double> moved = run_stretch(*walkers, info, stretch);
  std::printf("stretch on %s: %zu walkers, mean |x| = %.3f, acceptance %.2f\n", moved.device.c_str(),
              moved.shape.total(), mean_radius(moved.draws), moved.acceptance_fraction);

  svgd_settings svgd;
  svgd.particles = 512;
  svgd.iterations = 300;
  auto particles = make_svgd_backend_for<double>(device, target);
  const svgd_result<double> flow = run_svgd(*particles, info, svgd);
  std::printf("SVGD on %s: mean |x| = %.3f after %zu iterations\n", flow.device.c_str(), mean_radius(flow.positions),
              flow.iterations_done);

  coupling_settings coupling;
  coupling.pairs = 1024;
  coupling.lag = 20;
  coupling.step_size = result.step_size;
  coupling.scale = result.scale;
  coupling.chol = result.chol;
  coupling.seed = 3;
  const coupling_result met = run_coupling_for<double>(device, target, info, coupling);
  const tv_bound_curve bound = tv_bound_from_meeting_times(met.meeting_time, met.met, coupling.lag, coupling.max_steps);
  const auto t = first_t_below(bound, 0.05);
  std::printf("coupling on %s: %zu of %zu pairs met; TV bound below 0.05 after %s MALA steps\n", met.device.c_str(),
              coupling.pairs - met.unmet, coupling.pairs, t ? std::to_string(*t).c_str() : "more than max_steps");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(manychains::parse_device_choice(argc > 1 ? argv[1] : "auto"));
  } catch (const manychains::error& e) {  // e.g. "--device cuda: no usable CUDA GPU (...)"
    std::fprintf(stderr, "user_target_any_device: %s\n", e.what());
    return 2;
  }
}
