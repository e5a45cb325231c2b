/// \file mixture_arrays.hpp
/// What the mixture bindings (EM and VB) share: data as a matrix_view, parameters to and from
/// numpy arrays in scikit-learn's shapes.
#pragma once

#include "bindings.hpp"
#include "manychains/em.hpp"

namespace manychains::python {

using matrix = host_array<nb::ndim<2>>;

inline matrix_view view(const matrix& x) { return {x.data(), x.shape(0), x.shape(1)}; }

/// A flattened array (or list) as doubles; None gives an empty vector.
inline std::vector<double> flat(const nb::object& a) {
  if (a.is_none()) return {};
  return nb::cast<std::vector<double>>(a);
}

/// scikit-learn's shape of K components' covariances: full K×d×d, tied d×d, diag K×d, spherical K.
inline std::vector<std::size_t> covariance_shape(covariance_type type, std::size_t K, std::size_t d) {
  switch (type) {
    case covariance_type::full: return {K, d, d};
    case covariance_type::tied: return {d, d};
    case covariance_type::diag: return {K, d};
    case covariance_type::spherical: return {K};
  }
  return {};
}

/// weights, means, covariances and precisions_cholesky as numpy arrays.
inline nb::dict params_dict(gmm_params p) {
  const std::size_t K = std::size_t(p.components), d = std::size_t(p.dim);
  const auto shape = covariance_shape(p.type, K, d);
  nb::dict out;
  out["weights"] = to_numpy(std::move(p.weights), {K});
  out["means"] = to_numpy(std::move(p.means), {K, d});
  out["covariances"] = to_numpy(std::move(p.covariances), shape);
  out["precisions_cholesky"] = to_numpy(std::move(p.precisions_cholesky), shape);
  return out;
}

}  // namespace manychains::python
