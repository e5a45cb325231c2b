/// \file adaptation.hpp
/// Warm-up adaptation from all chains at once: dual averaging of the step size on the
/// acceptance probability pooled over chains (Hoffman & Gelman 2014, §3.2), and a diagonal
/// preconditioner from the cross-chain variance of the positions (the dense one: metric.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "manychains/config.hpp"

namespace manychains {

/// Nesterov dual averaging of log ε toward a target acceptance δ, with Stan's constants.
class dual_averaging {
 public:
  MC_HD dual_averaging(double initial_step, double target_accept)
      : mu_(std::log(10.0 * initial_step)), delta_(target_accept), log_step_(std::log(initial_step)) {}

  /// Feeds one observed (pooled) acceptance probability; returns the next step size.
  MC_HD double update(double accept) {
    ++t_;
    const double w = 1.0 / (t_ + t0_);
    h_bar_ = (1.0 - w) * h_bar_ + w * (delta_ - accept);
    log_step_ = mu_ - std::sqrt(t_) / gamma_ * h_bar_;
    const double eta = std::pow(t_, -kappa_);
    log_step_bar_ = eta * log_step_ + (1.0 - eta) * log_step_bar_;
    return std::exp(log_step_);
  }
  MC_HD double step() const { return std::exp(log_step_); }
  /// The averaged iterate: the step size to sample with once adaptation ends.
  MC_HD double final_step() const { return t_ == 0 ? std::exp(log_step_) : std::exp(log_step_bar_); }

 private:
  double mu_, delta_, log_step_, log_step_bar_ = 0.0, h_bar_ = 0.0, t_ = 0.0;
  static constexpr double gamma_ = 0.05, t0_ = 10.0, kappa_ = 0.75;
};

/// Warm-up's step-size adaptation carried through a run of steps: after each step, the mean
/// acceptance over all chains updates the step of the next. Plain data, so that the CUDA engine
/// keeps it on the device and runs a window's steps without a round trip to the host.
struct step_adaptation {
  dual_averaging adapt;
  double step;                    ///< the step size of the next step
  bool adapt_step;                ///< false: the step stays as given (--step-size)
  double pooled_chains;           ///< the chains the mean acceptance is over (all processes')
  double accept_sum = 0;          ///< over the steps: the mean acceptance, summed
  std::uint64_t divergent = 0;    ///< over the steps and chains
  std::uint64_t steps_done = 0;

  /// One step's totals over all chains.
  MC_HD void observe(double accept_prob_total, std::uint64_t divergent_total) {
    const double mean_accept = accept_prob_total / pooled_chains;
    accept_sum += mean_accept;
    divergent += divergent_total;
    ++steps_done;
    if (adapt_step) step = adapt.update(mean_accept);
  }
};

}  // namespace manychains
