// Chain-steps per second of the CPU (and, where usable, CUDA) engines, beside two floors: the
// RNG-bound floor (a loop that only draws the same normals a MALA step draws) and the
// memory-bound floor (the bytes a step must move over the measured bandwidth of a copy).
//
//   build/bench/bench/chain_throughput --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstring>

#include "manychains/buffered_stream.hpp"
#include "manychains/devices.hpp"
#include "manychains/langevin.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/sampler.hpp"

using namespace manychains;

namespace {

/// Bayesian logistic regression on synthetic data: rows × dim standard-normal predictors.
any_target synthetic_logistic(std::size_t rows, std::size_t dim) {
  logistic_target t;
  t.rows = rows;
  t.info.spec = "logistic:synthetic rows=" + std::to_string(rows) + ",dim=" + std::to_string(dim);
  t.info.dim = dim;
  t.info.init_center.assign(dim, 0.0);
  t.info.init_radius.assign(dim, 0.1);
  for (std::size_t j = 0; j < dim; ++j) t.info.parameter_names.push_back("b" + std::to_string(j));
  philox_stream s{123, 0, 0};
  t.design.resize(rows * dim);
  for (std::size_t i = 0; i < rows * dim; i += 4) {
    double z[4];
    normal4<double>(s, z);
    for (std::size_t k = 0; k < 4 && i + k < rows * dim; ++k) t.design[i + k] = z[k] / std::sqrt(double(dim));
  }
  for (std::size_t i = 0; i < rows; ++i) t.response.push_back(uniform_open01<double>(s.next4().x) < 0.5 ? 0.0 : 1.0);
  return t;
}

/// An engine for state.range(0) chains of `target` on `device`, at its starting points; null (the
/// benchmark skipped, with the reason) where the device cannot be used.
template <class T>
std::unique_ptr<chain_engine<T>> started_engine(benchmark::State& state, const any_target& target,
                                                device_choice device) {
  const std::size_t chains = static_cast<std::size_t>(state.range(0));
  std::unique_ptr<chain_engine<T>> engine;
  try {
    engine = make_engine<T>(device, target, chain_range{0, chains}, 1);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return nullptr;
  }
  const auto [x0, blocks] = initial_positions(*engine, info_of(target), 1);
  engine->initialize(x0, blocks);
  return engine;
}

template <class T>
void run_steps(benchmark::State& state, const std::string& spec, device_choice device, std::size_t steps = 20,
               bool dense = false) {
  const std::size_t chains = static_cast<std::size_t>(state.range(0));
  const any_target target = spec == "logistic-synthetic" ? synthetic_logistic(100000, 100) : make_target(spec);
  const auto engine = started_engine<T>(state, target, device);
  if (!engine) return;
  segment_request<T> request;
  request.steps = steps;
  request.step_size = T(0.1);
  const std::size_t d = info_of(target).dim;
  request.scale.assign(d, T(1));
  if (dense) {  // the dense step's cost does not depend on L's values: the identity, as a full factor
    request.chol.assign(d * d, T(0));
    for (std::size_t j = 0; j < d; ++j) request.chol[j * d + j] = T(1);
  }
  for (auto _ : state) benchmark::DoNotOptimize(engine->run(request));
  const double chain_steps = double(chains) * steps * state.iterations();
  state.counters["chain_steps/s"] = benchmark::Counter(chain_steps, benchmark::Counter::kIsRate);
  state.counters["grad_evals/s"] = benchmark::Counter(chain_steps, benchmark::Counter::kIsRate);
  state.SetLabel(info_of(target).spec + (dense ? ", dense metric" : "") + " on " + engine->device_name());
}

/// Warm-up steps (one step a call, the step size adapted after each): queued on the device by the
/// CUDA engine's run_adapting, or one host round trip a step (chain_engine's loop) when
/// `host_loop`. The ratio is what queuing a warm-up window saves.
template <class T>
void run_warmup(benchmark::State& state, const std::string& spec, device_choice device, bool host_loop) {
  const std::size_t chains = static_cast<std::size_t>(state.range(0)), steps = 64;
  const any_target target = make_target(spec);
  const auto engine = started_engine<T>(state, target, device);
  if (!engine) return;
  segment_request<T> request;
  request.scale.assign(info_of(target).dim, T(1));
  for (auto _ : state) {
    step_adaptation a{dual_averaging(0.5, 0.574), 0.5, true, static_cast<double>(chains)};
    if (host_loop) engine->chain_engine<T>::run_adapting(request, steps, a, nullptr);
    else engine->run_adapting(request, steps, a, nullptr);
    benchmark::DoNotOptimize(a.step);
  }
  state.counters["chain_steps/s"] =
      benchmark::Counter(double(chains) * steps * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(info_of(target).spec + (host_loop ? ", warm-up a round trip a step" : ", warm-up queued"));
}

/// The RNG-bound floor: the normals and uniform of `steps` MALA steps, nothing else.
void rng_floor(benchmark::State& state) {
  const std::size_t chains = static_cast<std::size_t>(state.range(0)), dim = static_cast<std::size_t>(state.range(1));
  const std::size_t steps = 20;
  std::vector<double> sink(chains, 0.0);
  for (auto _ : state) {
#pragma omp parallel
    {
      buffered_stream<double> s;  // as the CPU engine reads its streams
#pragma omp for schedule(static)
      for (std::size_t c = 0; c < chains; ++c) {
        s.attach(philox_stream{1, c, 0}, steps * blocks_per_step(dim, sampler_kind::mala));
        double acc = 0, z[4];
        for (std::size_t t = 0; t < steps; ++t) {
          for (std::size_t j = 0; j < dim; j += 4) {
            normal4<double>(s, z);
            acc += z[0] + z[1] + z[2] + z[3];
          }
          acc += uniform_open01<double>(s.next4().x);
        }
        sink[c] = acc;
      }
    }
    benchmark::DoNotOptimize(sink.data());
  }
  state.counters["chain_steps/s"] = benchmark::Counter(double(chains) * steps * state.iterations(),
                                                       benchmark::Counter::kIsRate);
  state.SetLabel("RNG floor, dim " + std::to_string(dim));
}

/// Memory bandwidth of a parallel copy: with the bytes a step moves (position, gradient,
/// proposal, its gradient: 6 vectors of dim read or written), gives the memory-bound floor.
void copy_bandwidth(benchmark::State& state) {
  const std::size_t n = std::size_t(1) << 25;
  std::vector<double> a(n, 1.0), b(n);
  for (auto _ : state) {
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) b[i] = a[i];
    benchmark::DoNotOptimize(b.data());
  }
  state.counters["bytes/s"] = benchmark::Counter(2.0 * n * sizeof(double) * state.iterations(),
                                                 benchmark::Counter::kIsRate);
}

/// The CUDA engine's floors (kernels/hardware_floors.cu): the same draws in a kernel, and copy bandwidth.
template <class T>
void cuda_rng_floor_bench(benchmark::State& state) {
  const std::size_t chains = static_cast<std::size_t>(state.range(0)), dim = static_cast<std::size_t>(state.range(1));
  const std::size_t steps = 20;
  try {
    for (auto _ : state) state.SetIterationTime(double(chains) * steps / cuda_rng_floor<T>(chains, dim, steps));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters["chain_steps/s"] = benchmark::Counter(double(chains) * steps * state.iterations(),
                                                       benchmark::Counter::kIsRate);
  state.SetLabel(std::string("CUDA RNG floor, ") + (sizeof(T) == 4 ? "float" : "double") + ", dim " + std::to_string(dim));
}

void cuda_copy_bandwidth_bench(benchmark::State& state) {
  double bytes_per_s = 0;
  try {
    for (auto _ : state) {
      bytes_per_s = cuda_copy_bandwidth();
      state.SetIterationTime(1.0);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters["bytes/s"] = bytes_per_s;
}

}  // namespace

#define CHAIN_BENCH(name, T, spec, device, lo, hi)                                                   \
  static void name(benchmark::State& s) { run_steps<T>(s, spec, device); }                           \
  BENCHMARK(name)->RangeMultiplier(4)->Range(lo, hi)->Unit(benchmark::kMillisecond)->UseRealTime()

CHAIN_BENCH(cpu_gaussian_d10, double, "gaussian:dim=10", device_choice::cpu, 64, 4096);
CHAIN_BENCH(cpu_gaussian_d100, double, "gaussian:dim=100", device_choice::cpu, 64, 4096);
CHAIN_BENCH(cpu_gaussian_d1000, double, "gaussian:dim=1000", device_choice::cpu, 64, 1024);
CHAIN_BENCH(cpu_gaussian_rho_d100, double, "gaussian:dim=100,rho=0.9", device_choice::cpu, 64, 4096);
CHAIN_BENCH(cpu_funnel_d10, double, "funnel:dim=10", device_choice::cpu, 64, 4096);
CHAIN_BENCH(cpu_oring, double, "oring", device_choice::cpu, 64, 4096);
CHAIN_BENCH(cpu_gaussian_d100_float, float, "gaussian:dim=100", device_choice::cpu, 64, 4096);
CHAIN_BENCH(cpu_gaussian_d10_float, float, "gaussian:dim=10", device_choice::cpu, 64, 4096);
static void cpu_logistic_n1e5_d100(benchmark::State& s) { run_steps<double>(s, "logistic-synthetic", device_choice::cpu, 2); }
BENCHMARK(cpu_logistic_n1e5_d100)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
static void cuda_logistic_n1e5_d100(benchmark::State& s) { run_steps<float>(s, "logistic-synthetic", device_choice::cuda, 20); }
BENCHMARK(cuda_logistic_n1e5_d100)->Arg(1024)->Arg(4096)->Arg(16384)->Unit(benchmark::kMillisecond)->UseRealTime();
CHAIN_BENCH(cuda_gaussian_d100_float, float, "gaussian:dim=100", device_choice::cuda, 1024, 65536);
CHAIN_BENCH(cuda_gaussian_d100, double, "gaussian:dim=100", device_choice::cuda, 1024, 65536);
CHAIN_BENCH(cuda_oring, double, "oring", device_choice::cuda, 1024, 65536);
// Either side of the local_chain<32> kernel's limit: 32 dimensions step in thread-local copies
// (ptxas: local memory), 33 in the dimension-major global arrays. Per dimension, the two rates
// say whether the local copies pay for themselves.
CHAIN_BENCH(cuda_gaussian_d32_float, float, "gaussian:dim=32", device_choice::cuda, 4096, 65536);
CHAIN_BENCH(cuda_gaussian_d33_float, float, "gaussian:dim=33", device_choice::cuda, 4096, 65536);
// The dense metric's step (a d x d triangular product a chain a step) beside the diagonal one.
static void cpu_gaussian_d100_dense(benchmark::State& s) {
  run_steps<double>(s, "gaussian:dim=100", device_choice::cpu, 20, true);
}
BENCHMARK(cpu_gaussian_d100_dense)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();
static void cuda_gaussian_d100_dense(benchmark::State& s) {
  run_steps<double>(s, "gaussian:dim=100", device_choice::cuda, 20, true);
}
static void cuda_gaussian_d100_dense_float(benchmark::State& s) {
  run_steps<float>(s, "gaussian:dim=100", device_choice::cuda, 20, true);
}
BENCHMARK(cuda_gaussian_d100_dense)->Arg(4096)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_gaussian_d100_dense_float)->Arg(4096)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();
static void cuda_warmup_queued_d10(benchmark::State& s) {
  run_warmup<double>(s, "gaussian:dim=10", device_choice::cuda, false);
}
static void cuda_warmup_host_loop_d10(benchmark::State& s) {
  run_warmup<double>(s, "gaussian:dim=10", device_choice::cuda, true);
}
BENCHMARK(cuda_warmup_queued_d10)->Arg(1024)->Arg(16384)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_warmup_host_loop_d10)->Arg(1024)->Arg(16384)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(rng_floor)->Args({4096, 10})->Args({4096, 100})->Args({1024, 1000})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(copy_bandwidth)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_rng_floor_bench<float>)->Args({65536, 100})->Args({16384, 100})->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(cuda_rng_floor_bench<double>)->Args({65536, 100})->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(cuda_copy_bandwidth_bench)->Iterations(3)->UseManualTime();

BENCHMARK_MAIN();
