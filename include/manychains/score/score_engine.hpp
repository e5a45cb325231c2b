/// \file score_engine.hpp
/// The interface both backends of score-only sampling implement: n chains whose positions and
/// Philox stream positions live on the backend, advanced level by level (annealed Langevin) or
/// step by step (score-only ULA) through the MC_HD functions of annealed.hpp. Chain c draws from
/// subsequence first_chain + c, so a seed gives the same chains on the CPU and the GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "manychains/score/annealed.hpp"

namespace manychains {

template <class T>
class score_engine {
 public:
  virtual ~score_engine() = default;
  virtual std::string device_name() const = 0;
  virtual std::size_t dim() const = 0;
  virtual std::size_t chains() const = 0;
  /// Sets the positions (chains × dim, row-major); every chain's stream restarts at block 0.
  virtual void initialize(const std::vector<T>& positions) = 0;
  /// Runs levels [first, last) of `schedule` on every chain; returns the steps refused because
  /// the score was not finite (the chain then stays where it was).
  virtual std::uint64_t run_levels(const annealed_schedule<T>& schedule, std::size_t first, std::size_t last) = 0;
  /// `steps` score-only ULA steps of size h at σ = 0; returns the refused steps.
  virtual std::uint64_t run_ula(T h, std::size_t steps) = 0;
  /// The positions now (chains × dim, row-major).
  virtual std::vector<T> positions() = 0;
};

}  // namespace manychains
