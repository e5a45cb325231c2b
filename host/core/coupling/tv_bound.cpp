#include "manychains/coupling/tv_bound.hpp"

#include <algorithm>
#include <cmath>

#include "manychains/error.hpp"

namespace manychains {

tv_bound_curve tv_bound_from_meeting_times(const std::vector<std::uint64_t>& meeting_time,
                                           const std::vector<std::uint8_t>& met, std::size_t lag,
                                           std::uint64_t max_steps) {
  MC_EXPECTS(lag >= 1, "the lag must be at least 1");
  MC_EXPECTS(met.size() == meeting_time.size(), "one met flag per meeting time");
  MC_EXPECTS(!meeting_time.empty(), "the bound needs at least one pair");
  tv_bound_curve c;
  c.lag = lag;
  c.pairs = meeting_time.size();
  std::uint64_t tau_max = 0;
  std::vector<std::uint64_t> tau(meeting_time.size());
  for (std::size_t i = 0; i < tau.size(); ++i) {
    tau[i] = met[i] ? meeting_time[i] : max_steps + 1;
    c.unmet += !met[i];
    tau_max = std::max(tau_max, tau[i]);
  }
  // count[s] = #{τ = s}; survival S(s) = #{τ > s} for s = 0 … tau_max.
  std::vector<double> survival(tau_max + 1, 0.0);
  for (std::uint64_t t : tau)
    if (t > 0) survival[t - 1] += 1;  // counted below as "τ > s" for every s < τ
  for (std::uint64_t s = tau_max; s-- > 0;) survival[s] += survival[s + 1];
  const std::size_t length = tau_max > lag ? static_cast<std::size_t>(tau_max - lag) + 1 : 1;
  std::vector<double> f(length + lag, 0.0), g(length + lag, 0.0);
  const auto S = [&](std::uint64_t s) { return s <= tau_max ? survival[s] : 0.0; };
  for (std::size_t t = length; t-- > 0;) {
    const double s = S(t + lag);
    f[t] = s + f[t + lag];
    g[t] = g[t + lag] + 2 * f[t + lag] + s;
  }
  const double n = static_cast<double>(c.pairs);
  c.bound.resize(length);
  c.mcse.resize(length);
  for (std::size_t t = 0; t < length; ++t) {
    const double mean = f[t] / n;
    const double var = n > 1 ? std::max(0.0, (g[t] - n * mean * mean) / (n - 1)) : 0.0;
    c.bound[t] = mean;
    c.mcse[t] = std::sqrt(var / n);
  }
  return c;
}

std::optional<std::size_t> first_t_below(const tv_bound_curve& curve, double threshold, double z) {
  for (std::size_t t = 0; t < curve.bound.size(); ++t)
    if (curve.bound[t] + z * curve.mcse[t] < threshold) return t;
  return std::nullopt;
}

}  // namespace manychains
