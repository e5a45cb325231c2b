/// \file strided.hpp
/// A non-owning view of one chain's vector inside a larger array. The CPU backend stores chains
/// chain-major (stride 1); the CUDA backend dimension-major (stride = chains), so neighbouring
/// threads touch neighbouring addresses. Step functions and targets are written once over this view.
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

template <class T>
MC_HD_INLINE strided<const T> as_const(strided<T> v) {
  return strided<const T>{v.data, v.stride};
}

}  // namespace manychains
