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

}  // namespace manychains
