/// \file dual.hpp
/// Forward-mode automatic differentiation with vector tangents: `dual<T, N>` carries a value and N
/// partial derivatives, so one evaluation of a log-density written with `dual` gives N components
/// of its gradient (cost ∝ N per operation). Everything is MC_HD and needs no standard library
/// under NVRTC, so the same model source compiles for the host (g++), nvcc and NVRTC.
/// Models with more parameters than N are differentiated in chunks of N (see model/evaluate.hpp).
#pragma once

#include "manychains/config.hpp"
#include "manychains/ad/scalar_math.hpp"

namespace manychains::ad {

// The C library's functions join the dual overloads, so that model code (and the helpers in
// functions.hpp) call log(x) alike for x a double, a float or a dual.
using ::atan;
using ::cos;
using ::exp;
using ::expm1;
using ::fabs;
using ::lgamma;
using ::log;
using ::log1p;
using ::pow;
using ::sin;
using ::sqrt;
using ::tanh;

template <class T, int N>
struct dual {
  T v;     ///< the value
  T d[N];  ///< the partial derivatives with respect to the N seeded inputs

  MC_HD_INLINE dual() : v(0) {
    for (int i = 0; i < N; ++i) d[i] = 0;
  }
  MC_HD_INLINE dual(T value) : v(value) {  // NOLINT: constants mix freely with duals
    for (int i = 0; i < N; ++i) d[i] = 0;
  }
  /// A dual scaled from `a`'s tangent: value `value`, tangent `scale · a.d` (the chain rule).
  MC_HD_INLINE static dual chain(T value, T scale, const dual& a) {
    dual r(value, 0);
    for (int i = 0; i < N; ++i) r.d[i] = scale * a.d[i];
    return r;
  }
  MC_HD_INLINE dual(T value, int) : v(value) {}  // tangent left for the caller to fill

  MC_HD_INLINE dual& operator+=(const dual& b) {
    v += b.v;
    for (int i = 0; i < N; ++i) d[i] += b.d[i];
    return *this;
  }
  MC_HD_INLINE dual& operator-=(const dual& b) {
    v -= b.v;
    for (int i = 0; i < N; ++i) d[i] -= b.d[i];
    return *this;
  }
  MC_HD_INLINE dual& operator*=(const dual& b) { return *this = *this * b; }
  MC_HD_INLINE dual& operator/=(const dual& b) { return *this = *this / b; }
  MC_HD_INLINE dual& operator+=(T b) { v += b; return *this; }
  MC_HD_INLINE dual& operator-=(T b) { v -= b; return *this; }
  MC_HD_INLINE dual& operator*=(T b) {
    v *= b;
    for (int i = 0; i < N; ++i) d[i] *= b;
    return *this;
  }
  MC_HD_INLINE dual& operator/=(T b) { return *this *= T(1) / b; }

  friend MC_HD_INLINE dual operator-(const dual& a) { return chain(-a.v, T(-1), a); }
  friend MC_HD_INLINE dual operator+(const dual& a) { return a; }
  friend MC_HD_INLINE dual operator+(dual a, const dual& b) { return a += b; }
  friend MC_HD_INLINE dual operator-(dual a, const dual& b) { return a -= b; }
  friend MC_HD_INLINE dual operator+(dual a, T b) { return a += b; }
  friend MC_HD_INLINE dual operator+(T a, dual b) { return b += a; }
  friend MC_HD_INLINE dual operator-(dual a, T b) { return a -= b; }
  friend MC_HD_INLINE dual operator-(T a, const dual& b) { return chain(a - b.v, T(-1), b); }
  friend MC_HD_INLINE dual operator*(const dual& a, const dual& b) {
    dual r(a.v * b.v, 0);
    for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b.v + a.v * b.d[i];
    return r;
  }
  friend MC_HD_INLINE dual operator*(dual a, T b) { return a *= b; }
  friend MC_HD_INLINE dual operator*(T a, dual b) { return b *= a; }
  friend MC_HD_INLINE dual operator/(const dual& a, const dual& b) {
    const T inv = T(1) / b.v, q = a.v * inv;
    dual r(q, 0);
    for (int i = 0; i < N; ++i) r.d[i] = (a.d[i] - q * b.d[i]) * inv;
    return r;
  }
  friend MC_HD_INLINE dual operator/(dual a, T b) { return a *= T(1) / b; }
  friend MC_HD_INLINE dual operator/(T a, const dual& b) {
    const T inv = T(1) / b.v;
    return chain(a * inv, -a * inv * inv, b);
  }

