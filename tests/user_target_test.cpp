// A user's target through the any-device factories (target_backends.hpp): `cuda` without a
// usable GPU (or in a build without the CUDA backend) is refused with device_unavailable and the
// reason, `auto` falls back to the CPU and gives the CPU factories' chains, and a target_info that
// disagrees with the functor is refused by every algorithm.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/sampler.hpp"
#include "manychains/target_backends.hpp"
#include "user_targets.hpp"

using namespace manychains;
using manychains::testing::test_donut;

namespace {

target_info donut_info(std::size_t dim = 2) {
  target_info info;
  info.spec = "donut";
  info.dim = dim;
  info.init_center.assign(dim, 0.0);
  info.init_radius.assign(dim, 4.0);
  return info;
}

/// The reason CUDA cannot be used here, or empty where it can (the GPU machine).
std::string no_cuda_reason() {
  std::string reason;
  return cuda_usable(&reason) ? std::string() : reason;
}

template <class F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const device_unavailable& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(UserTarget, CudaIsRefusedWithTheReasonWithoutAGpu) {
  if (gpu_expected()) GTEST_SKIP() << "MANYCHAINS_EXPECT_GPU=1";
  const std::string reason = no_cuda_reason();
  if (reason.empty()) GTEST_SKIP() << "a GPU is usable here";
  const std::string want = "--device cuda: " + reason;
  const test_donut t{};
  const target_info info = donut_info();
  EXPECT_EQ(refusal([&] { make_engine_for<double>(device_choice::cuda, t, chain_range{0, 8}, 1); }), want);
  EXPECT_EQ(refusal([&] { make_cuda_engine_for<double>(t, chain_range{0, 8}, 1); }), want);
  EXPECT_EQ(refusal([&] { make_stretch_backend_for<double>(device_choice::cuda, t, stretch_shape{1, 8, 2}, 2.0, 1); }),
            want);
  EXPECT_EQ(refusal([&] { make_svgd_backend_for<double>(device_choice::cuda, t); }), want);
  EXPECT_EQ(refusal([&] { run_coupling_for<double>(device_choice::cuda, t, info, coupling_settings{}); }), want);
}

// `auto` without a GPU is the CPU factory: the same chains, bit for bit.
TEST(UserTarget, AutoFallsBackToTheCpuEngine) {
  if (gpu_expected() || no_cuda_reason().empty()) GTEST_SKIP() << "a GPU is usable here";
  sample_settings s;
  s.chains = 64;
  s.warmup = 50;
  s.draws = 50;
  s.seed = 11;
  const test_donut t{2.0, 0.25};
  auto automatic = make_engine_for<double>(device_choice::automatic, t, chain_range{0, s.chains}, s.seed);
  auto cpu = make_cpu_engine_for<double>(t, chain_range{0, s.chains}, s.seed);
  EXPECT_EQ(automatic->device_name(), "cpu");
  const auto a = run_sampler(*automatic, donut_info(), s);
  const auto b = run_sampler(*cpu, donut_info(), s);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  for (std::size_t i = 0; i < a.draws.size(); ++i) ASSERT_EQ(a.draws[i], b.draws[i]) << i;
}

// E|x| under the donut by quadrature (independent of the sampler): the radial density is
// r exp(-(r - R)² / (2 w²)) on r > 0. |mean - truth| < 5 MCSE, the MCSE from the across-chain
// spread of per-chain means (chains independent): false-failure rate below 1e-6.
TEST(UserTarget, AnyDeviceMalaSamplesTheDonut) {
  const test_donut t{2.0, 0.25};
  double num = 0, den = 0;
  for (int k = 1; k <= 200000; ++k) {
    const double r = k * 1e-5 * 5.0, w = r * std::exp(-0.5 * (r - 2.0) * (r - 2.0) / (0.25 * 0.25));
    num += r * w;
    den += w;
  }
  const double truth = num / den;
  sample_settings s;
  s.chains = 512;
  s.warmup = 300;
  s.draws = 200;
  s.seed = 5;
  auto engine = make_engine_for<double>(device_choice::automatic, t, chain_range{0, s.chains}, s.seed);
  const auto r = run_sampler(*engine, donut_info(), s);
  std::vector<double> chain_mean(s.chains, 0.0);
  for (std::size_t c = 0; c < s.chains; ++c) {
    for (std::size_t k = 0; k < r.kept_draws; ++k) {
      const double* x = &r.draws[(c * r.kept_draws + k) * 2];
      chain_mean[c] += std::hypot(x[0], x[1]) / double(r.kept_draws);
    }
  }
  double mean = 0, var = 0;
  for (double m : chain_mean) mean += m / double(s.chains);
  for (double m : chain_mean) var += (m - mean) * (m - mean) / double(s.chains - 1);
  const double mcse = std::sqrt(var / double(s.chains));
  EXPECT_LT(std::abs(mean - truth), 5 * mcse) << "mean " << mean << " truth " << truth << " mcse " << mcse;
}

TEST(UserTarget, InfoThatDisagreesWithTheFunctorIsRefused) {
  const test_donut t{};
  const target_info three = donut_info(3);
  const auto input_refusal = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const input_error& e) {
      return e.what();
    }
    return "";
  };
  const std::string want = "target_info.dim is 3 but the target has 2 dimensions";
  stretch_settings st;
  st.iterations = 5;
  EXPECT_NE(input_refusal([&] {
              auto b = make_cpu_stretch_backend_for<double>(t, stretch_shape{1, 8, 2}, 2.0, 1);
              run_stretch(*b, three, st);
            }).find(want),
            std::string::npos);
  svgd_settings sv;
  sv.particles = 8;
  sv.iterations = 2;
  EXPECT_NE(input_refusal([&] {
              auto b = make_svgd_backend_for<double>(device_choice::cpu, t);
              run_svgd(*b, three, sv);
            }).find(want),
            std::string::npos);
  EXPECT_NE(input_refusal([&] { run_coupling_cpu_for<double>(t, three, coupling_settings{}); }).find(want),
            std::string::npos);
  EXPECT_NE(input_refusal([&] { make_cpu_stretch_backend_for<double>(t, stretch_shape{1, 8, 3}, 2.0, 1); })
                .find("the target has 2 dimensions but the ensemble 3"),
            std::string::npos);
}
