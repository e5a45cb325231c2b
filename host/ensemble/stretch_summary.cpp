#include "ensemble/stretch_summary.hpp"

#include <algorithm>
#include <cmath>

namespace manychains {

template <class T>
std::vector<parameter_summary> stretch_summary(const stretch_result<T>& r, const target_info& info) {
  auto rows = summarize_draws(r.draws.data(), r.shape.total(), r.kept_draws, info.dim, info.parameter_names);
  const std::size_t m = r.shape.ensembles, w = r.shape.walkers, n = r.kept_draws, d = r.shape.dim;
  if (m < 4 || n == 0) return rows;
  for (std::size_t j = 0; j < d; ++j) {
    std::vector<double> means(m, 0.0);
    for (std::size_t e = 0; e < m; ++e) {
      for (std::size_t g = e * w; g < (e + 1) * w; ++g)
        for (std::size_t t = 0; t < n; ++t) means[e] += double(r.draws[(g * n + t) * d + j]);
      means[e] /= double(w * n);
    }
    double mean = 0, ss = 0;
    for (double v : means) mean += v;
    mean /= double(m);
    for (double v : means) ss += (v - mean) * (v - mean);
    rows[j].mcse_mean = std::sqrt(ss / double(m - 1) / double(m));
  }
  return rows;
}

template <class T>
std::vector<double> stretch_integrated_times(const stretch_result<T>& r) {
  std::vector<double> tau;
  if (r.kept_draws < 2) return tau;
  const std::vector<double> draws(r.draws.begin(), r.draws.end());
  const std::size_t used = std::min<std::size_t>(16, r.shape.ensembles), dim = r.shape.dim;
  for (std::size_t j = 0; j < dim; ++j) {
    double sum = 0;
    for (std::size_t e = 0; e < used; ++e)
      sum += integrated_time(draws.data(), r.shape.total(), r.kept_draws, dim, j, e * r.shape.walkers,
                             r.shape.walkers);
    tau.push_back(sum / double(used));
  }
  return tau;
}

template std::vector<parameter_summary> stretch_summary<float>(const stretch_result<float>&, const target_info&);
template std::vector<parameter_summary> stretch_summary<double>(const stretch_result<double>&, const target_info&);
template std::vector<double> stretch_integrated_times<float>(const stretch_result<float>&);
template std::vector<double> stretch_integrated_times<double>(const stretch_result<double>&);

}  // namespace manychains