  // Comparisons look at values only (branches in a model choose a piece; each piece is smooth).
  friend MC_HD_INLINE bool operator<(const dual& a, const dual& b) { return a.v < b.v; }
  friend MC_HD_INLINE bool operator>(const dual& a, const dual& b) { return a.v > b.v; }
  friend MC_HD_INLINE bool operator<=(const dual& a, const dual& b) { return a.v <= b.v; }
  friend MC_HD_INLINE bool operator>=(const dual& a, const dual& b) { return a.v >= b.v; }
  friend MC_HD_INLINE bool operator==(const dual& a, const dual& b) { return a.v == b.v; }
  friend MC_HD_INLINE bool operator!=(const dual& a, const dual& b) { return a.v != b.v; }
  friend MC_HD_INLINE bool operator<(const dual& a, T b) { return a.v < b; }
  friend MC_HD_INLINE bool operator>(const dual& a, T b) { return a.v > b; }
  friend MC_HD_INLINE bool operator<=(const dual& a, T b) { return a.v <= b; }
  friend MC_HD_INLINE bool operator>=(const dual& a, T b) { return a.v >= b; }
  friend MC_HD_INLINE bool operator<(T a, const dual& b) { return a < b.v; }
  friend MC_HD_INLINE bool operator>(T a, const dual& b) { return a > b.v; }
  friend MC_HD_INLINE bool operator<=(T a, const dual& b) { return a <= b.v; }
  friend MC_HD_INLINE bool operator>=(T a, const dual& b) { return a >= b.v; }
};

/// The value of a scalar or a dual (for branches and for reporting).
template <class T>
MC_HD_INLINE T value_of(T x) { return x; }
template <class T, int N>
MC_HD_INLINE T value_of(const dual<T, N>& x) { return x.v; }

/// The scalar type underneath: T for T and for dual<T, N>.
template <class S>
struct scalar_of { using type = S; };
template <class T, int N>
struct scalar_of<dual<T, N>> { using type = T; };

// Elementary functions: value f(a), tangent f'(a) · a.d.
template <class T, int N>
MC_HD_INLINE dual<T, N> exp(const dual<T, N>& a) { const T e = detail::exp(a.v); return dual<T, N>::chain(e, e, a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> log(const dual<T, N>& a) { return dual<T, N>::chain(detail::log(a.v), T(1) / a.v, a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> log1p(const dual<T, N>& a) { return dual<T, N>::chain(detail::log1p(a.v), T(1) / (T(1) + a.v), a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> expm1(const dual<T, N>& a) { return dual<T, N>::chain(detail::expm1(a.v), detail::exp(a.v), a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> sqrt(const dual<T, N>& a) { const T s = detail::sqrt(a.v); return dual<T, N>::chain(s, T(0.5) / s, a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> sin(const dual<T, N>& a) { return dual<T, N>::chain(detail::sin(a.v), detail::cos(a.v), a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> cos(const dual<T, N>& a) { return dual<T, N>::chain(detail::cos(a.v), -detail::sin(a.v), a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> tanh(const dual<T, N>& a) { const T t = detail::tanh(a.v); return dual<T, N>::chain(t, T(1) - t * t, a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> atan(const dual<T, N>& a) { return dual<T, N>::chain(detail::atan(a.v), T(1) / (T(1) + a.v * a.v), a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> fabs(const dual<T, N>& a) { return a.v < T(0) ? -a : a; }
template <class T, int N>
MC_HD_INLINE dual<T, N> abs(const dual<T, N>& a) { return fabs(a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> lgamma(const dual<T, N>& a) { return dual<T, N>::chain(detail::lgamma(a.v), digamma(a.v), a); }
template <class T, int N>
MC_HD_INLINE dual<T, N> pow(const dual<T, N>& a, T b) {
  const T p = detail::pow(a.v, b);
  return dual<T, N>::chain(p, b == T(0) ? T(0) : b * detail::pow(a.v, b - T(1)), a);
}
template <class T, int N>
MC_HD_INLINE dual<T, N> pow(const dual<T, N>& a, const dual<T, N>& b) {  // a > 0
  return exp(b * log(a));
}
template <class T, int N>
MC_HD_INLINE dual<T, N> pow(T a, const dual<T, N>& b) {
  const T p = detail::pow(a, b.v);
  return dual<T, N>::chain(p, p * detail::log(a), b);
}
template <class T, int N>
MC_HD_INLINE bool isfinite(const dual<T, N>& a) { return detail::isfinite(a.v); }
template <class T, int N>
MC_HD_INLINE bool isnan(const dual<T, N>& a) { return !(a.v == a.v); }

}  // namespace manychains::ad
