// The CUDA coupling backend against the CPU one: same seed, same pairs, same meeting times (to
// rounding: device and host exp/log differ in the last bits, which can flip a rare accept
// decision at its boundary). Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gpu_test_support.hpp"
#include "manychains/coupling/coupling_run.hpp"
#include "manychains/devices.hpp"
#include "manychains/error.hpp"

using namespace manychains;

namespace {

template <class T>
void compare_backends(const char* spec, coupled_sampler sampler, std::size_t lag, bool dense = false,
                      std::uint64_t max_steps = 20000) {
  MC_SKIP_WITHOUT_GPU();
  const any_target target = make_target(spec);
  coupling_settings s;
  s.sampler = sampler;
  s.lag = lag;
  s.pairs = 4000;
  s.max_steps = max_steps;
  s.seed = 2024;
  if (dense) {  // L = diag(scale) (I + 0.3 × the strictly lower triangle of ones)
    s = resolve_coupling_settings(s, target);
    const std::size_t d = s.scale.size();
    s.chol.assign(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j <= i; ++j) s.chol[i * d + j] = s.scale[i] * (i == j ? 1.0 : 0.3);
  }
  const coupling_result cpu = run_coupling_cpu<T>(target, s);
  const coupling_result gpu = run_coupling_cuda<T>(target, s);
  ASSERT_EQ(gpu.meeting_time.size(), cpu.meeting_time.size());
  EXPECT_NE(gpu.device, "cpu");
  std::size_t same = 0;
  for (std::size_t p = 0; p < s.pairs; ++p) same += gpu.meeting_time[p] == cpu.meeting_time[p] && gpu.met[p] == cpu.met[p];
  // In double, rounding differences flip a decision very rarely; allow 1% of pairs (float: 5%).
  const double allowed = sizeof(T) == 8 ? 0.01 : 0.05;
  EXPECT_GE(double(same), (1 - allowed) * double(s.pairs)) << spec << ": " << same << " of " << s.pairs << " equal";
  EXPECT_EQ(gpu.unmet, cpu.unmet);
}

}  // namespace

TEST(CouplingGpu, MalaGaussianMeetingTimesMatchTheCpu) { compare_backends<double>("gaussian:dim=8,rho=0.5", coupled_sampler::mala, 5); }
TEST(CouplingGpu, DenseMetricMalaMeetingTimesMatchTheCpu) {
  compare_backends<double>("gaussian:dim=8,rho=0.5", coupled_sampler::mala, 5, true);
}
TEST(CouplingGpu, RwmMixtureMeetingTimesMatchTheCpu) { compare_backends<double>("mixture:dim=2", coupled_sampler::rwm, 3); }
// Device code here is built with --fmad=false (tests/CMakeLists.txt), as host code is built with
// -ffp-contract=off: with FMA on the device, a host emulation gave 3,576–3,616 of 4,000 equal.
TEST(CouplingGpu, OringFloatMeetingTimesMatchTheCpu) { compare_backends<float>("oring", coupled_sampler::mala, 10); }
// Targets with curvature that changes over the space: the funnel's neck, Rosenbrock's valley.
TEST(CouplingGpu, MalaFunnelMeetingTimesMatchTheCpu) { compare_backends<double>("funnel:dim=5", coupled_sampler::mala, 5); }
TEST(CouplingGpu, MalaRosenbrockMeetingTimesMatchTheCpu) { compare_backends<double>("rosenbrock:dim=4", coupled_sampler::mala, 5); }
TEST(CouplingGpu, RwmFunnelMeetingTimesMatchTheCpu) { compare_backends<double>("funnel:dim=3", coupled_sampler::rwm, 5); }
// The device runs pairs in segments of 32, 64, 128, … steps: a lag longer than the first segment,
// and a max_steps that ends inside a segment with many pairs unmet (rosenbrock rarely meets).
TEST(CouplingGpu, SegmentBoundariesLeaveMeetingTimesAsTheCpu) {
  compare_backends<double>("gaussian:dim=8,rho=0.5", coupled_sampler::mala, 40);
  compare_backends<double>("rosenbrock", coupled_sampler::mala, 1, false, 150);
  compare_backends<float>("mixture:dim=2", coupled_sampler::rwm, 33, false, 1000);
}

TEST(CouplingGpu, DeviceCudaIsRefusedWithAReasonWithoutAGpu) {
  std::string reason;
  if (cuda_usable(&reason)) GTEST_SKIP() << "a GPU is present";
  EXPECT_THROW(run_coupling<double>(device_choice::cuda, make_target("gaussian"), coupling_settings{}), device_error);
}
