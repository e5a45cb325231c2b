/// \file types.hpp
/// The shapes of a Gaussian mixture's parameters and the trivially copyable view of them that the
/// per-point EM functions (host and device) read.
#pragma once

#include "manychains/config.hpp"

/// Per-point EM functions are always inlined into their loops, so a loop compiled for a wider
/// instruction set (see host/em/cpu_backend.cpp) vectorises them with it.
#if defined(__CUDACC__)
#define MC_EM_HD __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#define MC_EM_HD __attribute__((always_inline)) inline
#else
#define MC_EM_HD inline
#endif

namespace manychains {

/// How the component covariances are parameterised (scikit-learn's `covariance_type`).
enum class covariance_type {
  full,       ///< one d×d matrix per component
  diag,       ///< one diagonal (d values) per component
  spherical,  ///< one variance per component (σ² I)
  tied,       ///< one d×d matrix shared by all components
};

/// Non-owning view of a mixture's parameters in precision-Cholesky form, as kernels read it.
///
/// `prec_chol` holds, for full: K upper-triangular d×d factors U (row-major, U[i*d+j] for j ≥ i)
/// with precision = U Uᵀ; tied: one such factor; diag: K×d values 1/σ_kj; spherical: K values 1/σ_k.
/// `log_det[k]` is the log-determinant of component k's factor (½ log det of its precision).
template <class T>
struct gmm_ref {
  int components;
  int dim;
  covariance_type type;
  const T* log_weights;  ///< K
  const T* means;        ///< K×d, row-major
  const T* prec_chol;    ///< see above
  const T* log_det;      ///< K
};

}  // namespace manychains
