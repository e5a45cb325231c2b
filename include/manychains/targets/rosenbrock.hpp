/// \file rosenbrock.hpp
/// The Rosenbrock "banana" density of Goodman & Weare (2010), chained over d dimensions:
/// log π(x) = -Σ_{i<d-1} [a (x_{i+1} - x_i²)² + (1 - x_i)²] / b, with a = 100, b = 20.
#pragma once

#include <cstddef>

#include "manychains/config.hpp"
#include "manychains/strided.hpp"

namespace manychains {

template <class T>
struct rosenbrock_ref {
  std::size_t n;
  T a, b;

  MC_HD_INLINE std::size_t dim() const { return n; }

  template <class X, class G>
  MC_HD T logdensity_grad(X x, G grad) const {
    T v = 0;
    for (std::size_t i = 0; i < n; ++i) grad[i] = T(0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const T bend = x[i + 1] - x[i] * x[i];
      const T off = T(1) - x[i];
      v += a * bend * bend + off * off;
      grad[i] += (T(4) * a * bend * x[i] + T(2) * off) / b;
      grad[i + 1] -= T(2) * a * bend / b;
    }
    return -v / b;
  }
};

}  // namespace manychains
