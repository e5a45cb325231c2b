// Annealed Langevin and score-only ULA on the CUDA score engine against the CPU one: same seed,
// same chains to rounding (device code here is built with --fmad=false, as host code with
// -ffp-contract=off; only exp/log/pow may differ by an ulp). Built-in noisy mixtures in both
// precisions, a dimension above the kernel's local-copy limit (8), and a user's score functor
// compiled here. Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "annealed_user_score.hpp"
#include "gpu_test_support.hpp"
#include "manychains/cuda/score_target.cuh"
#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/score/score_targets.hpp"

MANYCHAINS_CUDA_SCORE_TARGET(shifted_normal_score, double)

using namespace manychains;

namespace {

template <class T>
std::vector<T> start(std::size_t values) {
  std::vector<T> x(values);
  philox_stream rng{99, 1u << 30, 0};
  for (std::size_t i = 0; i < values; i += 4) {
    double z[4];
    normal4<double>(rng, z);
    for (std::size_t j = 0; j < 4 && i + j < values; ++j) x[i + j] = T(6 * z[j]);
  }
  return x;
}

/// Runs the same schedule (level by level, then ULA steps) on both engines; the largest
/// difference relative to max(1, |x|), and the refused-step counts must agree.
template <class T, class Target>
double largest_difference(const Target& target, std::size_t n) {
  const std::size_t d = target_binding<Target>::dim(target);
  const annealed_schedule<T> sched{T(8), T(0.1), 6, 40, T(0.005)};
  auto cpu = make_cpu_score_engine_for<T>(target, n, 21);
  auto gpu = make_cuda_score_engine_for<T>(target, n, 21);
  const std::vector<T> x0 = start<T>(n * d);
  cpu->initialize(x0);
  gpu->initialize(x0);
  for (std::size_t i = 0; i < sched.levels; ++i) EXPECT_EQ(cpu->run_levels(sched, i, i + 1), gpu->run_levels(sched, i, i + 1));
  EXPECT_EQ(cpu->run_ula(T(0.05), 25), gpu->run_ula(T(0.05), 25));
  const std::vector<T> a = cpu->positions(), b = gpu->positions();
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - double(b[i])) / std::max(1.0, std::abs(double(a[i]))));
  return worst;
}

}  // namespace

TEST(AnnealedGpu, IsotropicMixtureMatchesCpuInDoubleAndFloat) {
  MC_SKIP_WITHOUT_GPU();
  const auto target = make_score_target("noisy-mixture:dim=2,means=-4/4,weights=0.8/0.2");
  const auto& t = std::get<noisy_isotropic_mixture_target>(target);
  EXPECT_LT(largest_difference<double>(t, 5000), 1e-9);
  EXPECT_LT(largest_difference<float>(t, 5000), 1e-3);
}

TEST(AnnealedGpu, FullCovarianceMixtureMatchesCpu) {
  MC_SKIP_WITHOUT_GPU();
  const auto target = make_score_target("noisy-mixture:dim=2,means=-3;1/2;0,covs=1;0.6;0.6;2/0.5;-0.2;-0.2;0.3");
  EXPECT_LT(largest_difference<double>(std::get<noisy_mixture_target>(target), 4096), 1e-9);
}

TEST(AnnealedGpu, HighDimensionUsesGlobalScratchAndMatchesCpu) {
  MC_SKIP_WITHOUT_GPU();
  const auto target = make_score_target("noisy-mixture:dim=12,means=-2/2,scales=1/0.5");
  EXPECT_LT(largest_difference<double>(std::get<noisy_isotropic_mixture_target>(target), 1000), 1e-9);
}

TEST(AnnealedGpu, UserScoreFunctorMatchesCpu) {
  MC_SKIP_WITHOUT_GPU();
  EXPECT_LT(largest_difference<double>(shifted_normal_score{}, 3000), 1e-9);
  auto engine = make_score_engine_for<double>(device_choice::automatic, shifted_normal_score{}, 8, 1);
  EXPECT_NE(engine->device_name(), "cpu");  // auto takes the GPU where one is usable
}
