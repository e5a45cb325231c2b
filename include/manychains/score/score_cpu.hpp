/// \file score_cpu.hpp
/// CPU engine for score-only sampling: OpenMP over chains, each chain running the MC_HD functions
/// of annealed.hpp on its own Philox subsequence (first_chain + c, continuing from where its last
/// call stopped), so results do not depend on the thread count and match the CUDA kernel
/// (cuda/detail/score_kernel.cuh) one thread per chain.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "manychains/philox.hpp"
#include "manychains/score/annealed.hpp"
#include "manychains/score/score_engine.hpp"
#include "manychains/target_ref.hpp"

namespace manychains {

/// `Target`: a built-in score target (info, params, ref<T>) or a user's functor with
/// `score(const T* x, T sigma, T* out)` (its own ref; target_ref.hpp's binding).
template <class T, class Target>
class cpu_score_engine final : public score_engine<T> {
 public:
  cpu_score_engine(const Target& target, std::size_t dim, std::size_t n_chains, std::uint64_t seed,
                   std::uint64_t first_chain = 0)
      : bound_(target), dim_(dim), n_(n_chains), seed_(seed), first_chain_(first_chain), x_(n_chains * dim),
        blocks_(n_chains, 0) {}

  std::string device_name() const override { return "cpu"; }
  std::size_t dim() const override { return dim_; }
  std::size_t chains() const override { return n_; }
  void initialize(const std::vector<T>& positions) override {
    x_ = positions;
    blocks_.assign(n_, 0);
  }
  std::uint64_t run_levels(const annealed_schedule<T>& schedule, std::size_t first, std::size_t last) override {
    return each_chain([&](T* x, T* g, philox_stream& rng) {
      return annealed_levels(x, g, dim_, schedule, first, last, bound_.ref, rng);
    });
  }
  std::uint64_t run_ula(T h, std::size_t steps) override {
    return each_chain([&](T* x, T* g, philox_stream& rng) { return score_ula(x, g, dim_, h, steps, bound_.ref, rng); });
  }
  std::vector<T> positions() override { return x_; }

 private:
  template <class Step>
  std::uint64_t each_chain(Step step) {
    std::uint64_t bad = 0;
    const long long n = static_cast<long long>(n_);
#pragma omp parallel reduction(+ : bad)
    {
      std::vector<T> g(dim_);  // the score scratch, one per thread
#pragma omp for schedule(static)
      for (long long c = 0; c < n; ++c) {
        philox_stream rng{seed_, first_chain_ + std::uint64_t(c), blocks_[c]};
        bad += step(x_.data() + std::size_t(c) * dim_, g.data(), rng);
        blocks_[c] = rng.block;
      }
    }
    return bad;
  }

  host_bound_target<T, Target> bound_;
  std::size_t dim_, n_;
  std::uint64_t seed_, first_chain_;
  std::vector<T> x_;
  std::vector<std::uint64_t> blocks_;
};

/// Annealed Langevin on n chains from x (n×d row-major, overwritten with the last level's draws).
/// If `snapshots` is non-null it receives L×n×d: the state at the end of each level.
template <class T, class Target>
std::uint64_t annealed_cpu(const Target& target, std::size_t dim, std::size_t n_chains,
                           const annealed_schedule<T>& sched, std::uint64_t seed, T* x,
                           std::vector<T>* snapshots = nullptr, std::uint64_t first_chain = 0) {
  cpu_score_engine<T, Target> engine(target, dim, n_chains, seed, first_chain);
  engine.initialize(std::vector<T>(x, x + n_chains * dim));
  std::uint64_t bad = 0;
  if (snapshots) snapshots->clear();
  for (std::size_t i = 0; i < sched.levels; ++i) {
    bad += engine.run_levels(sched, i, i + 1);
    if (snapshots) {
      const std::vector<T> now = engine.positions();
      snapshots->insert(snapshots->end(), now.begin(), now.end());
    }
  }
  const std::vector<T> last = engine.positions();
  std::copy(last.begin(), last.end(), x);
  return bad;
}

/// Score-only ULA (no V): n_steps of size h on every chain, from x (overwritten).
template <class T, class Target>
std::uint64_t score_ula_cpu(const Target& target, std::size_t dim, std::size_t n_chains, T h,
                            std::size_t n_steps, std::uint64_t seed, T* x, std::uint64_t first_chain = 0) {
  cpu_score_engine<T, Target> engine(target, dim, n_chains, seed, first_chain);
  engine.initialize(std::vector<T>(x, x + n_chains * dim));
  const std::uint64_t bad = engine.run_ula(h, n_steps);
  const std::vector<T> last = engine.positions();
  std::copy(last.begin(), last.end(), x);
  return bad;
}

}  // namespace manychains
