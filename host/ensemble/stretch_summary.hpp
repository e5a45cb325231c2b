/// \file stretch_summary.hpp
/// What a stretch-move run reports beside its draws, shared by `manychains ensemble` and the Python
/// package: the per-parameter summary with the MCSE from independent ensembles, and emcee's
/// integrated autocorrelation times.
#pragma once

#include <vector>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/summary.hpp"

namespace manychains {

/// Mean, sd and quantiles of every parameter over all walkers' kept draws and, with 4 or more
/// ensembles, the MCSE of each mean from the spread of the independent ensembles' means.
template <class T>
std::vector<parameter_summary> stretch_summary(const stretch_result<T>& r, const target_info& info);

/// emcee's integrated autocorrelation time of each parameter, averaged over (up to 16) ensembles;
/// empty with fewer than 2 kept draws.
template <class T>
std::vector<double> stretch_integrated_times(const stretch_result<T>& r);

// The parts of the two above, for runs whose ensembles are split over processes (each part is
// computed on one process's ensembles, gathered in ensemble order, then combined).

/// Each of `shape`'s ensembles' mean of each parameter over its walkers and draws, ensemble-major
/// ((ensembles, dim)).
template <class T>
std::vector<double> ensemble_means(const stretch_result<T>& r, const stretch_shape& shape);

/// Sets each row's MCSE of the mean from the spread of the m independent ensembles' means
/// (ensemble-major, as ensemble_means gives them); nothing with fewer than 4 ensembles.
void add_ensemble_mcse(std::vector<parameter_summary>& rows, const std::vector<double>& means, std::size_t m,
                       std::size_t kept);

/// emcee's integrated time of each parameter for each of `shape`'s ensembles whose global index
/// is below `used`, ensemble-major; empty with fewer than 2 kept draws.
template <class T>
std::vector<double> integrated_times(const stretch_result<T>& r, const stretch_shape& shape, std::size_t used);

/// The average over the first `used` ensembles of the times integrated_times gives (all of them).
std::vector<double> average_integrated_times(const std::vector<double>& times, std::size_t used, std::size_t dim);

}  // namespace manychains
