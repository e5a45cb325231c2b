/// \file score_cpu.hpp
/// CPU engine for score-only sampling: every chain runs the MC_HD functions of annealed.hpp on
/// its own Philox subsequence (chain c uses subsequence first_chain + c, from block 0), so results
/// do not depend on the thread count and match a one-thread-per-chain kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "manychains/philox.hpp"
#include "manychains/score/annealed.hpp"

namespace manychains {

/// Annealed Langevin on n chains from x (n×d row-major, overwritten with the last level's draws).
/// If `snapshots` is non-null it receives L×n×d: the state at the end of each level.
template <class T, class Target>
std::uint64_t annealed_cpu(const Target& target, std::size_t dim, std::size_t n_chains,
                           const annealed_schedule<T>& sched, std::uint64_t seed, T* x,
                           std::vector<T>* snapshots = nullptr, std::uint64_t first_chain = 0) {
  std::uint64_t bad = 0;
  std::vector<T> g(dim);
  if (snapshots) snapshots->assign(sched.levels * n_chains * dim, T(0));
  for (std::size_t c = 0; c < n_chains; ++c) {
    philox_stream rng{seed, first_chain + c, 0};
    T* xc = x + c * dim;
    for (std::size_t i = 0; i < sched.levels; ++i) {
      bad += annealed_levels(xc, g.data(), dim, sched, i, i + 1, target, rng);
      if (snapshots)
        for (std::size_t j = 0; j < dim; ++j) (*snapshots)[(i * n_chains + c) * dim + j] = xc[j];
    }
  }
  return bad;
}

/// Score-only ULA (no V): n_steps of size h on every chain.
template <class T, class Target>
std::uint64_t score_ula_cpu(const Target& target, std::size_t dim, std::size_t n_chains, T h,
                            std::size_t n_steps, std::uint64_t seed, T* x, std::uint64_t first_chain = 0) {
  std::uint64_t bad = 0;
  std::vector<T> g(dim);
  for (std::size_t c = 0; c < n_chains; ++c) {
    philox_stream rng{seed, first_chain + c, 0};
    bad += score_ula(x + c * dim, g.data(), dim, h, n_steps, target, rng);
  }
  return bad;
}

}  // namespace manychains
