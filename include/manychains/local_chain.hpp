/// \file local_chain.hpp
/// One chain's vectors copied into local arrays for a run of steps. In a fused multi-step CUDA
/// kernel they then live in the thread's local memory (L1-cached) instead of the dimension-major
/// global arrays, so a launch reads and writes the chain's global state once rather than every
/// step. The step code is the same `langevin_step`, over `contiguous` views of the local arrays.
#pragma once

#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/langevin.hpp"

namespace manychains {

/// Room for a chain of up to N dimensions.
template <class T, std::size_t N>
struct local_chain {
  T x[N], grad[N], proposal[N], proposal_grad[N], scratch[N];
  T logp;

  MC_HD_INLINE chain_slot<T, contiguous> slot() {
    return {{x}, {grad}, {proposal}, {proposal_grad}, &logp, {scratch}};
  }

  /// Position, gradient and log-density from a slot of any layout (dim ≤ N).
  template <template <class> class View>
  MC_HD_INLINE void load(const chain_slot<T, View>& from, std::size_t dim) {
    for (std::size_t j = 0; j < dim; ++j) {
      x[j] = from.x[j];
      grad[j] = from.grad[j];
    }
    logp = *from.logp;
  }

  /// Position, gradient and log-density back to the slot: all a later step needs.
  template <template <class> class View>
  MC_HD_INLINE void store(const chain_slot<T, View>& to, std::size_t dim) const {
    for (std::size_t j = 0; j < dim; ++j) {
      to.x[j] = x[j];
      to.grad[j] = grad[j];
    }
    *to.logp = logp;
  }
};

}  // namespace manychains
