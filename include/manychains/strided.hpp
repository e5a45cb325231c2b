/// \file strided.hpp
/// Non-owning views of one chain's vector inside a larger array. The CUDA backend stores chains
/// dimension-major (`strided`, stride = chains), so neighbouring threads touch neighbouring
/// addresses; the CPU backend chain-major (`contiguous`), so a chain's loops vectorise. Step
/// functions and targets are written once over either view.
#pragma once

#include <cstddef>

#include "manychains/config.hpp"

namespace manychains {

template <class T>
struct strided {
  T* data;
  std::size_t stride;

  MC_HD_INLINE T& operator[](std::size_t j) const { return data[j * stride]; }
};

/// Stride 1 known at compile time. Converts to `strided`, so a target written for `strided`
/// alone still takes it.
template <class T>
struct contiguous {
  T* data;

  MC_HD_INLINE T& operator[](std::size_t j) const { return data[j]; }
  MC_HD_INLINE operator strided<T>() const { return {data, 1}; }
};

template <class T>
MC_HD_INLINE strided<const T> as_const(strided<T> v) {
  return strided<const T>{v.data, v.stride};
}
template <class T>
MC_HD_INLINE contiguous<const T> as_const(contiguous<T> v) {
  return contiguous<const T>{v.data};
}

}  // namespace manychains
