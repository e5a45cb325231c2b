// GPU tests (label gpu; skipped where no GPU can be used): cuRAND's device Philox against our
// host stream, device normals against host normals, and CPU vs GPU trajectories.
#include <gtest/gtest.h>

#include <fstream>

#include "manychains/cuda/detail/cuda_engine_base.cuh"
#include "manychains/cuda/detail/curand_stream.cuh"
#include "manychains/cuda/detail/device_buffer.cuh"
#include "gpu_test_support.hpp"
#include "manychains/devices.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/sampler.hpp"

using namespace manychains;

namespace {

#define SKIP_WITHOUT_GPU() MC_SKIP_WITHOUT_GPU()

__global__ void draw_blocks(std::uint64_t seed, const std::uint64_t* chains, const std::uint64_t* first_blocks,
                            std::size_t n, int blocks_each, std::uint32_t* out) {
  const std::size_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  curand_stream s(seed, chains[i], first_blocks[i]);
  for (int b = 0; b < blocks_each; ++b) {
    const words4 w = s.next4();
    std::uint32_t* o = out + (i * blocks_each + b) * 4;
    o[0] = w.x;
    o[1] = w.y;
    o[2] = w.z;
    o[3] = w.w;
  }
}

__global__ void draw_normals(std::uint64_t seed, std::size_t n, float* out) {
  const std::size_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  curand_stream s(seed, i, 0);
  normal4<float>(s, out + 4 * i);
}

}  // namespace

TEST(GpuRandom, CurandDeviceWordsEqualHostStream) {
  SKIP_WITHOUT_GPU();
  std::vector<std::uint64_t> chains, first;
  for (std::uint64_t c : {0ull, 1ull, 31ull, 4095ull, 1ull << 33})
    for (std::uint64_t b : {0ull, 3ull, 1000ull, 1ull << 32}) {
      chains.push_back(c);
      first.push_back(b);
    }
  for (std::uint64_t seed : {0ull, 42ull, 0xfeedfacecafebeefull}) {
    const int each = 5;
    device_buffer<std::uint64_t> d_chains, d_first;
    d_chains.upload(chains);
    d_first.upload(first);
    device_buffer<std::uint32_t> out(chains.size() * each * 4);
    draw_blocks<<<1, 256>>>(seed, d_chains.data(), d_first.data(), chains.size(), each, out.data());
    const auto got = out.download();
    for (std::size_t i = 0; i < chains.size(); ++i) {
      philox_stream host{seed, chains[i], first[i]};
      for (int b = 0; b < each; ++b) {
        const words4 w = host.next4();
        const std::uint32_t* g = &got[(i * each + b) * 4];
        ASSERT_EQ(g[0], w.x);
        ASSERT_EQ(g[1], w.y);
        ASSERT_EQ(g[2], w.z);
        ASSERT_EQ(g[3], w.w);
      }
    }
  }
}

TEST(GpuRandom, DeviceNormalsAgreeWithHostToOneMillionth) {
  SKIP_WITHOUT_GPU();
  const std::size_t n = 1 << 16;
  device_buffer<float> out(4 * n);
  draw_normals<<<(n + 255) / 256, 256>>>(7, n, out.data());
  const auto got = out.download();
  for (std::size_t i = 0; i < n; ++i) {
    philox_stream s{7, i, 0};
    float want[4];
    normal4<float>(s, want);
    for (int k = 0; k < 4; ++k) ASSERT_NEAR(got[4 * i + k], want[k], 1e-6f * std::max(1.0f, std::abs(want[k])));
  }
}

sample_settings short_run() {
  sample_settings s;
  s.chains = 256;
  s.warmup = 0;
  s.draws = 20;
  s.step_size = 0.2;
  s.seed = 17;
  return s;
}

