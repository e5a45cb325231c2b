// The CUDA backend of the L-lag coupling estimator: one thread per pair runs run_lag_pair, the
// same host-device function the CPU backend calls, from the pair's start to its meeting (or
// max_steps) in a single launch. State is dimension-major (x[j * pairs + p]) so that
// neighbouring threads touch neighbouring addresses; each pair draws from its own philox_stream.
#include <chrono>
#include <string>
#include <vector>

#include "device_buffer.cuh"
#include "manychains/coupling/coupling_run.hpp"
#include "manychains/cuda_try.hpp"

namespace manychains {

std::string cuda_device_name();  // kernels/device_query.cu

namespace {

/// Device pointers of the pairs' state: 8 arrays of d × n values (x, grad, proposal,
/// proposal_grad of chains X and Y) and 2 × n log-densities.
template <class T>
struct pair_state_ref {
  T* values;
  T* logp;
  std::size_t n, dim;

  __device__ chain_slot<T> slot(std::size_t p, int chain) const {
    T* base = values + static_cast<std::size_t>(4 * chain) * dim * n + p;
    const std::size_t block = dim * n;
    return chain_slot<T>{{base, n}, {base + block, n}, {base + 2 * block, n}, {base + 3 * block, n},
                         logp + chain * n + p, {nullptr, 0}};  // the coupled kernels keep no scratch
  }
};

template <class T, class Ref>
__global__ void lag_pairs_kernel(Ref target, pair_state_ref<T> state, mh_kernel<T> kernel, start_box<T> box,
                                 std::uint64_t lag, std::uint64_t max_steps, std::uint64_t seed,
                                 std::uint64_t first_pair, pair_outcome* out) {
  const std::size_t p = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (p >= state.n) return;
  philox_stream rng{seed, first_pair + p, 0};
  out[p] = run_lag_pair(target, kernel, box, lag, max_steps, state.slot(p, 0), state.slot(p, 1), rng);
}

template <class T>
struct cuda_pairs_runner {
  const coupling_settings& s;
  std::vector<pair_outcome>& out;

  template <class Target>
  void operator()(const Target& target) const {
    device_buffer<T> params;
    params.upload(std::vector<T>(target.params.begin(), target.params.end()));
    run(target.template ref<T>(params.data()));
  }
  void operator()(const logistic_target&) const {}  // refused by resolve_coupling_settings

  template <class Ref>
  void run(const Ref& ref) const {
    const std::size_t n = s.pairs, d = s.scale.size();
    device_buffer<T> scale, center, radius, values(8 * d * n), logp(2 * n);
    scale.upload(std::vector<T>(s.scale.begin(), s.scale.end()));
    center.upload(std::vector<T>(s.init_center.begin(), s.init_center.end()));
    radius.upload(std::vector<T>(s.init_radius.begin(), s.init_radius.end()));
    device_buffer<pair_outcome> outcomes(n);
    const mh_kernel<T> kernel{s.sampler, d, static_cast<T>(s.step_size), scale.data()};
    const start_box<T> box{center.data(), radius.data()};
    const unsigned threads = 128;
    const unsigned blocks = static_cast<unsigned>((n + threads - 1) / threads);
    lag_pairs_kernel<T, Ref><<<blocks, threads>>>(ref, pair_state_ref<T>{values.data(), logp.data(), n, d}, kernel,
                                                  box, s.lag, s.max_steps, s.seed, s.first_pair, outcomes.data());
    MC_CUDA_TRY(cudaGetLastError());
    MC_CUDA_TRY(cudaDeviceSynchronize());
    out = outcomes.download();
  }
};

}  // namespace

template <class T>
coupling_result run_coupling_cuda(const any_target& target, const coupling_settings& settings) {
  std::string reason;
  if (!cuda_usable(&reason)) throw device_unavailable("--device cuda: " + reason);
  const coupling_settings s = resolve_coupling_settings(settings, target);
  const auto start = std::chrono::steady_clock::now();
  std::vector<pair_outcome> outcomes(s.pairs);
  std::visit(cuda_pairs_runner<T>{s, outcomes}, target);
  coupling_result r = collect_outcomes(outcomes, s, info_of(target).spec);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.device = cuda_device_name();
  return r;
}

template coupling_result run_coupling_cuda<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cuda<double>(const any_target&, const coupling_settings&);

}  // namespace manychains
