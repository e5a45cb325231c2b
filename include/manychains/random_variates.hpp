/// \file random_variates.hpp
/// Turns raw 32-bit words into uniforms and normals with one definition for both backends.
/// (cuRAND's own `curand_normal` uses `__sincosf` on the device and `sinf` on the host, which
/// differ near 1e-6; ours use accurate functions on both sides: unit_math.hpp.)
#pragma once

#include <cmath>
#include <cstdint>

#include "manychains/config.hpp"
#include "manychains/philox.hpp"
#include "manychains/unit_math.hpp"

namespace manychains {

/// Uniform on the open interval (0, 1): a cell midpoint on a grid of 2^32 cells (double) or of
/// 2^23 cells (float, whose 24 bits hold every midpoint exactly). Exact, so never 0 or 1.
template <class T>
MC_HD_INLINE T uniform_open01(std::uint32_t word) {
  if constexpr (sizeof(T) == sizeof(float))
    return static_cast<T>(static_cast<std::int32_t>(((word >> 9) << 1) | 1u)) * T(5.9604644775390625e-08);  // 2^-24
  else
    return (static_cast<T>(word) + T(0.5)) * T(2.3283064365386963e-10);  // 2^-32
}

/// Two standard normals from two words by the Box-Muller transform.
template <class T>
MC_HD_INLINE void box_muller(std::uint32_t w0, std::uint32_t w1, T* z0, T* z1) {
  using std::sqrt;
  const T radius = sqrt(T(-2) * unit_log(uniform_open01<T>(w0)));
  T sin_angle, cos_angle;
  sincos_two_pi(uniform_open01<T>(w1), &sin_angle, &cos_angle);
  *z0 = radius * cos_angle;
  *z1 = radius * sin_angle;
}

/// Four standard normals from the next block of a stream.
template <class T, class Stream>
MC_HD_INLINE void normal4(Stream& stream, T out[4]) {
  const words4 w = stream.next4();
  box_muller<T>(w.x, w.y, &out[0], &out[1]);
  box_muller<T>(w.z, w.w, &out[2], &out[3]);
}

}  // namespace manychains
