/// \file logistic_cpu.hpp
/// Bayesian logistic regression evaluated for a block of chains at once with Eigen products:
/// η = X Bᵀ (rows × chains), log π = Σ_i [y_i η_i - log(1 + e^{η_i})] - |β|²/(2σ²),
/// ∇ = (y - logistic(η))ᵀ X - β/σ².
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "manychains/targets.hpp"

namespace manychains {

template <class T>
class logistic_cpu_batch {
 public:
  explicit logistic_cpu_batch(const logistic_target& target);
  std::size_t dim() const { return dim_; }
  /// positions and grad: chains × dim, chain-major; logp: chains. Not for concurrent calls.
  void evaluate(const T* positions, std::size_t chains, T* logp, T* grad) const;

 private:
  using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::size_t dim_;
  matrix design_;
  Eigen::Matrix<T, Eigen::Dynamic, 1> response_;
  T inv_prior_var_;
  mutable Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> eta_;  // rows × block, reused
};

}  // namespace manychains
