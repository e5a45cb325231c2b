/// \file unit_math.hpp
/// The two transcendental functions behind every normal draw, log(u) and (sin, cos)(2πu) (and
/// log1p, for softplus), written
/// out as branch-free polynomials on the host so that a loop over many draws vectorises (glibc's
/// scalar log/sin/cos do not), and as CUDA's own accurate functions on the device.
///
/// Host accuracy, measured against long double over 2·10⁷ uniforms (tests/unit_math_test.cpp):
/// about 1 ulp in double and in float. The code uses only +, −, ×, ÷ and bit operations, each
/// correctly rounded, so a scalar call and a vectorised loop give the same bits on any x86-64.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "manychains/config.hpp"

namespace manychains {
namespace detail {

template <class T>
struct float_layout;
template <>
struct float_layout<double> {
  using bits = std::uint64_t;
  static constexpr int width = 64, mantissa = 52, bias = 1023;
  static constexpr bits sqrt_half = 0x3FE6A09E667F3BCDull;  // the bits of sqrt(1/2)
};
template <>
struct float_layout<float> {
  using bits = std::uint32_t;
  static constexpr int width = 32, mantissa = 23, bias = 127;
  static constexpr bits sqrt_half = 0x3F3504F3u;
};

template <class T>
inline typename float_layout<T>::bits bits_of(T v) {
  typename float_layout<T>::bits b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}
template <class T>
inline T from_bits(typename float_layout<T>::bits b) {
  T v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

/// 2^mantissa: adding 1.5 times it rounds to an integer, and or-ing small integers into its bits
/// converts them to T exactly (int-to-float conversions do not vectorise everywhere).
template <class T>
inline T two_to_mantissa() {
  using L = float_layout<T>;
  return from_bits<T>(typename L::bits(L::mantissa + L::bias) << L::mantissa);
}

/// log of a positive normal number: v = m·2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s),
/// s = (m − 1)/(m + 1), |s| ≤ 0.172, summed as an odd series in s.
template <class T>
inline T host_log(T v) {
  using L = float_layout<T>;
  using U = typename L::bits;
  const U ix = bits_of(v);
  const U shifted = ix - L::sqrt_half;  // its exponent field is e, as a signed field
  const U field_sign = U(1) << (L::width - L::mantissa - 1);
  const U biased_e = (shifted >> L::mantissa) ^ field_sign;  // e + field_sign, non-negative
  const T e = from_bits<T>(bits_of(two_to_mantissa<T>()) | biased_e) - (two_to_mantissa<T>() + T(field_sign));
  const T m = from_bits<T>(ix - (shifted & (~U(0) << L::mantissa)));
  const T f = m - T(1);
  const T s = f / (T(2) + f);
  const T z = s * s;
  T p;  // (atanh(s)/s − 1)/z = 1/3 + z/5 + z²/7 + …
  if (L::width == 64) {
    p = T(1.0 / 21);
    p = p * z + T(1.0 / 19);
    p = p * z + T(1.0 / 17);
    p = p * z + T(1.0 / 15);
    p = p * z + T(1.0 / 13);
    p = p * z + T(1.0 / 11);
    p = p * z + T(1.0 / 9);
    p = p * z + T(1.0 / 7);
    p = p * z + T(1.0 / 5);
    p = p * z + T(1.0 / 3);
  } else {
    p = T(1.0 / 9);
    p = p * z + T(1.0 / 7);
    p = p * z + T(1.0 / 5);
    p = p * z + T(1.0 / 3);
  }
  const T ln2_hi = T(0.6931471803691238), ln2_lo = T(1.9082149292705877e-10);  // ln2_hi·e is exact
  const T two_s = T(2) * s;
  return e * ln2_hi + (two_s * (z * p) + (e * ln2_lo + two_s));
}

/// sin and cos of 2πu for |u| < 2^20: 4u = q + r with q an integer and |r| ≤ 1/2, so the angle is
/// q quarter turns plus x = rπ/2, |x| ≤ π/4, where Taylor series converge fast.
template <class T>
inline void host_sincos_two_pi(T u, T* sin_out, T* cos_out) {
  using L = float_layout<T>;
  using U = typename L::bits;
  const T t = T(4) * u;
  const T round_magic = T(1.5) * two_to_mantissa<T>();
  const T rounded = t + round_magic;  // the low bits of `rounded` hold q
  const U q = bits_of(rounded);
  const T x = (t - (rounded - round_magic)) * T(1.5707963267948966);
  const T x2 = x * x;
  T ps, pc;  // (sin x − x)/x³ and (cos x − 1)/x²
  if (L::width == 64) {
    ps = T(1.0 / 355687428096000);  // 1/17!
    ps = ps * x2 - T(1.0 / 1307674368000);
    ps = ps * x2 + T(1.0 / 6227020800);
    ps = ps * x2 - T(1.0 / 39916800);
    ps = ps * x2 + T(1.0 / 362880);
    ps = ps * x2 - T(1.0 / 5040);
    ps = ps * x2 + T(1.0 / 120);
    ps = ps * x2 - T(1.0 / 6);
    pc = T(1.0 / 20922789888000);  // 1/16!
    pc = pc * x2 - T(1.0 / 87178291200);
    pc = pc * x2 + T(1.0 / 479001600);
    pc = pc * x2 - T(1.0 / 3628800);
    pc = pc * x2 + T(1.0 / 40320);
    pc = pc * x2 - T(1.0 / 720);
    pc = pc * x2 + T(1.0 / 24);
    pc = pc * x2 - T(0.5);
  } else {
    ps = T(1.0 / 362880);
    ps = ps * x2 - T(1.0 / 5040);
    ps = ps * x2 + T(1.0 / 120);
    ps = ps * x2 - T(1.0 / 6);
    pc = T(-1.0 / 3628800);
    pc = pc * x2 + T(1.0 / 40320);
    pc = pc * x2 - T(1.0 / 720);
    pc = pc * x2 + T(1.0 / 24);
    pc = pc * x2 - T(0.5);
  }
  const T sin_x = x + x * x2 * ps;
  const T cos_x = T(1) + x2 * pc;
  // Quarter turn q: (sin, cos) → (cos, −sin); so odd q swaps them, and bit 1 of q (of q + 1)
  // flips the sign of sin (of cos).
  const bool odd = (q & 1) != 0;
  const U sign = U(1) << (L::width - 1);
  *sin_out = from_bits<T>(bits_of(odd ? cos_x : sin_x) ^ ((q & 2) ? sign : U(0)));
  *cos_out = from_bits<T>(bits_of(odd ? sin_x : cos_x) ^ (((q + 1) & 2) ? sign : U(0)));
}

}  // namespace detail

/// Natural log of a positive number (used on uniforms in (0, 1)).
template <class T>
MC_HD_INLINE T unit_log(T v) {
#if MC_DEVICE_CODE
  return log(v);
#else
  return detail::host_log(v);
#endif
}

/// log(1 + t) for t ≥ 0 (−1 < t works too): on the host from the polynomial log with Goldberg's
/// correction t / ((1 + t) − 1), which keeps it to a few ulps for small t.
template <class T>
MC_HD_INLINE T unit_log1p(T t) {
#if MC_DEVICE_CODE
  return log1p(t);
#else
  const T u = T(1) + t;
  return u == T(1) ? t : detail::host_log(u) * (t / (u - T(1)));
#endif
}

/// sin(2πu) and cos(2πu), |u| < 2^20.
template <class T>
MC_HD_INLINE void sincos_two_pi(T u, T* sin_out, T* cos_out) {
#if MC_DEVICE_CODE
  if constexpr (sizeof(T) == sizeof(float))
    sincospif(T(2) * u, sin_out, cos_out);
  else
    sincospi(T(2) * u, sin_out, cos_out);
#else
  detail::host_sincos_two_pi(u, sin_out, cos_out);
#endif
}

}  // namespace manychains
