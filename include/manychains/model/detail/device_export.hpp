/// \file device_export.hpp
/// The device side of a model file, as NVRTC compiles it: `declare` compiles to nothing (the
/// host's shared object lays out parameters and binds data), and MANYCHAINS_MODEL emits one
/// kernel, `mc_model_logdensity_grad`, that evaluates log π and its gradient on the unconstrained
/// scale at n points, one thread each: the same constrain + log_density + dual-number code as the
/// host (model/detail/host_export.hpp), with the tangents in chunks of 8.
#pragma once

#include "manychains/ad/dual.hpp"
#include "manychains/model/constraints.hpp"

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

/// One parameter block as the host lays it out (bound_model::params).
struct device_param {
  constraint c;
  int size, unconstrained_offset, constrained_offset;
};

/// Largest unconstrained and constrained dimensions served on the device (per-thread arrays).
inline constexpr int max_device_dim = 64;

template <class M, int N>
__device__ double device_logdensity_grad(const typename M::data& data, const device_param* params, int n_params,
                                         int dim, int constrained_dim, const double* x, double* g) {
  using D = ad::dual<double, N>;
  D xd[max_device_dim], yd[max_device_dim];
  double value = 0;
  for (int first = 0; first < dim; first += N) {
    for (int j = 0; j < dim; ++j) {
      xd[j] = D(x[j]);
      if (j >= first && j < first + N) xd[j].d[j - first] = 1;
    }
    D lp = 0;
    for (int p = 0; p < n_params; ++p)
      lp += constrain(params[p].c, xd + params[p].unconstrained_offset, params[p].size,
                      yd + params[p].constrained_offset);
    lp += M::log_density(static_cast<const D*>(yd), data);
    for (int k = 0; k < N && first + k < dim; ++k) g[first + k] = lp.d[k];
    value = lp.v;
  }
  (void)constrained_dim;
  return value;
}

}  // namespace detail
}  // namespace manychains::model

#define MANYCHAINS_MODEL_DEVICE_EXPORT(type)                                                                      \
  extern "C" __global__ void mc_model_logdensity_grad(const type::data* data,                                    \
                                                      const ::manychains::model::detail::device_param* params,   \
                                                      int n_params, int dim, int constrained_dim, const double* x, \
                                                      double* grad, double* lp, int n) {                          \
    const int i = blockIdx.x * blockDim.x + threadIdx.x;                                                          \
    if (i >= n || dim > ::manychains::model::detail::max_device_dim ||                                            \
        constrained_dim > ::manychains::model::detail::max_device_dim)                                            \
      return;                                                                                                     \
    lp[i] = ::manychains::model::detail::device_logdensity_grad<type, 8>(*data, params, n_params, dim,            \
                                                                          constrained_dim, x + i * dim,           \
                                                                          grad + i * dim);                        \
  }
