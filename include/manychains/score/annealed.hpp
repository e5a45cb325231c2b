/// \file annealed.hpp
/// Score-only Langevin: ULA driven by a score s(x, σ) = ∇log p_σ(x) alone (no V), and annealed
/// Langevin dynamics (Song & Ermon 2019) through a geometric sequence of noise levels.
///
/// One step, in langevin.hpp's convention (step h): x ← x + (h²/2) s(x, σ) + h z, z ~ N(0, I),
/// the normals four per Philox block exactly as the ULA of langevin.hpp draws them, so a chain's
/// stream position depends only on its step count. Song & Ermon write the step as α = h²; level i
/// uses α_i = ε σ_i² / σ_L². A target is any type with `MC_HD void score(const T* x, T sigma,
/// T* out) const`; σ = 0 is the noise-free score (what plain ULA uses).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "manychains/config.hpp"
#include "manychains/langevin.hpp"
#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"

namespace manychains {

/// Geometric noise levels σ_1 = sigma_max > … > σ_L = sigma_min, and the base step ε.
template <class T>
struct annealed_schedule {
  T sigma_max, sigma_min;
  std::size_t levels;           ///< L ≥ 1 (L = 1 runs at sigma_min only)
  std::size_t steps_per_level;  ///< T
  T epsilon;                    ///< α_L, the step (h²) at the last level

  MC_HD_INLINE T sigma(std::size_t i) const {
    if (levels <= 1) return sigma_min;
    const T frac = T(i) / T(levels - 1);
    return sigma_max * pow(sigma_min / sigma_max, frac);
  }
  /// Langevin step h_i = sqrt(α_i), α_i = ε σ_i² / σ_L².
  MC_HD_INLINE T step(std::size_t i) const {
    const T s = sigma(i) / sigma_min;
    return sqrt(epsilon) * s;
  }
};

/// One score-only ULA step at noise level sigma; `g` is the chain's d-vector scratch for the score.
/// Returns false (x unchanged) if the score is not finite.
template <class T, class X, class Target, class Stream>
MC_HD_INLINE bool score_langevin_step(X x, T* g, std::size_t dim, T h, T sigma, const Target& target,
                                      Stream& rng) {
  target.score(&x[0], sigma, g);
  for (std::size_t i = 0; i < dim; ++i)
    if (!(g[i] - g[i] == T(0))) return false;  // NaN or ±inf
  const T half_h2 = T(0.5) * h * h;
  for (std::size_t i = 0; i < dim; ++i) g[i] *= half_h2;
  add_langevin_noise(g, dim, h, rng);  // g ← (h²/2) s + h z, same draws as langevin.hpp's ULA
  for (std::size_t i = 0; i < dim; ++i) x[i] += g[i];
  return true;
}

/// Runs levels [first, last) of the schedule on one chain; returns the number of rejected
/// (non-finite score) steps. The CPU engine loops it over chains, the CUDA kernel calls it per
/// thread.
template <class T, class Target, class Stream>
MC_HD_INLINE std::uint64_t annealed_levels(T* x, T* g, std::size_t dim, const annealed_schedule<T>& sched,
                                           std::size_t first, std::size_t last, const Target& target,
                                           Stream& rng) {
  std::uint64_t bad = 0;
  for (std::size_t i = first; i < last; ++i) {
    const T sigma = sched.sigma(i), h = sched.step(i);
    for (std::size_t t = 0; t < sched.steps_per_level; ++t)
      if (!score_langevin_step(x, g, dim, h, sigma, target, rng)) ++bad;
  }
  return bad;
}

/// Plain score-only ULA: n steps of size h at σ = 0.
template <class T, class Target, class Stream>
MC_HD_INLINE std::uint64_t score_ula(T* x, T* g, std::size_t dim, T h, std::size_t n_steps,
                                     const Target& target, Stream& rng) {
  std::uint64_t bad = 0;
  for (std::size_t t = 0; t < n_steps; ++t)
    if (!score_langevin_step(x, g, dim, h, T(0), target, rng)) ++bad;
  return bad;
}

}  // namespace manychains
