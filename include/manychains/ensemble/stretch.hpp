/// \file stretch.hpp
/// The affine-invariant stretch move of Goodman & Weare (2010), as host-device functions.
///
/// An ensemble of W walkers (W even) is split into two halves, walkers [0, W/2) and [W/2, W).
/// A step updates the first half in parallel against the second half's positions, then the second
/// half against the (updated) first half, as emcee's `StretchMove(randomize_split=False)` does.
/// Walker k proposes y = x_j + z (x_k - x_j) with x_j a walker drawn uniformly from the other half
/// and z drawn from g(z) ∝ 1/√z on [1/a, a]; it accepts with probability
/// min(1, z^(d-1) π(y) / π(x_k)). A proposal with a non-finite log-density is rejected.
///
/// Randomness: walker g (a global index over all ensembles, g = ensemble · W + k) reads exactly
/// one 4-word block of Philox subsequence g at step t, block t: word x gives z, word y the partner,
/// word z the accept test. A walker's moves therefore depend only on (seed, g, t), never on the
/// thread count, launch shape or backend.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "manychains/config.hpp"
#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/strided.hpp"

namespace manychains {

/// The random quantities of one walker's move at one step.
template <class T>
struct stretch_draw {
  T z;                  ///< stretch factor in [1/a, a]
  std::size_t partner;  ///< index within the other half, in [0, half)
  T log_u;              ///< log of the uniform for the accept test
};

/// z = ((a - 1) u + 1)² / a is the inverse CDF of g(z) ∝ 1/√z on [1/a, a].
template <class T>
MC_HD_INLINE T stretch_z(T u, T a) {
  const T r = (a - T(1)) * u + T(1);
  return r * r / a;
}

/// The draw of walker `walker` (global index) at step `step`, with `half` walkers to choose from.
template <class T>
MC_HD_INLINE stretch_draw<T> draw_stretch(std::uint64_t seed, std::uint64_t walker, std::uint64_t step,
                                          std::size_t half, T a) {
  using std::log;
  philox_stream stream{seed, walker, step};
  const words4 w = stream.next4();
  stretch_draw<T> d;
  d.z = stretch_z(uniform_open01<T>(w.x), a);
  d.partner = static_cast<std::size_t>((static_cast<std::uint64_t>(w.y) * half) >> 32);
  d.log_u = log(uniform_open01<T>(w.z));
  return d;
}

/// Proposes from `partner` with the draw's z, evaluates the target (its gradient goes to the
/// scratch `grad`), and moves x (and its cached log-density) on acceptance. Returns whether it moved.
template <class T, class Ref>
MC_HD bool stretch_move(const Ref& target, strided<T> x, T* logp, strided<const T> partner, strided<T> proposal,
                        strided<T> grad, std::size_t dim, const stretch_draw<T>& d) {
  using std::isfinite;
  using std::log;
  for (std::size_t j = 0; j < dim; ++j) proposal[j] = partner[j] + d.z * (x[j] - partner[j]);
  const T lp = target.logdensity_grad(as_const(proposal), grad);
  if (!isfinite(lp)) return false;
  const T log_ratio = T(dim - 1) * log(d.z) + lp - *logp;
  if (!(d.log_u < log_ratio)) return false;
  for (std::size_t j = 0; j < dim; ++j) x[j] = proposal[j];
  *logp = lp;
  return true;
}

/// Where walker g's coordinates lie: x[g · walker_stride + j · coord_stride]. The CPU stores
/// walkers walker-major (walker_stride = dim, coord_stride = 1), the GPU dimension-major
/// (walker_stride = 1, coord_stride = total walkers).
struct walker_layout {
  std::size_t walker_stride, coord_stride;

  template <class T>
  MC_HD_INLINE strided<T> at(T* base, std::size_t g) const {
    return strided<T>{base + g * walker_stride, coord_stride};
  }
};

/// One walker's update within its ensemble: `item` numbers the walkers of the half being updated
/// over all ensembles, item = ensemble · (W/2) + i, so one loop or one thread grid covers every
/// ensemble. `proposal` and `grad` are scratch arrays laid out like `x`. Returns whether it moved.
/// `first_walker`: the global index of walker 0 here (its stream), when these are some of a run's
/// ensembles.
template <class T, class Ref>
MC_HD bool stretch_update(const Ref& target, T* x, T* logp, T* proposal, T* grad, walker_layout layout,
                          std::size_t walkers, std::size_t dim, int half_index, std::size_t item, T a,
                          std::uint64_t seed, std::uint64_t step, std::uint64_t first_walker = 0) {
  const std::size_t half = walkers / 2;
  const std::size_t ensemble = item / half;
  const std::size_t base = ensemble * walkers;
  const std::size_t g = base + static_cast<std::size_t>(half_index) * half + item % half;
  const stretch_draw<T> d = draw_stretch<T>(seed, first_walker + g, step, half, a);
  const std::size_t partner = base + static_cast<std::size_t>(1 - half_index) * half + d.partner;
  return stretch_move(target, layout.at(x, g), logp + g, as_const(layout.at(x, partner)), layout.at(proposal, g),
                      layout.at(grad, g), dim, d);
}

}  // namespace manychains
