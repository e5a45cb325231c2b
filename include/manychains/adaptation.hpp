/// \file adaptation.hpp
/// Warm-up adaptation from all chains at once: dual averaging of the step size on the
/// acceptance probability pooled over chains (Hoffman & Gelman 2014, §3.2), and a diagonal
/// preconditioner from the cross-chain variance of the positions (the dense one: metric.hpp).
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

}  // namespace manychains
