/// \file adaptation.hpp
/// Warm-up adaptation from all chains at once: dual averaging of the step size on the
/// acceptance probability pooled over chains (Hoffman & Gelman 2014, §3.2), and a diagonal
/// preconditioner from the cross-chain variance of the positions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace manychains {

/// Nesterov dual averaging of log ε toward a target acceptance δ, with Stan's constants.
class dual_averaging {
 public:
  dual_averaging(double initial_step, double target_accept)
      : mu_(std::log(10.0 * initial_step)), delta_(target_accept), log_step_(std::log(initial_step)) {}

  /// Feeds one observed (pooled) acceptance probability; returns the next step size.
  double update(double accept) {
    ++t_;
    const double w = 1.0 / (t_ + t0_);
    h_bar_ = (1.0 - w) * h_bar_ + w * (delta_ - accept);
    log_step_ = mu_ - std::sqrt(t_) / gamma_ * h_bar_;
    const double eta = std::pow(t_, -kappa_);
    log_step_bar_ = eta * log_step_ + (1.0 - eta) * log_step_bar_;
    return std::exp(log_step_);
  }
  double step() const { return std::exp(log_step_); }
  /// The averaged iterate: the step size to sample with once adaptation ends.
  double final_step() const { return t_ == 0 ? std::exp(log_step_) : std::exp(log_step_bar_); }

 private:
  double mu_, delta_, log_step_, log_step_bar_ = 0.0, h_bar_ = 0.0, t_ = 0.0;
  static constexpr double gamma_ = 0.05, t0_ = 10.0, kappa_ = 0.75;
};

/// Sums over chains of x and x² per dimension: the partial statistic each block of chains
/// contributes; combining blocks is adding them.
struct cross_chain_moments {
  std::size_t count = 0;
  std::vector<double> sum, sum_sq;

  template <class T>
  static cross_chain_moments of(const std::vector<T>& positions, std::size_t dim) {
    cross_chain_moments m;
    m.count = positions.size() / dim;
    m.sum.assign(dim, 0.0);
    m.sum_sq.assign(dim, 0.0);
    for (std::size_t c = 0; c < m.count; ++c)
      for (std::size_t j = 0; j < dim; ++j) {
        const double v = positions[c * dim + j];
        m.sum[j] += v;
        m.sum_sq[j] += v * v;
      }
    return m;
  }

  /// Per-dimension standard deviation, shrunk toward 1e-3 like Stan's windowed estimate
  /// ((n/(n+5)) var + 1e-3 (5/(n+5))); keeps `fallback` where fewer than two chains exist.
  std::vector<double> regularized_sd(const std::vector<double>& fallback) const {
    if (count < 2) return fallback;
    std::vector<double> sd(sum.size());
    const double n = static_cast<double>(count);
    for (std::size_t j = 0; j < sum.size(); ++j) {
      const double mean = sum[j] / n;
      const double var = std::max(0.0, (sum_sq[j] - n * mean * mean) / (n - 1.0));
      sd[j] = std::sqrt((n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0)));
    }
    return sd;
  }
};

}  // namespace manychains