/// The CPU and CUDA engines through the whole runner (warm-up, adaptation, thinning) on the
/// same seed: the same draws, to `tolerance` relative, for all but a `flips` fraction of values
/// (a rounding difference can flip an accept decision on its edge, and the chain then differs).
template <class T>
void expect_same_run(const std::string& spec, const sample_settings& s, double tolerance, double flips = 1e-3) {
  const any_target target = make_target(spec);
  auto cpu = make_cpu_engine<T>(target, chain_range{0, s.chains}, s.seed);
  auto gpu = make_cuda_engine<T>(target, chain_range{0, s.chains}, s.seed);
  const auto a = run_sampler<T>(*cpu, info_of(target), s);
  const auto b = run_sampler<T>(*gpu, info_of(target), s);
  ASSERT_EQ(a.draws.size(), b.draws.size()) << spec;
  ASSERT_EQ(a.kept_draws, b.kept_draws) << spec;
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.draws.size(); ++i) {
    ASSERT_TRUE(std::isfinite(double(b.draws[i]))) << spec << " value " << i;
    differ += std::abs(double(a.draws[i]) - double(b.draws[i])) > tolerance * std::max(1.0, std::abs(double(a.draws[i])));
  }
  EXPECT_LE(double(differ), flips * double(a.draws.size())) << spec << ": " << differ << " values differ";
  // Adaptation reads pooled acceptance (summed on the device in another order) and the chains'
  // positions: the adapted step size and preconditioner agree to rounding.
  EXPECT_NEAR(b.step_size, a.step_size, 1e3 * tolerance * a.step_size) << spec;
  ASSERT_EQ(a.scale.size(), b.scale.size());
  for (std::size_t j = 0; j < a.scale.size(); ++j) EXPECT_NEAR(b.scale[j], a.scale[j], 1e3 * tolerance * a.scale[j]) << spec;
  ASSERT_EQ(a.chol.size(), b.chol.size()) << spec;
  for (std::size_t j = 0; j < a.chol.size(); ++j) EXPECT_NEAR(b.chol[j], a.chol[j], 1e3 * tolerance) << spec;
  EXPECT_NEAR(b.accept_rate, a.accept_rate, 1e-2) << spec;
  EXPECT_EQ(b.divergences, a.divergences) << spec;
}

template <class T>
void expect_same_trajectories(const std::string& spec, double tolerance) {
  expect_same_run<T>(spec, short_run(), tolerance);
}

/// A logistic-regression data set with an intercept-like pair of covariates, from a fixed stream.
std::string logistic_csv(const std::string& name, int rows) {
  const std::string path = ::testing::TempDir() + "/" + name + ".csv";
  std::ofstream csv(path);
  csv << "a,b,y\n";
  philox_stream s{3, 0, 0};
  for (int i = 0; i < rows; ++i) {
    const words4 w = s.next4();
    const double a = uniform_open01<double>(w.x) * 4 - 2, b = uniform_open01<double>(w.y) * 4 - 2;
    csv << a << "," << b << "," << (uniform_open01<double>(w.z) < 1 / (1 + std::exp(-(0.5 + a - b))) ? 1 : 0) << "\n";
  }
  return path;
}

// One segment whose draws span three full device chunks and a partial one: the double-buffered
// copies (manychains/cuda/detail/cuda_engine_base.cuh) must file every draw where the CPU engine puts it.
TEST(GpuEngine, DrawsStreamedInSeveralChunksMatchCpu) {
  SKIP_WITHOUT_GPU();
  const any_target target = make_target("gaussian:dim=10,rho=0.5");
  const std::size_t chains = 256, dim = 10;
  const std::size_t per_chunk = cuda_engine_base<double>::draws_chunk_bytes / (chains * dim * sizeof(double));
  const std::size_t kept = 3 * per_chunk + 7;
  auto cpu = make_cpu_engine<double>(target, chain_range{0, chains}, 5);
  auto gpu = make_cuda_engine<double>(target, chain_range{0, chains}, 5);
  const auto [x0, blocks] = initial_positions(*cpu, info_of(target), 5);
  cpu->initialize(x0, blocks);
  gpu->initialize(x0, blocks);
  std::vector<double> a(chains * kept * dim), b(a.size(), std::nan(""));
  segment_request<double> request;
  request.steps = kept;
  request.step_size = 0.5;
  request.scale.assign(dim, 1.0);
  request.draws_per_chain = kept;
  request.draws = a.data();
  cpu->run(request);
  request.draws = b.data();
  gpu->run(request);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(std::isfinite(b[i])) << "draw value " << i << " was never filed";
    differ += std::abs(a[i] - b[i]) > 1e-9 * std::max(1.0, std::abs(a[i]));
  }
  EXPECT_LE(differ, a.size() / 1000);
}

TEST(GpuEngine, TrajectoriesMatchCpuInDouble) {
  SKIP_WITHOUT_GPU();
  for (const char* spec : {"gaussian:dim=10,rho=0.5", "funnel:dim=5", "oring", "mixture:dim=2", "rosenbrock:dim=4"})
    expect_same_trajectories<double>(spec, 1e-9);
}

