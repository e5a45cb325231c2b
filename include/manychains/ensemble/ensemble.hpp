/// \file ensemble.hpp
/// Interacting-particle samplers: the affine-invariant stretch move (many independent ensembles
/// at once) and Stein variational gradient descent, run over a backend from backends.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "manychains/ensemble/backends.hpp"

namespace manychains {

/// Called after each batch of iterations with (iterations done, iterations in all).
using ensemble_progress = std::function<void(std::size_t, std::size_t)>;

/// Starting points center + radius ∘ U(-1, 1) for `count` walkers or particles, walker g drawing
/// from Philox subsequence 2^63 + first + g (disjoint from the moves' subsequences), redrawn (up
/// to 100 times) where `logdensity` is not finite. Throws input_error when no finite start is found.
/// `first`: the global index of the first walker (some of a run's ensembles, under mpirun).
template <class T>
std::vector<T> ensemble_starts(const target_info& info, std::size_t count, std::uint64_t seed,
                               const std::function<std::vector<T>(const std::vector<T>&)>& logdensity,
                               std::uint64_t first = 0);

// ---------------------------------------------------------------------------------------------
// Stretch move

struct stretch_settings {
  std::size_t ensembles = 1;
  std::size_t first_ensemble = 0;  ///< global index of the first (its walkers' streams), under mpirun
  std::size_t walkers = 0;     ///< per ensemble; 0: max(32, 2·dim) rounded up to even
  std::size_t iterations = 1000;
  std::size_t burn = 0;        ///< steps run before draws are kept
  double a = 2.0;              ///< stretch scale
  std::uint64_t seed = 0;
};

template <class T>
struct stretch_result {
  stretch_shape shape;
  std::size_t kept_draws = 0;        ///< per walker
  std::vector<T> draws;              ///< (ensembles · walkers, kept_draws, dim), C order
  std::vector<T> particles;          ///< final positions (ensembles · walkers, dim)
  std::vector<double> acceptance;    ///< per walker, over the kept steps
  double acceptance_fraction = 0;    ///< mean over walkers
  bool interrupted = false;
  double seconds = 0;
  std::string device;
};

/// Validates the settings against the target (even walkers, at least 2·dim and 4 of them).
stretch_shape stretch_shape_for(const stretch_settings& s, std::size_t dim);

/// Runs the stretch move; `start` (walker-major) replaces the random starts when given.
template <class T>
stretch_result<T> run_stretch(stretch_backend<T>& backend, const target_info& info, const stretch_settings& s,
                              const std::vector<T>* start = nullptr, const std::atomic<bool>* stop = nullptr,
                              const ensemble_progress& progress = {});

/// emcee's integrated autocorrelation time (Sokal's automatic window, c = 5, on the
/// autocorrelation function averaged over walkers, as `emcee.autocorr.integrated_time`) of
/// coordinate `j` of draws (walkers, n_draws, dim), using walkers [first, first + count).
double integrated_time(const double* draws, std::size_t walkers_total, std::size_t n_draws, std::size_t dim,
                       std::size_t j, std::size_t first, std::size_t count, double c = 5.0);

// ---------------------------------------------------------------------------------------------
// SVGD

enum class svgd_optimizer { fixed, adagrad };

struct svgd_settings {
  std::size_t particles = 1024;
  std::size_t iterations = 1000;
  double step_size = 0.05;
  svgd_optimizer optimizer = svgd_optimizer::adagrad;
  std::optional<double> bandwidth;  ///< h in exp(-|x-y|²/h); empty: median heuristic each iteration
  std::size_t median_sample = 1000;  ///< the median uses the first this-many particles
  double tolerance = 1e-3;          ///< stop when RMS movement < tolerance · RMS particle spread
  bool ksd_stop = false;            ///< also require KSD² < ksd_tolerance (computes KSD each iteration)
  double ksd_tolerance = 1e-3;
  std::size_t trace_every = 10;     ///< a trace row every N iterations (and at the last)
  std::size_t ksd_every = 10;       ///< KSD² in the trace every N iterations and at the last; 0: never
  std::uint64_t seed = 0;
};

struct svgd_trace_row {
  std::size_t iteration = 0;
  double step_size = 0;   ///< fixed: ε; AdaGrad: the effective step |Δx| / |φ| over all coordinates
  double bandwidth = 0;   ///< h
  double movement = 0;    ///< RMS per-coordinate displacement this iteration
  double spread = 0;      ///< RMS per-coordinate standard deviation of the particles
  std::optional<double> ksd2;
};

template <class T>
struct svgd_result {
  std::size_t particles = 0, dim = 0;
  std::vector<T> positions;   ///< final particles (n, dim)
  std::size_t iterations_done = 0;
  bool converged = false, interrupted = false;
  std::vector<svgd_trace_row> trace;
  double seconds = 0;
  std::string device;
};

/// The median-heuristic bandwidth h = med² / log n (Liu & Wang 2016), med² the median of the
/// squared pairwise distances among the first min(n, sample) particles. The starting particles
/// are i.i.d., so these are a fixed random subsample. Returns 1 when all of them coincide.
template <class T>
double median_bandwidth(const std::vector<T>& positions, std::size_t n, std::size_t dim, std::size_t sample);

/// Runs SVGD; `start` (n × dim) replaces the random starts when given.
template <class T>
svgd_result<T> run_svgd(svgd_backend<T>& backend, const target_info& info, const svgd_settings& s,
                        const std::vector<T>* start = nullptr, const std::atomic<bool>* stop = nullptr,
                        const ensemble_progress& progress = {});

}  // namespace manychains
