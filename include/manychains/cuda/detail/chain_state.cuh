// Chain state on the device, dimension-major (x[j * n + c]) so that neighbouring threads, which
// run neighbouring chains, touch neighbouring addresses.
#pragma once

#include <cstdint>
#include <vector>

#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/adaptation.hpp"
#include "manychains/langevin.hpp"

namespace manychains {

/// Thread blocks needed for n threads.
inline unsigned blocks_for(std::size_t n, unsigned threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

/// Threads per block for one thread per chain: 128, halved (down to one warp) while that leaves
/// multiprocessors idle, so that 1,024 chains run on 32 of an H200's 132 SMs rather than 8.
/// Which thread runs a chain never changes its stream, so results do not depend on this.
inline unsigned chain_block_threads(std::size_t n) {
  static const int sms = [] {
    int device = 0, count = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
      (void)cudaGetLastError();
      return 1;
    }
    return count;
  }();
  unsigned threads = 128;
  while (threads > 32 && blocks_for(n, threads) < static_cast<unsigned>(sms)) threads /= 2;
  return threads;
}

/// A step kernel's step size: the request's, or in warm-up the one adapted on the device (read
/// when the kernel starts, after the previous step's adaptation kernel wrote it).
template <class T>
struct step_source {
  T value;
  const step_adaptation* adapted = nullptr;
  __device__ T get() const { return adapted ? static_cast<T>(adapted->step) : value; }
};

/// Raw pointers to the state, passed to kernels by value.
template <class T>
struct device_state_ref {
  T *x, *grad, *proposal, *proposal_grad, *scratch, *logp, *forward_logq, *proposal_logp;
  std::uint64_t* blocks;
  double* accept_prob;
  std::uint64_t *accepted, *divergent;
  std::size_t n, dim;

  __device__ chain_slot<T> slot(std::size_t c) const {
    return chain_slot<T>{{x + c, n}, {grad + c, n}, {proposal + c, n}, {proposal_grad + c, n}, logp + c,
                         {scratch + c, n}};
  }
  /// Adds one step's outcome to the chain's per-segment totals.
  __device__ void tally(std::size_t c, const step_info<T>& info) const {
    accept_prob[c] += static_cast<double>(info.accept_prob);
    accepted[c] += info.accepted;
    divergent[c] += info.divergent;
  }
};

template <class T>
struct device_chain_state {
  std::size_t n = 0, dim = 0;
  device_buffer<T> x, grad, proposal, proposal_grad, scratch, logp, forward_logq, proposal_logp, scale, chol;
  device_buffer<std::uint64_t> blocks, accepted, divergent;
  device_buffer<double> accept_prob;

  void resize(std::size_t chains, std::size_t d) {
    n = chains;
    dim = d;
    for (auto* b : {&x, &grad, &proposal, &proposal_grad, &scratch}) b->resize(n * d);
    for (auto* b : {&logp, &forward_logq, &proposal_logp}) b->resize(n);
    scale.resize(d);
    for (auto* b : {&blocks, &accepted, &divergent}) b->resize(n);
    accept_prob.resize(n);
  }
  device_state_ref<T> ref() {
    return {x.data(),    grad.data(),          proposal.data(),    proposal_grad.data(), scratch.data(),
            logp.data(), forward_logq.data(),  proposal_logp.data(), blocks.data(),     accept_prob.data(),
            accepted.data(), divergent.data(), n, dim};
  }
  /// The preconditioner as uploaded by the last segment.
  preconditioner<T> pre() const { return {scale.data(), chol.size() ? chol.data() : nullptr};
  }
};

/// Chain-major host positions (c * dim + j) to dimension-major (j * n + c), and back.
template <class T>
std::vector<T> to_dimension_major(const std::vector<T>& chain_major, std::size_t n, std::size_t dim) {
  std::vector<T> out(chain_major.size());
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) out[j * n + c] = chain_major[c * dim + j];
  return out;
}
template <class T>
std::vector<T> to_chain_major(const std::vector<T>& dimension_major, std::size_t n, std::size_t dim) {
  std::vector<T> out(dimension_major.size());
  for (std::size_t c = 0; c < n; ++c)
    for (std::size_t j = 0; j < dim; ++j) out[c * dim + j] = dimension_major[j * n + c];
  return out;
}

}  // namespace manychains
