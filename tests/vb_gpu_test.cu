// The variational fit with its E-step on the CUDA EM backend against the CPU one: same data, same
// start, the same lower-bound trace and parameters (to float rounding), and the backends' Σ r log r
// pass directly. Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gpu_test_support.hpp"
#include "manychains/devices.hpp"
#include "manychains/em.hpp"
#include "manychains/em/backend.hpp"
#include "manychains/vb.hpp"
#include "vb_test_data.hpp"

using namespace manychains;

namespace {

/// About n points around `clusters` centres in [100, 112]^d, far from the origin so that centring
/// matters.
std::vector<double> mixture_data(std::size_t n, int d, int clusters) {
  std::vector<double> centres;
  for (int k = 0; k < clusters; ++k)
    for (int i = 0; i < d; ++i) centres.push_back(100.0 + 3.0 * ((k * 7 + i * 3) % 5));
  return manychains::testing::clusters(centres, d, std::vector<int>(clusters, int(n / clusters)), 17);
}

void compare(covariance_type type, weight_prior_type weights, em_precision precision, double rel,
             std::size_t n = 50000, int d = 5, int K = 6) {
  MC_SKIP_WITHOUT_GPU();
  const auto x = mixture_data(n, d, K - 2);  // two components more than the data have
  n = x.size() / d;
  bayesian_gaussian_mixture_options o;
  o.n_components = K;
  o.covariance = type;
  o.prior.weight_type = weights;
  o.tol = 0;
  o.max_iter = 20;
  o.precision = precision;
  o.device = device_choice::cpu;
  bayesian_gaussian_mixture cpu(o);
  cpu.fit({x.data(), n, std::size_t(d)});
  o.device = device_choice::cuda;
  bayesian_gaussian_mixture gpu(o);
  gpu.fit({x.data(), n, std::size_t(d)});
  EXPECT_NE(gpu.device_name().find("cuda"), std::string::npos);
  const auto &a = cpu.lower_bound_trace(), &b = gpu.lower_bound_trace();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], rel * std::abs(a[i])) << "iteration " << i + 1;
  for (std::size_t i = 0; i < cpu.means().size(); ++i) EXPECT_NEAR(gpu.means()[i], cpu.means()[i], 1e3 * rel);
  for (std::size_t i = 0; i < cpu.weights().size(); ++i) EXPECT_NEAR(gpu.weights()[i], cpu.weights()[i], 1e3 * rel);
}

/// The two backends' E-step at the same parameters, then Σ r log r.
template <class T>
void compare_r_log_r(double rel) {
  MC_SKIP_WITHOUT_GPU();
  const std::size_t n = 300000;
  const int d = 4, K = 5;
  const auto x = mixture_data(n, d, K);
  ASSERT_EQ(x.size(), n * d);
  bayesian_gaussian_mixture_options o;
  o.n_components = K;
  o.max_iter = 3;
  o.device = device_choice::cpu;
  bayesian_gaussian_mixture vb(o);
  vb.fit({x.data(), n, std::size_t(d)});
  vb_params q = vb.params();
  auto cpu = make_em_cpu_backend<T>(x.data(), n, d, K, covariance_type::full);
  auto gpu = make_em_cuda_backend<T>(x.data(), n, d, K, covariance_type::full);
  std::vector<double> nk_c, sx_c, nk_g, sx_g;
  const double ll_c = cpu->e_step(vb_e_step_arrays<T>(q), nk_c, sx_c);
  const double ll_g = gpu->e_step(vb_e_step_arrays<T>(q), nk_g, sx_g);
  EXPECT_NEAR(ll_g, ll_c, rel * std::abs(ll_c));
  const double h_c = cpu->sum_r_log_r(), h_g = gpu->sum_r_log_r();
  EXPECT_LT(h_c, 0.0);  // the components overlap at these parameters: the entropy is not zero
  EXPECT_NEAR(h_g, h_c, rel * std::abs(h_c));
}

}  // namespace

// Double: only the order of summation differs (atomics, SYRK).
TEST(VbGpu, FullDoubleMatchesCpu) {
  compare(covariance_type::full, weight_prior_type::dirichlet_distribution, em_precision::float64, 1e-10);
}
TEST(VbGpu, TiedDoubleMatchesCpu) {
  compare(covariance_type::tied, weight_prior_type::dirichlet_process, em_precision::float64, 1e-10);
}
TEST(VbGpu, DiagDoubleMatchesCpu) {
  compare(covariance_type::diag, weight_prior_type::dirichlet_distribution, em_precision::float64, 1e-10);
}
TEST(VbGpu, SphericalDoubleMatchesCpu) {
  compare(covariance_type::spherical, weight_prior_type::dirichlet_process, em_precision::float64, 1e-10);
}
// Float: per-point log-densities round at ~1e-7 relative on both; the sums are in double.
TEST(VbGpu, FullFloatMatchesCpu) {
  compare(covariance_type::full, weight_prior_type::dirichlet_process, em_precision::float32, 2e-5);
}
// More points than one grid-stride pass of the E-step and the Σ r log r kernel (270,336 on an H200).
TEST(VbGpu, BeyondOneGridStridePassMatchesCpu) {
  compare(covariance_type::full, weight_prior_type::dirichlet_process, em_precision::float64, 1e-10, 400000, 4, 5);
}
TEST(VbGpu, SumRLogRDoubleMatchesCpu) { compare_r_log_r<double>(1e-11); }
TEST(VbGpu, SumRLogRFloatMatchesCpu) { compare_r_log_r<float>(1e-5); }
