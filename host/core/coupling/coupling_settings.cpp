// Defaults and checks for coupling runs, and the collection of outcomes (both backends call these).
#include <cmath>
#include <string>
#include <utility>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/error.hpp"

namespace manychains {

double default_coupling_step_size(coupled_sampler sampler, std::size_t dim) {
  const double d = static_cast<double>(dim);
  return sampler == coupled_sampler::rwm ? 2.38 / std::sqrt(d) : std::pow(d, -0.25);
}

namespace {
void fill_vector(std::vector<double>& v, const std::vector<double>& fallback, std::size_t dim,
                 const std::string& option) {
  if (v.empty()) v = fallback;
  if (v.size() == 1 && dim > 1) v.assign(dim, v[0]);
  if (v.size() != dim)
    throw input_error(option + " has " + std::to_string(v.size()) + " values but the target has dimension " +
                      std::to_string(dim) + " (give one value, or one per dimension)");
  for (double x : v)
    if (!std::isfinite(x)) throw input_error(option + " must be finite");
}
}  // namespace

coupling_settings resolve_coupling_settings(coupling_settings s, const any_target& target) {
  if (std::holds_alternative<logistic_target>(target))
    throw input_error("converge needs a pointwise target; " + info_of(target).spec +
                      " is a batched data target (logistic), which the coupled kernels do not support");
  return resolve_coupling_settings(std::move(s), info_of(target));
}

coupling_settings resolve_coupling_settings(coupling_settings s, const target_info& info) {
  const std::size_t d = info.dim;
  MC_EXPECTS(d >= 1, "the target has no dimensions (target_info.dim is 0)");
  MC_EXPECTS(s.lag >= 1, "--lag must be at least 1");
  MC_EXPECTS(s.pairs >= 1, "--pairs must be at least 1");
  MC_EXPECTS(s.max_steps >= 1, "--max-steps must be at least 1");
  if (s.step_size == 0) s.step_size = default_coupling_step_size(s.sampler, d);
  MC_EXPECTS(std::isfinite(s.step_size) && s.step_size > 0, "--step-size must be a positive number");
  fill_vector(s.init_center, info.init_center, d, "--init-center");
  fill_vector(s.init_radius, info.init_radius, d, "--init-radius");
  for (double r : s.init_radius) MC_EXPECTS(r >= 0, "--init-radius must not be negative");
  std::vector<double> scale(d, 1.0);
  for (std::size_t j = 0; j < d; ++j)
    if (s.init_radius[j] > 0) scale[j] = 0.5 * s.init_radius[j];
  fill_vector(s.scale, scale, d, "the preconditioner (inverse_metric_sqrt)");
  for (double x : s.scale) MC_EXPECTS(x > 0, "the preconditioner (inverse_metric_sqrt) must be positive");
  if (!s.chol.empty()) {
    MC_EXPECTS(s.chol.size() == d * d, "the dense preconditioner (inverse_metric_factor) has " +
                                           std::to_string(s.chol.size()) + " values; the target's dimension " +
                                           std::to_string(d) + " needs " + std::to_string(d * d));
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j) {
        const double v = s.chol[i * d + j];
        MC_EXPECTS(std::isfinite(v), "the dense preconditioner (inverse_metric_factor) must be finite");
        MC_EXPECTS(j <= i || v == 0, "the dense preconditioner (inverse_metric_factor) must be lower-triangular");
        MC_EXPECTS(j != i || v > 0, "the dense preconditioner (inverse_metric_factor) needs a positive diagonal");
      }
  }
  return s;
}

coupling_result collect_outcomes(const std::vector<pair_outcome>& outcomes, const coupling_settings& s,
                                 const std::string& target_spec) {
  coupling_result r;
  r.meeting_time.resize(outcomes.size());
  r.met.resize(outcomes.size());
  r.x_accept_prob.resize(outcomes.size());
  double accept = 0;
  for (std::size_t p = 0; p < outcomes.size(); ++p) {
    const pair_outcome& o = outcomes[p];
    if (o.status == pair_status::bad_start)
      throw input_error("no finite log-density at 100 random starting points for pair " +
                        std::to_string(s.first_pair + p) + " of target " + target_spec +
                        "; give a start box with --init-center/--init-radius");
    r.meeting_time[p] = o.meeting_time;
    r.met[p] = o.status == pair_status::met;
    r.unmet += o.status != pair_status::met;
    r.x_steps += o.x_steps;
    const std::uint64_t lead = o.x_steps < s.lag ? o.x_steps : s.lag;
    r.chain_steps += lead + 2 * (o.x_steps - lead);
    r.divergent += o.divergent;
    accept += o.x_accept_prob;
    r.x_accept_prob[p] = o.x_accept_prob;
  }
  r.accept_rate = r.x_steps ? accept / static_cast<double>(r.x_steps) : 0.0;
  return r;
}

}  // namespace manychains
