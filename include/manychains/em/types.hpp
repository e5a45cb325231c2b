/// \file types.hpp
/// The shapes of a Gaussian mixture's parameters and the trivially copyable view of them that the
/// per-point EM functions (host and device) read.
#pragma once

#include "manychains/config.hpp"

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