TEST(GpuEngine, TrajectoriesMatchCpuInFloat) {
  SKIP_WITHOUT_GPU();
  for (const char* spec : {"gaussian:dim=10,rho=0.5", "funnel:dim=5", "rosenbrock:dim=4"})
    expect_same_trajectories<float>(spec, 1e-4);
}

TEST(GpuEngine, LogisticBatchedTrajectoriesMatchCpu) {
  SKIP_WITHOUT_GPU();
  expect_same_trajectories<double>("logistic:data=" + logistic_csv("logistic_gpu", 500), 1e-9);
}

// Chains of more than 32 dimensions step in the global arrays (the Local = 0 kernel); 9 and 32
// take the local_chain<32> one, 33 is the first above it.
TEST(GpuEngine, GlobalMemoryKernelAboveThirtyTwoDimensionsMatchesCpu) {
  SKIP_WITHOUT_GPU();
  for (const char* spec : {"gaussian:dim=9,rho=0.5", "gaussian:dim=32,rho=0.5", "gaussian:dim=33,rho=0.5",
                           "gaussian:dim=100,rho=0.5", "rosenbrock:dim=40"})
    expect_same_trajectories<double>(spec, 1e-9);
  expect_same_trajectories<float>("gaussian:dim=40,rho=0.5", 1e-4);
}

// Warm-up through run_pooled (totals summed on the device) with step-size dual averaging and the
// dense preconditioner (a Cholesky factor in the proposal).
TEST(GpuEngine, WarmupWithDenseMetricMatchesCpu) {
  SKIP_WITHOUT_GPU();
  sample_settings s = short_run();
  s.chains = 512;
  s.warmup = 200;
  s.step_size.reset();
  s.metric = metric_kind::dense;
  expect_same_run<double>("gaussian:dim=10,rho=0.9", s, 1e-8);
  expect_same_run<double>("gaussian:dim=40,rho=0.5", s, 1e-8);  // dense with the global-memory kernel
  s.metric = metric_kind::diagonal;
  expect_same_run<double>("funnel:dim=5", s, 1e-8, 5e-3);
  expect_same_run<float>("gaussian:dim=10,rho=0.9", s, 1e-4, 5e-3);
}

TEST(GpuEngine, ThinnedDrawsMatchCpu) {
  SKIP_WITHOUT_GPU();
  sample_settings s = short_run();
  s.thin = 3;
  s.draws = 31;  // 10 kept: the runner asks for whole thinning intervals (30 steps)
  expect_same_run<double>("gaussian:dim=10,rho=0.5", s, 1e-9);
  expect_same_run<double>("gaussian:dim=40", s, 1e-9);
}

TEST(GpuEngine, UnadjustedLangevinMatchesCpu) {
  SKIP_WITHOUT_GPU();
  sample_settings s = short_run();
  s.sampler = sampler_kind::ula;
  s.step_size = 0.05;
  for (const char* spec : {"gaussian:dim=10,rho=0.5", "gaussian:dim=40", "rosenbrock:dim=4"})
    expect_same_run<double>(spec, s, 1e-9);
  expect_same_run<float>("gaussian:dim=10,rho=0.5", s, 1e-4);
}

// Chain counts that fill many blocks, the last one partly: 5,001 chains (blocks of 32 threads on
// a 132-SM device), 70,001 (blocks of 128).
TEST(GpuEngine, ManyBlocksOfChainsMatchCpu) {
  SKIP_WITHOUT_GPU();
  sample_settings s = short_run();
  for (std::size_t chains : {5001u, 70001u}) {
    s.chains = chains;
    s.draws = 5;
    expect_same_run<double>("gaussian:dim=3,rho=0.5", s, 1e-9);
  }
}

