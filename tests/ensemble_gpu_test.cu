// CPU versus CUDA for the ensemble backends: the same seed and start give the same walkers (the
// stretch move reads the same Philox words on both) and the same SVGD directions, to rounding.
// Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>

#include "gpu_test_support.hpp"
#include "manychains/cuda/detail/stretch_backend.cuh"
#include "manychains/devices.hpp"
#include "manychains/ensemble/ensemble.hpp"
#include "manychains/target_ref.hpp"

namespace mc = manychains;

#define SKIP_WITHOUT_GPU() MC_SKIP_WITHOUT_GPU()

template <class T>
void expect_same_stretch(const std::string& spec, std::size_t walkers, double tol, double fraction, double accept_tol) {
  const mc::any_target target = mc::make_target(spec);
  const mc::target_info& info = mc::info_of(target);
  mc::stretch_settings s;
  s.ensembles = 64;
  s.walkers = walkers;
  s.iterations = 200;
  s.seed = 42;
  const mc::stretch_shape shape = mc::stretch_shape_for(s, info.dim);
  auto cpu = mc::make_cpu_stretch_backend<T>(target, shape, T(2.0), s.seed);
  auto gpu = mc::make_cuda_stretch_backend<T>(target, shape, T(2.0), s.seed);
  const auto a = mc::run_stretch<T>(*cpu, info, s);
  const auto b = mc::run_stretch<T>(*gpu, info, s);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  std::size_t close = 0;
  for (std::size_t q = 0; q < a.draws.size(); ++q)
    close += std::abs(double(a.draws[q]) - double(b.draws[q])) < tol * std::max(1.0, std::abs(double(a.draws[q])));
  EXPECT_GT(double(close) / double(a.draws.size()), fraction) << spec;
  EXPECT_NEAR(a.acceptance_fraction, b.acceptance_fraction, accept_tol) << spec;
}

// Double precision: every accept decision compares log-density differences computed with the
// same operations; host and device exp/log differ in the last bits, so a decision on the edge
// can flip. Most walkers must match to 1e-9, and the acceptance fractions within 0.5%.
TEST(EnsembleGpu, StretchMatchesCpu) {
  SKIP_WITHOUT_GPU();
  expect_same_stretch<double>("gaussian:dim=5,rho=0.3", 16, 1e-9, 0.99, 5e-3);
}

// Float and more than 3 dimensions: float rounding (~1e-7 relative) flips more edge decisions,
// and a flipped walker then differs for the rest of the run; most values still match to 1e-4.
TEST(EnsembleGpu, StretchFloatMatchesCpu) {
  SKIP_WITHOUT_GPU();
  expect_same_stretch<float>("gaussian:dim=10,rho=0.3", 32, 1e-4, 0.9, 2e-2);
  expect_same_stretch<float>("rosenbrock:dim=6", 32, 1e-4, 0.9, 2e-2);
}

/// A CUDA stretch backend of a built-in gaussian holding at most `chunk_steps` steps of kept
/// positions on the device (0: the default chunk), instantiated here as kernels/stretch.cu does.
template <class T>
std::unique_ptr<mc::stretch_backend<T>> gaussian_stretch_backend(const mc::gaussian_target& gauss,
                                                                 mc::stretch_shape shape, std::uint64_t seed,
                                                                 std::size_t chunk_steps) {
  using binding = mc::target_binding<mc::gaussian_target>;
  using backend = mc::cuda_detail::cuda_stretch_backend<T, mc::target_ref_t<T, mc::gaussian_target>>;
  const std::size_t bytes =
      chunk_steps ? chunk_steps * shape.total() * shape.dim * sizeof(T) : mc::cuda_detail::stretch_draws_chunk_bytes;
  return std::make_unique<backend>(
      binding::params<T>(gauss), [&](const T* p) { return binding::ref(gauss, p); }, shape, T(2.0), seed, bytes);
}

// Kept positions reach the host a chunk of steps at a time. With chunks of 7 steps (several per
// run() call of the runner's 100 steps, the last one partial: 100 = 14·7 + 2, 50 = 7·7 + 1), over
// 64 ensembles and after a burn-in, the draws are bit for bit those of one chunk per call (the same
// kernels: only the copies differ). In double they also match the CPU as StretchMatchesCpu's do
// (which checks the (walker, draw, dim) filing itself); float's CPU match is
// StretchFloatMatchesCpu's.
template <class T>
void expect_chunked_stretch_exact() {
  const mc::any_target target = mc::make_target("gaussian:dim=5,rho=0.3");
  const mc::target_info& info = mc::info_of(target);
  mc::stretch_settings s;
  s.ensembles = 64;
  s.walkers = 16;
  s.burn = 10;
  s.iterations = 150;
  s.seed = 42;
  const mc::stretch_shape shape = mc::stretch_shape_for(s, info.dim);
  const auto& gauss = std::get<mc::gaussian_target>(target);
  auto whole = gaussian_stretch_backend<T>(gauss, shape, s.seed, 0);
  auto chunked = gaussian_stretch_backend<T>(gauss, shape, s.seed, 7);
  const auto a = mc::run_stretch<T>(*whole, info, s);
  const auto b = mc::run_stretch<T>(*chunked, info, s);
  ASSERT_EQ(a.draws.size(), shape.total() * s.iterations * info.dim);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  std::size_t differ = 0;
  for (std::size_t q = 0; q < a.draws.size(); ++q) differ += a.draws[q] != b.draws[q];
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(a.acceptance, b.acceptance);
  if constexpr (std::is_same_v<T, double>) {  // tolerances as StretchMatchesCpu's
    auto cpu = mc::make_cpu_stretch_backend<T>(target, shape, T(2.0), s.seed);
    const auto c = mc::run_stretch<T>(*cpu, info, s);
    ASSERT_EQ(b.draws.size(), c.draws.size());
    std::size_t close = 0;
    for (std::size_t q = 0; q < b.draws.size(); ++q)
      close += std::abs(b.draws[q] - c.draws[q]) < 1e-9 * std::max(1.0, std::abs(c.draws[q]));
    EXPECT_GT(double(close) / double(c.draws.size()), 0.99);
    EXPECT_NEAR(b.acceptance_fraction, c.acceptance_fraction, 5e-3);
  }
}

TEST(EnsembleGpu, StretchDrawsAcrossChunksAreExact) {
  SKIP_WITHOUT_GPU();
  expect_chunked_stretch_exact<double>();
  expect_chunked_stretch_exact<float>();
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

// Float with more than 3 dimensions, through each of the kernels by dimension (MaxD = 16, 64,
// any): float sums of n terms round like n·6e-8 relative at worst.
TEST(EnsembleGpu, SvgdFloatDirectionMatchesCpuAboveThreeDimensions) {
  SKIP_WITHOUT_GPU();
  expect_same_direction<float>("gaussian:dim=10,rho=0.5", 1000, 2e-4);
  expect_same_direction<float>("mixture:dim=10", 700, 2e-4);
  expect_same_direction<float>("gaussian:dim=50", 300, 2e-4);
  expect_same_direction<float>("gaussian:dim=100", 300, 2e-4);
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
