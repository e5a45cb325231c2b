// GPU tests (label gpu; skipped where no GPU can be used): cuRAND's device Philox against our
// host stream, device normals against host normals, and CPU vs GPU trajectories.
#include <gtest/gtest.h>

#include <fstream>

#include "../kernels/cuda_engine_base.cuh"
#include "../kernels/curand_stream.cuh"
#include "../kernels/device_buffer.cuh"
#include "manychains/devices.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/sampler.hpp"

using namespace manychains;

namespace {

#define SKIP_WITHOUT_GPU()                                          \
  do {                                                              \
    std::string reason;                                             \
    if (!cuda_usable(&reason)) GTEST_SKIP() << reason;              \
  } while (0)

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

template <class T>
void expect_same_trajectories(const std::string& spec, double tolerance) {
  const any_target target = make_target(spec);
  sample_settings s;
  s.chains = 256;
  s.warmup = 0;
  s.draws = 20;
  s.step_size = 0.2;
  s.seed = 17;
  auto cpu = make_cpu_engine<T>(target, chain_range{0, s.chains}, s.seed);
  auto gpu = make_cuda_engine<T>(target, chain_range{0, s.chains}, s.seed);
  const auto a = run_sampler<T>(*cpu, info_of(target), s);
  const auto b = run_sampler<T>(*gpu, info_of(target), s);
  ASSERT_EQ(a.draws.size(), b.draws.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.draws.size(); ++i)
    differ += std::abs(double(a.draws[i]) - double(b.draws[i])) > tolerance * std::max(1.0, std::abs(double(a.draws[i])));
  // A rounding difference can flip an accept decision that sits on the edge; allow a handful.
  EXPECT_LE(differ, a.draws.size() / 1000) << spec;
}

// One segment whose draws span three full device chunks and a partial one: the double-buffered
// copies (kernels/cuda_engine_base.cuh) must file every draw where the CPU engine puts it.
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
  const std::string path = ::testing::TempDir() + "/logistic_gpu.csv";
  std::ofstream csv(path);
  csv << "a,b,y\n";
  philox_stream s{3, 0, 0};
  for (int i = 0; i < 500; ++i) {
    const words4 w = s.next4();
    const double a = uniform_open01<double>(w.x) * 4 - 2, b = uniform_open01<double>(w.y) * 4 - 2;
    csv << a << "," << b << "," << (uniform_open01<double>(w.z) < 1 / (1 + std::exp(-(0.5 + a - b))) ? 1 : 0) << "\n";
  }
  csv.close();
  expect_same_trajectories<double>("logistic:data=" + path, 1e-9);
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