// A segment whose steps are not a whole number of thinning intervals: the CUDA engine, like the
// CPU one, runs all of them (10 steps, thin 3: three kept, and one more step).
TEST(GpuEngine, StepsBeyondTheLastThinningIntervalRun) {
  SKIP_WITHOUT_GPU();
  const any_target target = make_target("gaussian:dim=10,rho=0.5");
  const std::size_t chains = 300, dim = 10;
  auto cpu = make_cpu_engine<double>(target, chain_range{0, chains}, 8);
  auto gpu = make_cuda_engine<double>(target, chain_range{0, chains}, 8);
  const auto [x0, blocks] = initial_positions(*cpu, info_of(target), 8);
  cpu->initialize(x0, blocks);
  gpu->initialize(x0, blocks);
  segment_request<double> request;
  request.steps = 10;
  request.thin = 3;
  request.step_size = 0.4;
  request.scale.assign(dim, 1.0);
  request.draws_per_chain = 3;
  std::vector<double> a(chains * 3 * dim), b(a.size(), std::nan(""));
  request.draws = a.data();
  const pooled_totals pa = sum_over_chains(cpu->run(request));
  request.draws = b.data();
  const pooled_totals pb = gpu->run_pooled(request);
  EXPECT_NEAR(pb.accept_prob, pa.accept_prob, 1e-9 * pa.accept_prob);
  EXPECT_EQ(pb.accepted, pa.accepted);
  const auto xa = cpu->positions(), xb = gpu->positions();
  std::size_t differ = 0;
  for (std::size_t i = 0; i < xa.size(); ++i) differ += std::abs(xa[i] - xb[i]) > 1e-9 * std::max(1.0, std::abs(xa[i]));
  EXPECT_LE(differ, xa.size() / 1000) << "positions after 10 steps";
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(b[i], a[i], 1e-9 * std::max(1.0, std::abs(a[i])));
}

// run_pooled sums on the device what run returns per chain.
TEST(GpuEngine, PooledTotalsEqualTheSumOfPerChainTotals) {
  SKIP_WITHOUT_GPU();
  const any_target target = make_target("funnel:dim=5");
  const std::size_t chains = 3000;
  auto one = make_cuda_engine<double>(target, chain_range{0, chains}, 4);
  auto two = make_cuda_engine<double>(target, chain_range{0, chains}, 4);
  const auto [x0, blocks] = initial_positions(*one, info_of(target), 4);
  one->initialize(x0, blocks);
  two->initialize(x0, blocks);
  segment_request<double> request;
  request.steps = 7;
  request.step_size = 1.5;  // large: some divergences and rejections
  request.scale.assign(5, 1.0);
  for (int segment = 0; segment < 3; ++segment) {
    const pooled_totals want = sum_over_chains(one->run(request));
    const pooled_totals got = two->run_pooled(request);
    EXPECT_NEAR(got.accept_prob, want.accept_prob, 1e-12 * want.accept_prob);
    EXPECT_EQ(got.accepted, want.accepted);
    EXPECT_EQ(got.divergent, want.divergent);
    EXPECT_GT(want.accepted, 0u);
    EXPECT_LT(want.accepted, 7u * chains);
  }
}

// More chains than one GEMM takes (cuda_logistic_engine: 256 MiB / (sizeof(T) · rows) chains per
// GEMM): 100,000 rows give 335 chains a GEMM in double, 671 in float.
TEST(GpuEngine, LogisticWithSeveralGemmChunksMatchesCpu) {
  SKIP_WITHOUT_GPU();
  const std::string spec = "logistic:data=" + logistic_csv("logistic_rows", 100000);
  sample_settings s = short_run();
  s.draws = 5;
  s.step_size = 0.002;
  s.chains = 700;
  expect_same_run<double>(spec, s, 1e-9);
  // Float (cublasSgemm): the log-likelihood of 100,000 rows carries rounding near 1e-3 in
  // absolute terms on each side, which moves accept probabilities by as much; a few percent of
  // chains flip a decision within 5 steps.
  s.chains = 1500;
  expect_same_run<float>(spec, s, 1e-3, 0.05);
}

// Per-draw statistics (posterior.nc's sample_stats) from the CUDA engine equal the CPU engine's:
// the same chains, so the same log-densities, interval acceptances and divergence flags.
TEST(GpuEngine, DrawStatsMatchCpu) {
  SKIP_WITHOUT_GPU();
  const any_target target = make_target("funnel:dim=5");
  const std::size_t chains = 128, dim = 5, thin = 3, kept = 40;
  auto cpu = make_cpu_engine<double>(target, chain_range{0, chains}, 9);
  auto gpu = make_cuda_engine<double>(target, chain_range{0, chains}, 9);
  const auto [x0, blocks] = initial_positions(*cpu, info_of(target), 9);
  cpu->initialize(x0, blocks);
  gpu->initialize(x0, blocks);
  std::vector<double> a(chains * kept * dim), b(a.size());
  draw_stats sa, sb;
  sa.resize(chains * kept);
  sb.resize(chains * kept);
  segment_request<double> request;
  request.steps = kept * thin;
  request.thin = thin;
  request.step_size = 0.4;
  request.scale.assign(dim, 1.0);
  request.draws_per_chain = kept;
  request.draws = a.data();
  request.stats = sa.ref();
  const segment_result ra = cpu->run(request);
  request.draws = b.data();
  request.stats = sb.ref();
  const segment_result rb = gpu->run(request);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < chains * kept; ++i)
    differ += std::abs(sa.logp[i] - sb.logp[i]) > 1e-9 * std::max(1.0, std::abs(sa.logp[i])) ||
              std::abs(sa.accept_prob[i] - sb.accept_prob[i]) > 1e-9 || sa.divergent[i] != sb.divergent[i];
  EXPECT_LE(differ, chains * kept / 1000);  // rounding may flip a rare accept/reject, as for the draws
  // The segment's totals are the per-draw values summed, on both engines.
  for (const auto& [r, st] : {std::pair{&ra, &sa}, std::pair{&rb, &sb}}) {
    double total = 0, per_draw = 0;
    for (double v : r->accept_prob) total += v;
    for (double v : st->accept_prob) per_draw += v * double(thin);
    EXPECT_NEAR(total, per_draw, 1e-9 * total);
  }
}

