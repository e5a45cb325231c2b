// emcee's integrated autocorrelation time, computed lag by lag (the window stops it long before
// the chain's length, so no FFT is needed).
#include <cmath>
#include <vector>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/error.hpp"

namespace manychains {

double integrated_time(const double* draws, std::size_t walkers_total, std::size_t n, std::size_t dim,
                       std::size_t j, std::size_t first, std::size_t count, double c) {
  MC_EXPECTS(n >= 2 && count >= 1 && first + count <= walkers_total && j < dim,
             "integrated_time: needs at least 2 draws and a valid walker range and coordinate");
  // Centred series per walker and their lag-0 autocovariances.
  std::vector<std::vector<double>> series(count, std::vector<double>(n));
  std::vector<double> var0(count, 0.0);
  for (std::size_t k = 0; k < count; ++k) {
    const double* w = draws + (first + k) * n * dim;
    double mean = 0;
    for (std::size_t t = 0; t < n; ++t) mean += w[t * dim + j];
    mean /= double(n);
    for (std::size_t t = 0; t < n; ++t) {
      series[k][t] = w[t * dim + j] - mean;
      var0[k] += series[k][t] * series[k][t];
    }
  }
  // taus[m] = 2 Σ_{l ≤ m} ρ(l) - 1 with ρ averaged over walkers; the window is the first m with
  // m ≥ c · taus[m] (emcee's auto_window), or the last lag.
  double cumulative = 0;
  double tau = 1;
  for (std::size_t lag = 0; lag < n; ++lag) {
    double rho = 0;
    for (std::size_t k = 0; k < count; ++k) {
      if (var0[k] == 0) continue;
      const std::vector<double>& x = series[k];
      double acc = 0;
      for (std::size_t t = 0; t + lag < n; ++t) acc += x[t] * x[t + lag];
      rho += acc / var0[k];
    }
    rho /= double(count);
    cumulative += rho;
    tau = 2 * cumulative - 1;
    if (double(lag) >= c * tau) break;
  }
  return tau;
}

}  // namespace manychains
