// A user-defined target (tests/user_targets.hpp) compiled for the GPU by MANYCHAINS_CUDA_TARGET
// and run on the CUDA backends against the CPU ones: same seed, same chains, walkers, SVGD
// directions and meeting times to rounding (device code here is built with --fmad=false, as host
// code with -ffp-contract=off). Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "gpu_test_support.hpp"
#include "manychains/cuda/target.cuh"
#include "manychains/ensemble/ensemble.hpp"
#include "manychains/sampler.hpp"
#include "user_targets.hpp"

MANYCHAINS_CUDA_TARGET(manychains::testing::test_donut, double)

using namespace manychains;
using manychains::testing::test_donut;

namespace {

// Members other than the defaults: a test that they reach the device.
const test_donut donut{2.0, 0.25};

target_info donut_info() {
  target_info info;
  info.spec = "donut";
  info.dim = 2;
  info.init_center = {0.0, 0.0};
  info.init_radius = {3.0, 3.0};
  return info;
}

/// The fraction of values of a and b within tol (relative, at least absolute).
double fraction_close(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  std::size_t close = 0;
  for (std::size_t i = 0; i < a.size(); ++i) close += std::abs(a[i] - b[i]) <= tol * std::max(1.0, std::abs(a[i]));
  return double(close) / double(a.size());
}

}  // namespace

// Double precision: rounding in exp/log may flip a rare accept decision on its edge; 99.9% of
// values must agree to 1e-9 (as the built-in targets' CPU/GPU test allows).
TEST(UserTargetGpu, MalaMatchesTheCpuEngine) {
  MC_SKIP_WITHOUT_GPU();
  sample_settings s;
  s.chains = 512;
  s.warmup = 100;
  s.draws = 50;
  s.seed = 21;
  auto cpu = make_cpu_engine_for<double>(donut, chain_range{0, s.chains}, s.seed);
  auto gpu = make_engine_for<double>(device_choice::cuda, donut, chain_range{0, s.chains}, s.seed);
  EXPECT_NE(gpu->device_name(), "cpu");
  const auto a = run_sampler(*cpu, donut_info(), s);
  const auto b = run_sampler(*gpu, donut_info(), s);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  EXPECT_GE(fraction_close(a.draws, b.draws, 1e-9), 0.999);
  EXPECT_NEAR(a.step_size, b.step_size, 1e-6 * a.step_size);
}

TEST(UserTargetGpu, StretchMatchesTheCpuBackend) {
  MC_SKIP_WITHOUT_GPU();
  stretch_settings s;
  s.ensembles = 64;
  s.walkers = 16;
  s.iterations = 200;
  s.seed = 42;
  const stretch_shape shape = stretch_shape_for(s, 2);
  auto cpu = make_cpu_stretch_backend_for<double>(donut, shape, 2.0, s.seed);
  auto gpu = make_stretch_backend_for<double>(device_choice::cuda, donut, shape, 2.0, s.seed);
  const auto a = run_stretch(*cpu, donut_info(), s);
  const auto b = run_stretch(*gpu, donut_info(), s);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  EXPECT_GE(fraction_close(a.draws, b.draws, 1e-9), 0.99);
  EXPECT_NEAR(a.acceptance_fraction, b.acceptance_fraction, 5e-3);
}

// Sums of n terms in the same order: rounding differences grow like n·ε at worst.
TEST(UserTargetGpu, SvgdDirectionMatchesTheCpuBackend) {
  MC_SKIP_WITHOUT_GPU();
  const std::size_t n = 800;
  auto cpu = make_cpu_svgd_backend_for<double>(donut);
  auto gpu = make_svgd_backend_for<double>(device_choice::cuda, donut);
  const std::vector<double> x =
      ensemble_starts<double>(donut_info(), n, 7, [&](const std::vector<double>& p) { return cpu->logdensity(p); });
  const double h = median_bandwidth(x, n, 2, 1000);
  std::vector<double> phi_cpu, phi_gpu;
  double ksd_cpu = 0, ksd_gpu = 0;
  cpu->direction(x, h, phi_cpu, &ksd_cpu);
  gpu->direction(x, h, phi_gpu, &ksd_gpu);
  double scale = 0;
  for (double v : phi_cpu) scale = std::max(scale, std::abs(v));
  for (std::size_t q = 0; q < phi_cpu.size(); ++q) ASSERT_NEAR(phi_cpu[q], phi_gpu[q], 1e-10 * scale) << q;
  EXPECT_NEAR(ksd_cpu, ksd_gpu, 1e-10 * std::abs(ksd_cpu) + 1e-12);
}

TEST(UserTargetGpu, CouplingMeetingTimesMatchTheCpu) {
  MC_SKIP_WITHOUT_GPU();
  coupling_settings s;
  s.lag = 5;
  s.pairs = 2000;
  s.max_steps = 20000;
  s.seed = 2024;
  const coupling_result cpu = run_coupling_cpu_for<double>(donut, donut_info(), s);
  const coupling_result gpu = run_coupling_for<double>(device_choice::cuda, donut, donut_info(), s);
  ASSERT_EQ(cpu.meeting_time.size(), gpu.meeting_time.size());
  EXPECT_NE(gpu.device, "cpu");
  std::size_t same = 0;
  for (std::size_t p = 0; p < s.pairs; ++p) same += cpu.meeting_time[p] == gpu.meeting_time[p] && cpu.met[p] == gpu.met[p];
  EXPECT_GE(double(same), 0.99 * double(s.pairs)) << same << " of " << s.pairs;  // 1% for edge flips, as for built-ins
  EXPECT_EQ(cpu.unmet, gpu.unmet);
}
