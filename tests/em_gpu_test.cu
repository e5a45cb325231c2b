// The CUDA EM backend against the CPU one: same data, same initial parameters, the same
// log-likelihood trace and parameters (to float rounding). Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gpu_test_support.hpp"
#include "manychains/devices.hpp"
#include "manychains/em.hpp"

using namespace manychains;

namespace {

std::vector<double> mixture_data(std::size_t n, int d, int K) {
  gmm_params p;
  p.type = covariance_type::full;
  p.components = K;
  p.dim = d;
  p.weights.assign(K, 1.0 / K);
  for (int k = 0; k < K; ++k)
    for (int i = 0; i < d; ++i) p.means.push_back(3.0 * ((k * 7 + i * 3) % 5) + 100.0);
  p.covariances.assign(std::size_t(K) * d * d, 0.0);
  for (int k = 0; k < K; ++k)
    for (int i = 0; i < d; ++i) p.covariances[std::size_t(k) * d * d + i * d + i] = 1.0 + 0.1 * k;
  return gaussian_mixture(p).sample(n, 17);
}

template <class T>
void compare(covariance_type type, em_precision precision, double rel, std::size_t n = 50000, int d = 5, int K = 4) {
  MC_SKIP_WITHOUT_GPU();
  const auto x = mixture_data(n, d, K);
  gaussian_mixture_options o;
  o.n_components = K;
  o.covariance = type;
  o.tol = 0;
  o.max_iter = 20;
  o.precision = precision;
  o.device = device_choice::cpu;
  gaussian_mixture cpu(o);
  cpu.fit({x.data(), n, std::size_t(d)});
  o.device = device_choice::cuda;
  gaussian_mixture gpu(o);
  gpu.fit({x.data(), n, std::size_t(d)});
  EXPECT_NE(gpu.device_name().find("cuda"), std::string::npos);
  const auto &a = cpu.log_likelihood_trace(), &b = gpu.log_likelihood_trace();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], rel * std::abs(a[i])) << "iteration " << i;
  for (std::size_t i = 0; i < cpu.means().size(); ++i) EXPECT_NEAR(gpu.means()[i], cpu.means()[i], 1e3 * rel);
}

}  // namespace

// Double: only the order of summation differs (atomics, SYRK): ~1e-13 relative.
TEST(EmGpu, FullDoubleMatchesCpu) { compare<double>(covariance_type::full, em_precision::float64, 1e-10); }
TEST(EmGpu, DiagDoubleMatchesCpu) { compare<double>(covariance_type::diag, em_precision::float64, 1e-10); }
TEST(EmGpu, SphericalDoubleMatchesCpu) { compare<double>(covariance_type::spherical, em_precision::float64, 1e-10); }
TEST(EmGpu, TiedDoubleMatchesCpu) { compare<double>(covariance_type::tied, em_precision::float64, 1e-10); }
// Float: per-point log-densities round at ~1e-7 relative on both; FMA contraction differs.
TEST(EmGpu, FullFloatMatchesCpu) { compare<float>(covariance_type::full, em_precision::float32, 2e-5); }
TEST(EmGpu, DiagFloatMatchesCpu) { compare<float>(covariance_type::diag, em_precision::float32, 2e-5); }
TEST(EmGpu, SphericalFloatMatchesCpu) { compare<float>(covariance_type::spherical, em_precision::float32, 2e-5); }
TEST(EmGpu, TiedFloatMatchesCpu) { compare<float>(covariance_type::tied, em_precision::float32, 2e-5); }
// More points than one grid-stride pass of the E-step covers (8 blocks of 256 per SM: 270,336
// on a 132-SM H200) and more than one scatter chunk (2^20 points).
TEST(EmGpu, BeyondOneGridStridePassMatchesCpu) {
  compare<double>(covariance_type::full, em_precision::float64, 1e-10, 1100000, 5, 4);
}
// Dimensions above 5 (the Cholesky solves and scatter matrices grow with d²).
TEST(EmGpu, TwelveDimensionsFullMatchesCpu) { compare<double>(covariance_type::full, em_precision::float64, 1e-10, 60000, 12, 3); }
TEST(EmGpu, TwelveDimensionsTiedMatchesCpu) { compare<double>(covariance_type::tied, em_precision::float64, 1e-10, 60000, 12, 3); }
TEST(EmGpu, TwelveDimensionsFullFloatMatchesCpu) { compare<float>(covariance_type::full, em_precision::float32, 5e-5, 60000, 12, 3); }
