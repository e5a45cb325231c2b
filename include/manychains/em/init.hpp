/// \file init.hpp
/// Starting responsibilities for EM: k-means++ seeding with a few Lloyd iterations, random, or
/// random points of the data; the first M-step turns them into parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "manychains/em/rows.hpp"

namespace manychains {

enum class em_init {
  kmeans_pp,         ///< k-means++ seeding, then up to `lloyd_iterations` Lloyd steps; hard labels
  random,            ///< uniform random responsibilities, normalised per point (scikit-learn's "random")
  random_from_data,  ///< K distinct points as centres, every point given to the nearest one
};

/// Parses "kmeans++" (or "k-means++", "kmeans"), "random", "random_from_data"; throws input_error.
em_init parse_em_init(const std::string& name);
const char* em_init_name(em_init method);

/// Responsibilities n×K (row-major) to start EM from, for row-major data x (n×d). Deterministic in
/// (seed, restart). With `rows` split over processes, x holds this process's n rows and the
/// result is theirs: the same as one process's rows of the whole (collective).
std::vector<double> initial_responsibilities(em_init method, const double* x, std::size_t n, int d, int K,
                                             std::uint64_t seed, int restart, int lloyd_iterations = 10,
                                             const em_rows& rows = {});

/// k-means++ seeding followed by Lloyd iterations; returns the centres (K×d) and fills labels (n).
std::vector<double> kmeans(const double* x, std::size_t n, int d, int K, std::uint64_t seed, int restart,
                           int lloyd_iterations, std::vector<int>* labels, const em_rows& rows = {});

}  // namespace manychains
