/// \file scalar_math.hpp
/// The scalar math the dual numbers are built on, spelled once for the host (the C library's
/// global functions, which <math.h> overloads for float in C++) and for NVRTC (CUDA's built-in
/// device functions, with no headers at all).
#pragma once

#include "manychains/config.hpp"

#if !defined(__CUDACC_RTC__)
#include <math.h>
#endif

namespace manychains::ad::detail {

template <class T> MC_HD_INLINE T exp(T x) { return ::exp(x); }
template <class T> MC_HD_INLINE T log(T x) { return ::log(x); }
template <class T> MC_HD_INLINE T log1p(T x) { return ::log1p(x); }
template <class T> MC_HD_INLINE T expm1(T x) { return ::expm1(x); }
template <class T> MC_HD_INLINE T sqrt(T x) { return ::sqrt(x); }
template <class T> MC_HD_INLINE T sin(T x) { return ::sin(x); }
template <class T> MC_HD_INLINE T cos(T x) { return ::cos(x); }
template <class T> MC_HD_INLINE T tanh(T x) { return ::tanh(x); }
template <class T> MC_HD_INLINE T atan(T x) { return ::atan(x); }
template <class T> MC_HD_INLINE T lgamma(T x) { return ::lgamma(x); }
template <class T> MC_HD_INLINE T pow(T x, T y) { return ::pow(x, y); }
template <class T> MC_HD_INLINE bool isfinite(T x) { return x - x == x - x; }  // false for inf and NaN

}  // namespace manychains::ad::detail

namespace manychains::ad {

/// ψ(x) = d/dx log Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the
/// asymptotic series to x^-10 (error about 2e-14 at x = 10; Abramowitz & Stegun 6.3.18).
template <class T>
MC_HD_INLINE T digamma(T x) {
  T shift = 0;
  while (x < T(10)) {
    shift -= T(1) / x;
    x += T(1);
  }
  const T r = T(1) / x, r2 = r * r;
  const T series = r2 * (T(1) / 12 - r2 * (T(1) / 120 - r2 * (T(1) / 252 - r2 * (T(1) / 240 - r2 * (T(1) / 132)))));
  return shift + detail::log(x) - T(0.5) * r - series;
}

}  // namespace manychains::ad
