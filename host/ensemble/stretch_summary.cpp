#include "ensemble/stretch_summary.hpp"

#include <algorithm>
#include <cmath>

namespace manychains {

template <class T>
std::vector<double> ensemble_means(const stretch_result<T>& r, const stretch_shape& shape) {
  const std::size_t m = shape.ensembles, w = shape.walkers, n = r.kept_draws, d = shape.dim;
  std::vector<double> means(m * d, 0.0);
  for (std::size_t j = 0; j < d; ++j)
    for (std::size_t e = 0; e < m; ++e) {
      double& mean = means[e * d + j];
      for (std::size_t g = e * w; g < (e + 1) * w; ++g)
        for (std::size_t t = 0; t < n; ++t) mean += double(r.draws[(g * n + t) * d + j]);
      mean /= double(w * n);
    }
  return means;
}

void add_ensemble_mcse(std::vector<parameter_summary>& rows, const std::vector<double>& means, std::size_t m,
                       std::size_t kept) {
  const std::size_t d = rows.size();
  if (m < 4 || kept == 0) return;
  for (std::size_t j = 0; j < d; ++j) {
    double mean = 0, ss = 0;
    for (std::size_t e = 0; e < m; ++e) mean += means[e * d + j];
    mean /= double(m);
    for (std::size_t e = 0; e < m; ++e) ss += (means[e * d + j] - mean) * (means[e * d + j] - mean);
    rows[j].mcse_mean = std::sqrt(ss / double(m - 1) / double(m));
  }
}

template <class T>
std::vector<double> integrated_times(const stretch_result<T>& r, const stretch_shape& shape, std::size_t used) {
  std::vector<double> tau;
  if (r.kept_draws < 2) return tau;
  const std::vector<double> draws(r.draws.begin(), r.draws.end());
  for (std::size_t e = 0; e < shape.ensembles && shape.first_ensemble + e < used; ++e)
    for (std::size_t j = 0; j < shape.dim; ++j)
      tau.push_back(integrated_time(draws.data(), shape.total(), r.kept_draws, shape.dim, j, e * shape.walkers,
                                    shape.walkers));
  return tau;
}

std::vector<double> average_integrated_times(const std::vector<double>& times, std::size_t used, std::size_t dim) {
  std::vector<double> tau;
  for (std::size_t j = 0; j < dim && !times.empty(); ++j) {
    double sum = 0;
    for (std::size_t e = 0; e < used; ++e) sum += times[e * dim + j];
    tau.push_back(sum / double(used));
  }
  return tau;
}

template <class T>
std::vector<parameter_summary> stretch_summary(const stretch_result<T>& r, const target_info& info) {
  auto rows = summarize_draws(r.draws.data(), r.shape.total(), r.kept_draws, info.dim, info.parameter_names);
  add_ensemble_mcse(rows, ensemble_means(r, r.shape), r.shape.ensembles, r.kept_draws);
  return rows;
}

template <class T>
std::vector<double> stretch_integrated_times(const stretch_result<T>& r) {
  const std::size_t used = std::min<std::size_t>(16, r.shape.ensembles);
  return average_integrated_times(integrated_times(r, r.shape, used), used, r.shape.dim);
}

#define MC_STRETCH_SUMMARY(T)                                                                               \
  template std::vector<parameter_summary> stretch_summary<T>(const stretch_result<T>&, const target_info&); \
  template std::vector<double> stretch_integrated_times<T>(const stretch_result<T>&);                       \
  template std::vector<double> ensemble_means<T>(const stretch_result<T>&, const stretch_shape&);           \
  template std::vector<double> integrated_times<T>(const stretch_result<T>&, const stretch_shape&, std::size_t);
MC_STRETCH_SUMMARY(float)
MC_STRETCH_SUMMARY(double)
#undef MC_STRETCH_SUMMARY

}  // namespace manychains