// Warm-up's queued steps: run_adapting adapts each next step size on the device. The same steps
// run by the host loop (chain_engine's run_adapting: a round trip a step), on a second GPU engine
// and on the CPU, give the same adapted step, acceptance and chains, for the pointwise kernels
// (local_chain<8>, <32>, global memory) and the batched engine (cuBLAS logistic).
template <class T>
void expect_same_adaptation(const std::string& spec, std::size_t chains, double tol) {
  const any_target target = make_target(spec);
  const target_info info = info_of(target);
  auto device = make_cuda_engine<T>(target, chain_range{0, chains}, 12);
  auto host_loop = make_cuda_engine<T>(target, chain_range{0, chains}, 12);
  auto cpu = make_cpu_engine<T>(target, chain_range{0, chains}, 12);
  const auto [x0, blocks] = initial_positions(*cpu, info, 12);
  for (auto* e : {device.get(), host_loop.get(), cpu.get()}) e->initialize(x0, blocks);
  segment_request<T> request;
  request.scale.assign(info.dim, T(1));
  const double first = 0.5;
  const step_adaptation start{dual_averaging(first, 0.574), first, true, static_cast<double>(chains)};
  step_adaptation a = start, b = start, c = start;
  for (int block = 0; block < 3; ++block) {  // blocks continue where the last one left off
    device->run_adapting(request, 40, a, nullptr);
    host_loop->chain_engine<T>::run_adapting(request, 40, b, nullptr);
    cpu->run_adapting(request, 40, c, nullptr);
  }
  for (const step_adaptation* other : {&b, &c}) {
    EXPECT_EQ(a.steps_done, 120u) << spec;
    EXPECT_EQ(other->steps_done, 120u) << spec;
    EXPECT_NEAR(a.step, other->step, tol * other->step) << spec;
    EXPECT_NEAR(a.adapt.final_step(), other->adapt.final_step(), tol * other->step) << spec;
    EXPECT_NEAR(a.accept_sum, other->accept_sum, tol * other->accept_sum) << spec;
    EXPECT_EQ(a.divergent, other->divergent) << spec;
  }
  EXPECT_NE(a.step, first) << "the step adapted";
  const auto xa = device->positions(), xc = cpu->positions();
  std::size_t differ = 0;
  for (std::size_t i = 0; i < xa.size(); ++i)
    differ += std::abs(double(xa[i]) - double(xc[i])) > tol * std::max(1.0, std::abs(double(xc[i])));
  EXPECT_LE(differ, xa.size() / 100) << spec << ": positions after 120 adapted steps";
  // A stop already asked for: no step runs.
  std::atomic<bool> stop{true};
  step_adaptation d = start;
  device->run_adapting(request, 40, d, &stop);
  EXPECT_EQ(d.steps_done, 0u);
  EXPECT_EQ(d.step, first);
}

TEST(GpuEngine, WarmupStepsAdaptedOnTheDeviceMatchTheHostLoop) {
  SKIP_WITHOUT_GPU();
  expect_same_adaptation<double>("gaussian:dim=5,rho=0.5", 1000, 1e-8);
  expect_same_adaptation<double>("gaussian:dim=20,rho=0.5", 3000, 1e-8);
  expect_same_adaptation<double>("funnel:dim=40", 500, 1e-8);
  expect_same_adaptation<double>("logistic:data=" + logistic_csv("logistic_adapt", 2000), 700, 1e-8);
  expect_same_adaptation<float>("gaussian:dim=5,rho=0.5", 1000, 1e-3);
}
