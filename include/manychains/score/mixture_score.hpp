/// \file mixture_score.hpp
/// The score of a mixture, Σ_c r_c(x) g_c(x) with responsibilities r = softmax(l), l_c the
/// component's log weight plus log-density: one pass over the components with a running maximum
/// (online softmax), so no per-component arrays are needed on the device. Host-device.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"

namespace manychains {

/// `log_density(c)` returns l_c; `add_gradient(c, r, out)` adds r · ∇log N_c(x) to out.
template <class T, class LogDensity, class AddGradient>
MC_HD_INLINE void mixture_score(std::size_t k, std::size_t dim, T* out, LogDensity log_density,
                                AddGradient add_gradient) {
  T max_l = -INFINITY, norm = 0;
  for (std::size_t i = 0; i < dim; ++i) out[i] = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const T l = log_density(c);
    if (l > max_l) {  // rescale what was summed against the old maximum
      const T shrink = max_l == -INFINITY ? T(0) : exp(max_l - l);
      norm *= shrink;
      for (std::size_t i = 0; i < dim; ++i) out[i] *= shrink;
      max_l = l;
    }
    const T r = exp(l - max_l);
    norm += r;
    add_gradient(c, r, out);
  }
  for (std::size_t i = 0; i < dim; ++i) out[i] /= norm;
}

}  // namespace manychains
