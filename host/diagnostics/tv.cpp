// Histogram-based marginal total-variation estimates over a positions snapshot (diagnostics/tv.hpp).
#include "manychains/diagnostics/tv.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

/// TV of the positions' marginal j against reference masses `ref_mass` over bins split at `edges`
/// (sorted, B - 1 of them; bin b holds edges[b-1] < x <= edges[b]).
double binned_tv(const positions_view& p, std::size_t j, const std::vector<double>& edges,
                 const std::vector<double>& ref_mass) {
  std::vector<double> count(edges.size() + 1, 0.0);
  for (std::size_t c = 0; c < p.chains; ++c) {
    const double v = p.at(c, j);
    if (!std::isfinite(v)) throw input_error("TV estimate: parameter " + std::to_string(j) + " of chain " +
                                             std::to_string(c) + " is not finite");
    count[static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin())] += 1;
  }
  double tv = 0;
  for (std::size_t b = 0; b < count.size(); ++b) tv += std::fabs(count[b] / double(p.chains) - ref_mass[b]);
  return 0.5 * tv;
}

/// f(j) for every parameter j, over OpenMP threads; the first error is rethrown after the loop.
template <class F>
std::vector<double> per_parameter_in_parallel(std::size_t dim, const F& f) {
  std::vector<double> out(dim);
  std::vector<std::string> errors(dim);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t jj = 0; jj < static_cast<std::ptrdiff_t>(dim); ++jj) {
    const std::size_t j = static_cast<std::size_t>(jj);
    try {
      out[j] = f(j);
    } catch (const std::exception& ex) {
      errors[j] = ex.what();
    }
  }
  for (const auto& message : errors)
    if (!message.empty()) throw input_error(message);
  return out;
}

void summarise(tv_estimate& e) {
  if (e.per_parameter.empty()) return;
  e.max = *std::max_element(e.per_parameter.begin(), e.per_parameter.end());
  std::vector<double> s = e.per_parameter;
  std::sort(s.begin(), s.end());
  const std::size_t n = s.size();
  e.median = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

}  // namespace

std::size_t default_tv_bins(std::size_t n) { return std::min<std::size_t>(200, std::max<std::size_t>(4, n / 50)); }

double tv_noise_floor(std::size_t n, std::size_t m, std::size_t bins) {
  const double pi = 3.14159265358979323846;
  const double inv = 1.0 / double(n) + (m > 0 ? 1.0 / double(m) : 0.0);
  return std::sqrt(double(bins - 1) * inv / (2 * pi));
}

tv_estimate marginal_tv_exact(const positions_view& p, const std::function<double(std::size_t, double)>& quantile,
                              std::size_t bins) {
  MC_EXPECTS(p.chains > 0 && p.dim > 0, "TV estimate of an empty snapshot");
  tv_estimate e;
  e.bins = bins ? bins : default_tv_bins(p.chains);
  MC_EXPECTS(e.bins >= 2, "TV estimate needs at least 2 bins");
  const std::vector<double> mass(e.bins, 1.0 / double(e.bins));
  e.per_parameter = per_parameter_in_parallel(p.dim, [&](std::size_t j) {
    std::vector<double> edges(e.bins - 1);
    for (std::size_t b = 1; b < e.bins; ++b) edges[b - 1] = quantile(j, double(b) / double(e.bins));
    return binned_tv(p, j, edges, mass);
  });
  e.noise_floor = tv_noise_floor(p.chains, 0, e.bins);
  summarise(e);
  return e;
}

tv_estimate marginal_tv_sample(const positions_view& p, const positions_view& ref, std::size_t bins) {
  MC_EXPECTS(p.chains > 0 && p.dim > 0 && ref.chains > 1, "TV estimate of an empty snapshot or reference");
  MC_EXPECTS(p.dim == ref.dim, "TV estimate: the reference has " + std::to_string(ref.dim) + " parameters, the "
                                   "positions " + std::to_string(p.dim));
  tv_estimate e;
  e.bins = bins ? bins : default_tv_bins(std::min(p.chains, ref.chains));
  MC_EXPECTS(e.bins >= 2, "TV estimate needs at least 2 bins");
  e.per_parameter = per_parameter_in_parallel(p.dim, [&](std::size_t j) {
    std::vector<double> r(ref.chains), edges(e.bins - 1), mass(e.bins);
    for (std::size_t c = 0; c < ref.chains; ++c) r[c] = ref.at(c, j);
    std::sort(r.begin(), r.end());
    MC_EXPECTS(std::isfinite(r.front()) && std::isfinite(r.back()), "TV estimate: non-finite reference draws");
    for (std::size_t b = 1; b < e.bins; ++b)
      edges[b - 1] = diagnostics_detail::quantile_from_sorted(r.data(), r.size(), double(b) / double(e.bins));
    // Reference masses counted with the same rule (ties at an edge fall below it).
    std::fill(mass.begin(), mass.end(), 0.0);
    for (double v : r) mass[static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin())] += 1;
    for (double& m : mass) m /= double(r.size());
    return binned_tv(p, j, edges, mass);
  });
  e.noise_floor = tv_noise_floor(p.chains, ref.chains, e.bins);
  summarise(e);
  return e;
}

std::function<double(std::size_t, double)> gaussian_marginals(std::vector<double> mean, std::vector<double> sd) {
  MC_EXPECTS(mean.size() == sd.size(), "gaussian_marginals: mean and sd differ in length");
  return [mean = std::move(mean), sd = std::move(sd)](std::size_t j, double p) {
    return mean[j] + sd[j] * normal_quantile(p);
  };
}

}  // namespace manychains
