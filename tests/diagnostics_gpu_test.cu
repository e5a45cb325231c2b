// The CUDA diagnostics against the CPU oracle: every statistic to 1e-9 relative (the two differ
// only in summation order). Skipped without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <cuda_runtime.h>

#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "gpu_test_support.hpp"
#include "manychains/io/npy.hpp"

namespace mc = manychains;

namespace {

std::string data_dir() { return mc::testing::test_data_dir() + "/diagnostics"; }

void expect_close(const std::optional<double>& gpu, const std::optional<double>& cpu, const std::string& what) {
  ASSERT_EQ(gpu.has_value(), cpu.has_value()) << what;
  if (!cpu) return;
  if (std::isinf(*cpu)) {
    EXPECT_EQ(*gpu, *cpu) << what;
    return;
  }
  EXPECT_NEAR(*gpu, *cpu, 1e-9 * std::fabs(*cpu) + 1e-300) << what;
}

void compare(const std::vector<double>& x, std::size_t chains, std::size_t draws, std::size_t dim,
             std::size_t superchains, const std::string& label) {
  mc::diagnose_options o;
  o.superchains = superchains;
  const auto cpu = mc::diagnose_draws(x.data(), chains, draws, dim, {}, o);
  const auto gpu = mc::diagnose_draws_cuda_from_host(x.data(), chains, draws, dim, {}, o);
  ASSERT_EQ(gpu.size(), cpu.size());
  for (std::size_t j = 0; j < dim; ++j) {
    const std::string w = label + " " + cpu[j].name + " ";
    EXPECT_EQ(gpu[j].name, cpu[j].name);
    for (auto [g, c, k] : {std::tuple{gpu[j].mean, cpu[j].mean, "mean"}, std::tuple{gpu[j].sd, cpu[j].sd, "sd"},
                           std::tuple{gpu[j].q5, cpu[j].q5, "q5"}, std::tuple{gpu[j].q50, cpu[j].q50, "q50"},
                           std::tuple{gpu[j].q95, cpu[j].q95, "q95"}})
      EXPECT_NEAR(g, c, 1e-9 * std::fabs(c) + 1e-12) << w << k;
    expect_close(gpu[j].rhat, cpu[j].rhat, w + "rhat");
    expect_close(gpu[j].rhat_bulk, cpu[j].rhat_bulk, w + "rhat_bulk");
    expect_close(gpu[j].rhat_folded, cpu[j].rhat_folded, w + "rhat_folded");
    expect_close(gpu[j].rhat_classic, cpu[j].rhat_classic, w + "rhat_classic");
    expect_close(gpu[j].rhat_nested, cpu[j].rhat_nested, w + "rhat_nested");
    expect_close(gpu[j].ess_bulk, cpu[j].ess_bulk, w + "ess_bulk");
    expect_close(gpu[j].ess_tail, cpu[j].ess_tail, w + "ess_tail");
    expect_close(gpu[j].ess_mean, cpu[j].ess_mean, w + "ess_mean");
    expect_close(gpu[j].ess_sd, cpu[j].ess_sd, w + "ess_sd");
    expect_close(gpu[j].mcse_mean, cpu[j].mcse_mean, w + "mcse_mean");
    expect_close(gpu[j].mcse_sd, cpu[j].mcse_sd, w + "mcse_sd");
  }
}

/// AR(1) chains, parameter j with coefficient rho[j]: x[(c * draws + i) * dim + j].
std::vector<double> ar1_columns(std::size_t chains, std::size_t draws, const std::vector<double>& rho,
                                std::uint64_t seed) {
  const std::size_t dim = rho.size();
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(chains * draws * dim);
  for (std::size_t c = 0; c < chains; ++c)
    for (std::size_t j = 0; j < dim; ++j) {
      double v = normal(gen) / std::sqrt(1 - rho[j] * rho[j]);
      for (std::size_t i = 0; i < draws; ++i) {
        if (i > 0) v = rho[j] * v + normal(gen);
        x[(c * draws + i) * dim + j] = v + 0.05 * double(c % 3);
      }
    }
  return x;
}

std::vector<double> ar1(std::size_t chains, std::size_t draws, std::size_t dim, double rho, std::uint64_t seed) {
  return ar1_columns(chains, draws, std::vector<double>(dim, rho), seed);
}

#define REQUIRE_GPU() MC_SKIP_WITHOUT_GPU()

TEST(diagnostics_gpu, matches_cpu_on_the_arviz_reference_cases) {
  REQUIRE_GPU();
  for (const char* name : {"iid_normal", "ar1_rho09", "shifted_means", "cauchy", "odd_draws", "one_chain",
                           "ties_poisson", "shape_1000x20", "shape_4096x100"}) {
    const auto a = mc::read_npy(data_dir() + "/" + name + ".npy");
    compare(a.values, a.shape[0], a.shape[1], 1, a.shape[0] % 2 == 0 && a.shape[0] >= 2 ? 2 : 0, name);
  }
}

TEST(diagnostics_gpu, matches_cpu_on_many_parameters_and_slow_chains) {
  REQUIRE_GPU();
  compare(ar1(512, 400, 3, 0.95, 1), 512, 400, 3, 8, "ar1 0.95");  // many lags
  compare(ar1(64, 7, 2, 0.3, 2), 64, 7, 2, 4, "short odd");
  compare(ar1(8, 3, 1, 0.3, 3), 8, 3, 1, 2, "three draws");
}

// One workspace serves every parameter of a call (kernels/diagnostics.cu): 40 parameters whose
// autocorrelation rises and falls (the lag-sum buffers grow in mid-call, then serve shorter
// blocks), with even draws and with odd ones (the sort buffer then holds all draws, then the
// split chains), each parameter still equal to the CPU oracle's.
TEST(diagnostics_gpu, one_workspace_serves_many_parameters) {
  REQUIRE_GPU();
  const double r[] = {0.2, 0.95, 0.5, 0.99, 0.0, 0.8};
  std::vector<double> rho(40);
  for (std::size_t j = 0; j < rho.size(); ++j) rho[j] = r[j % 6];
  compare(ar1_columns(64, 300, rho, 6), 64, 300, 40, 4, "dim 40");
  compare(ar1_columns(32, 301, rho, 7), 32, 301, 40, 4, "dim 40, odd draws");
}

// Parameters that are constant (everywhere, or within each chain), tied, or whose squared
// deviations are constant (so that ess_sd takes the device's range test) alternate with varying
// ones: a reused buffer's stale contents from the parameter before would show.
TEST(diagnostics_gpu, constant_and_varying_parameters_alternate) {
  REQUIRE_GPU();
  for (std::size_t draws : {60, 61}) {
    const std::size_t chains = 8, dim = 8;
    const auto base = ar1(chains, draws, dim, 0.5, 8);
    std::vector<double> x(base);
    for (std::size_t c = 0; c < chains; ++c)
      for (std::size_t i = 0; i < draws; ++i) {
        double* row = &x[(c * draws + i) * dim];
        row[1] = 1.25;                                  // constant
        row[3] = double(c);                             // constant within each chain
        row[4] = (i + c) % 2 == 0 ? 1.0 : -1.0;         // mean 0 over all chains: (x - mean)^2 constant
        row[5] = 0.0;                                   // constant, after one that is not
        row[6] = std::floor(2 * std::fabs(row[6]));     // ties
      }
    compare(x, chains, draws, dim, 2, "alternating, draws " + std::to_string(draws));
  }
}

TEST(diagnostics_gpu, degenerate_input) {
  REQUIRE_GPU();
  std::vector<double> constant(4 * 50, 1.25);
  compare(constant, 4, 50, 1, 2, "constant");
  std::vector<double> stuck(4 * 50);
  for (std::size_t i = 0; i < stuck.size(); ++i) stuck[i] = double(i / 50);
  compare(stuck, 4, 50, 1, 2, "stuck");
  auto x = ar1(4, 20, 2, 0.1, 4);
  x[(3 * 20 + 5) * 2 + 1] = std::numeric_limits<double>::quiet_NaN();
  try {
    mc::diagnose_draws_cuda_from_host(x.data(), 4, 20, 2, {"a", "b"});
    FAIL() << "no error";
  } catch (const mc::input_error& e) {
    EXPECT_NE(std::string(e.what()).find("parameter b has a NaN draw (chain 3, draw 5)"), std::string::npos)
        << e.what();
  }
}

TEST(diagnostics_gpu, device_resident_draws) {
  REQUIRE_GPU();
  const auto x = ar1(256, 100, 2, 0.5, 5);
  double* d = nullptr;
  ASSERT_EQ(cudaMalloc(&d, x.size() * sizeof(double)), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(d, x.data(), x.size() * sizeof(double), cudaMemcpyHostToDevice), cudaSuccess);
  const auto gpu = mc::diagnose_draws_cuda(d, 256, 100, 2, {"p", "q"});
  cudaFree(d);
  const auto cpu = mc::diagnose_draws(x.data(), 256, 100, 2, {"p", "q"});
  for (std::size_t j = 0; j < 2; ++j) {
    EXPECT_EQ(gpu[j].name, cpu[j].name);
    expect_close(gpu[j].ess_bulk, cpu[j].ess_bulk, "ess_bulk");
    expect_close(gpu[j].rhat, cpu[j].rhat, "rhat");
  }
}

}  // namespace
