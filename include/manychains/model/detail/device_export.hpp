/// \file device_export.hpp
/// The device side of a model file, as NVRTC compiles it: `declare` compiles to nothing (the
/// host's shared object lays out parameters and binds data), and MANYCHAINS_MODEL emits one
/// kernel per precision, `mc_model_logdensity_grad_double` and `_float`, that evaluates log π and
/// its gradient on the unconstrained scale at n points, one thread each: the same constrain +
/// log_density + dual-number code as the host (model/detail/host_export.hpp), with the tangents in
/// chunks of 8 (each tangent's arithmetic is the same whatever the chunk, so the gradient is too).
#pragma once

#include "manychains/ad/dual.hpp"
#include "manychains/model/constraints.hpp"
#include "manychains/model/detail/device_param.hpp"

namespace manychains::model {

/// Parameter start regions are the host's business; on the device they are accepted and ignored.
struct start_region {
  double center = 0, radius = 0;
};
inline start_region start(double center, double radius) { return {center, radius}; }

/// The declarations, compiled to nothing on the device.
template <class Data>
struct declaration {
  template <class... A>
  void data(A...) {}
  template <class... A>
  void param(A...) {}
  void start(double, double) {}
};

namespace detail {

template <class M, class T, int N>
__device__ T device_logdensity_grad(const typename M::data& data, const device_param* params, int n_params, int dim,
                                    const T* x, T* g, unsigned long long stride) {
  using D = ad::dual<T, N>;
  D xd[max_device_dim], yd[max_device_dim];
  T value = 0;
  for (int first = 0; first < dim; first += N) {
    for (int j = 0; j < dim; ++j) {
      xd[j] = D(x[j * stride]);
      if (j >= first && j < first + N) xd[j].d[j - first] = 1;
    }
    D lp = 0;
    for (int p = 0; p < n_params; ++p)
      lp += constrain(params[p].c, xd + params[p].unconstrained_offset, params[p].size,
                      yd + params[p].constrained_offset);
    lp += M::log_density(static_cast<const D*>(yd), data);
    for (int k = 0; k < N && first + k < dim; ++k) g[(first + k) * stride] = lp.d[k];
    value = lp.v;
  }
  return value;
}

}  // namespace detail
}  // namespace manychains::model

/// One kernel per precision. Point i's coordinates are x[j * n + i] (dimension-major, the CUDA
/// engine's layout), its gradient likewise; the CLI refuses models above max_device_dim.
#define MANYCHAINS_MODEL_DEVICE_KERNEL(type, T)                                                                   \
  extern "C" __global__ void mc_model_logdensity_grad_##T(                                                        \
      const type::data* data, const ::manychains::model::detail::device_param* params, int n_params, int dim,     \
      int constrained_dim, const T* x, T* grad, T* lp, unsigned long long n) {                                    \
    const unsigned long long i = blockIdx.x * static_cast<unsigned long long>(blockDim.x) + threadIdx.x;          \
    if (i >= n || dim > ::manychains::model::detail::max_device_dim ||                                            \
        constrained_dim > ::manychains::model::detail::max_device_dim)                                            \
      return;                                                                                                     \
    lp[i] = ::manychains::model::detail::device_logdensity_grad<type, T, 8>(*data, params, n_params, dim, x + i,  \
                                                                             grad + i, n);                        \
  }
#define MANYCHAINS_MODEL_DEVICE_EXPORT(type) \
  MANYCHAINS_MODEL_DEVICE_KERNEL(type, double) MANYCHAINS_MODEL_DEVICE_KERNEL(type, float)
