// CPU versus CUDA for the ensemble backends: the same seed and start give the same walkers (the
// stretch move reads the same Philox words on both) and the same SVGD directions, to rounding.
// Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "manychains/devices.hpp"
#include "manychains/ensemble/ensemble.hpp"

namespace mc = manychains;

namespace {
// A macro, not a function: GTEST_SKIP() returns only from the function it is written in.
#define SKIP_WITHOUT_GPU()                                \
  do {                                                    \
    std::string reason;                                   \
    if (!mc::cuda_usable(&reason)) GTEST_SKIP() << reason; \
  } while (0)
}  // namespace

// Double precision: every accept decision compares log-density differences computed with the
// same operations; host and device exp/log differ in the last bits, so a decision on the edge
// can flip. Most walkers must match to 1e-9, and the acceptance fractions within 0.5%.
TEST(EnsembleGpu, StretchMatchesCpu) {
  SKIP_WITHOUT_GPU();
  const mc::any_target target = mc::make_target("gaussian:dim=5,rho=0.3");
  const mc::target_info& info = mc::info_of(target);
  mc::stretch_settings s;
  s.ensembles = 64;
  s.walkers = 16;
  s.iterations = 200;
  s.seed = 42;
  const mc::stretch_shape shape = mc::stretch_shape_for(s, info.dim);
  auto cpu = mc::make_cpu_stretch_backend<double>(target, shape, 2.0, s.seed);
  auto gpu = mc::make_cuda_stretch_backend<double>(target, shape, 2.0, s.seed);
  const auto a = mc::run_stretch<double>(*cpu, info, s);
  const auto b = mc::run_stretch<double>(*gpu, info, s);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  std::size_t close = 0;
  for (std::size_t q = 0; q < a.draws.size(); ++q) close += std::abs(a.draws[q] - b.draws[q]) < 1e-9;
  EXPECT_GT(double(close) / double(a.draws.size()), 0.99);
  EXPECT_NEAR(a.acceptance_fraction, b.acceptance_fraction, 5e-3);
}

template <class T>
void expect_same_direction(const std::string& spec, std::size_t n, double tol) {
  const mc::any_target target = mc::make_target(spec);
  const mc::target_info& info = mc::info_of(target);
  auto cpu = mc::make_cpu_svgd_backend<T>(target);
  auto gpu = mc::make_cuda_svgd_backend<T>(target);
  const std::vector<T> x =
      mc::ensemble_starts<T>(info, n, 7, [&](const std::vector<T>& p) { return cpu->logdensity(p); });
  const T h = T(mc::median_bandwidth(x, n, info.dim, 1000));
  std::vector<T> phi_cpu, phi_gpu;
  double ksd_cpu = 0, ksd_gpu = 0;
  cpu->direction(x, h, phi_cpu, &ksd_cpu);
  gpu->direction(x, h, phi_gpu, &ksd_gpu);
  double scale = 0;
  for (T v : phi_cpu) scale = std::max(scale, double(std::abs(v)));
  for (std::size_t q = 0; q < phi_cpu.size(); ++q)
    ASSERT_NEAR(double(phi_cpu[q]), double(phi_gpu[q]), tol * scale) << spec << " entry " << q;
  EXPECT_NEAR(ksd_cpu, ksd_gpu, tol * std::abs(ksd_cpu) + 1e-12);
}

// Sums of n terms in the same order: rounding differences grow like n·ε at worst.
TEST(EnsembleGpu, SvgdDirectionMatchesCpu) {
  SKIP_WITHOUT_GPU();
  expect_same_direction<double>("gaussian:dim=2,rho=0.5", 1000, 1e-10);
  expect_same_direction<double>("mixture:dim=10", 700, 1e-10);
  expect_same_direction<double>("gaussian:dim=50", 300, 1e-10);   // the MaxD = 64 kernel
  expect_same_direction<double>("gaussian:dim=100", 300, 1e-10);  // the any-dimension kernel
  expect_same_direction<float>("gaussian:dim=3", 1000, 1e-4);
}

TEST(EnsembleGpu, SvgdRunMatchesCpu) {
  SKIP_WITHOUT_GPU();
  const mc::any_target target = mc::make_target("mixture");
  const mc::target_info& info = mc::info_of(target);
  mc::svgd_settings s;
  s.particles = 512;
  s.iterations = 50;
  s.tolerance = 0;
  s.seed = 9;
  auto cpu = mc::make_cpu_svgd_backend<double>(target);
  auto gpu = mc::make_cuda_svgd_backend<double>(target);
  const auto a = mc::run_svgd<double>(*cpu, info, s);
  const auto b = mc::run_svgd<double>(*gpu, info, s);
  for (std::size_t q = 0; q < a.positions.size(); ++q) ASSERT_NEAR(a.positions[q], b.positions[q], 1e-8);
}
