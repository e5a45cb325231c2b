// Starting points for EM: k-means++ and Lloyd, random responsibilities, random data points.
#include "manychains/em/init.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "manychains/em/log_density.hpp"
#include "manychains/error.hpp"
#include "mpi/lone_process.hpp"

namespace manychains {
namespace {

/// A uniform double in [0, 1) from 53 random bits (same on every platform, unlike std distributions).
double uniform01(std::mt19937_64& g) { return double(g() >> 11) * (1.0 / 9007199254740992.0); }

std::mt19937_64 generator(std::uint64_t seed, int restart) {
  std::seed_seq seq{std::uint32_t(seed), std::uint32_t(seed >> 32), std::uint32_t(restart), 0x6d6dU};
  return std::mt19937_64(seq);
}

std::vector<double> one_hot(const std::vector<int>& labels, int K) {
  std::vector<double> r(labels.size() * std::size_t(K), 0.0);
  for (std::size_t i = 0; i < labels.size(); ++i) r[i * K + labels[i]] = 1.0;
  return r;
}

/// Labels of the nearest centres; returns whether any label changed.
bool assign(const double* x, std::size_t n, int d, int K, const std::vector<double>& centres, std::vector<int>& labels,
            std::vector<double>* dist) {
  bool changed = false;
#pragma omp parallel for schedule(static) reduction(|| : changed) if (double(n) * K * d > 2e5)
  for (std::size_t i = 0; i < n; ++i) {
    double best = 0;
    const int k = em_nearest_centre(strided<const double>{x + i * d, 1}, centres.data(), K, d, &best);
    if (labels[i] != k) changed = true;
    labels[i] = k;
    if (dist) (*dist)[i] = best;
  }
  return changed;
}

/// The group, first row and total rows of `rows` for n local rows.
struct split_view {
  process_group& group;
  std::size_t first, total;
};
split_view view_of(const em_rows& rows, std::size_t n) {
  static lone_process alone;
  if (!rows.group) return {alone, 0, n};
  return {*rows.group, rows.first, rows.total};
}

}  // namespace

em_init parse_em_init(const std::string& name) {
  if (name == "kmeans++" || name == "k-means++" || name == "kmeans") return em_init::kmeans_pp;
  if (name == "random") return em_init::random;
  if (name == "random_from_data") return em_init::random_from_data;
  throw input_error("--init must be kmeans++, random or random_from_data, not '" + name + "'");
}

const char* em_init_name(em_init method) {
  switch (method) {
    case em_init::kmeans_pp: return "kmeans++";
    case em_init::random: return "random";
    default: return "random_from_data";
  }
}

std::vector<double> kmeans(const double* x, std::size_t n, int d, int K, std::uint64_t seed, int restart,
                           int lloyd_iterations, std::vector<int>* labels_out, const em_rows& rows) {
  const split_view v = view_of(rows, n);
  const std::size_t total_rows = v.total;
  auto g = generator(seed, restart);
  std::vector<double> centres(std::size_t(K) * d);
  std::vector<double> dist(n);
  std::vector<int> labels(n, -1);
  // k-means++: first centre uniform, each next one with probability ∝ squared distance to the
  // nearest. Picks are global row indices; the sums run in global row order (rows.hpp).
  std::size_t pick = std::min<std::size_t>(total_rows - 1, std::size_t(uniform01(g) * double(total_rows)));
  for (int k = 0; k < K; ++k) {
    double* c = &centres[std::size_t(k) * d];
    const std::vector<double> row = fetch_row(v.group, x, n, v.first, d, pick);
    std::copy(row.begin(), row.end(), c);
    if (k + 1 == K) break;
#pragma omp parallel for schedule(static) if (double(n) * d > 2e5)
    for (std::size_t i = 0; i < n; ++i) {  // squared distance to the nearest centre so far
      double s = 0;
      for (int j = 0; j < d; ++j) s += (x[i * d + j] - c[j]) * (x[i * d + j] - c[j]);
      dist[i] = k == 0 ? s : std::min(dist[i], s);
    }
    const double total = sum_over_rows(v.group, 1, [&](std::vector<double>& a) {
      for (double w : dist) a[0] += w;  // in order: the same pick for any thread or process count
    })[0];
    if (!(total > 0)) {  // every point coincides with a centre: take any point
      pick = std::min<std::size_t>(total_rows - 1, std::size_t(uniform01(g) * double(total_rows)));
      continue;
    }
    const double target = uniform01(g) * total;
    // The running sum, then 1 + the row where it first passes target (0: not yet).
    const std::vector<double> scan = sum_over_rows(v.group, 2, [&](std::vector<double>& a) {
      if (a[1] != 0) return;
      double acc = a[0];
      for (std::size_t i = 0; i < n; ++i) {
        acc += dist[i];
        if (acc > target && dist[i] > 0) {
          a[1] = double(v.first + i + 1);
          break;
        }
      }
      a[0] = acc;
    });
    pick = scan[1] != 0 ? std::size_t(scan[1]) - 1 : total_rows - 1;
  }
  std::fill(labels.begin(), labels.end(), -1);
  assign(x, n, d, K, centres, labels, nullptr);
  for (int it = 0; it < lloyd_iterations; ++it) {
    const std::vector<double> sums = sum_over_rows(v.group, std::size_t(K) * (d + 1), [&](std::vector<double>& a) {
      double* count = &a[std::size_t(K) * d];
      for (std::size_t i = 0; i < n; ++i) {
        count[labels[i]] += 1;
        for (int j = 0; j < d; ++j) a[std::size_t(labels[i]) * d + j] += x[i * d + j];
      }
    });
    const double* count = &sums[std::size_t(K) * d];
    for (int k = 0; k < K; ++k)
      if (count[k] > 0)  // an empty cluster keeps its centre
        for (int j = 0; j < d; ++j) centres[std::size_t(k) * d + j] = sums[std::size_t(k) * d + j] / count[k];
    if (!any_of(v.group, assign(x, n, d, K, centres, labels, nullptr))) break;
  }
  if (labels_out) *labels_out = std::move(labels);
  return centres;
}

std::vector<double> initial_responsibilities(em_init method, const double* x, std::size_t n, int d, int K,
                                             std::uint64_t seed, int restart, int lloyd_iterations,
                                             const em_rows& rows) {
  const split_view v = view_of(rows, n);
  switch (method) {
    case em_init::kmeans_pp: {
      std::vector<int> labels;
      kmeans(x, n, d, K, seed, restart, lloyd_iterations, &labels, rows);
      return one_hot(labels, K);
    }
    case em_init::random: {
      auto g = generator(seed, restart);
      g.discard(v.first * std::size_t(K));  // the draws of the rows before this process's
      std::vector<double> r(n * std::size_t(K));
      for (std::size_t i = 0; i < n; ++i) {
        double s = 0;
        for (int k = 0; k < K; ++k) s += r[i * K + k] = uniform01(g);
        for (int k = 0; k < K; ++k) r[i * K + k] /= s;
      }
      return r;
    }
    default: {
      auto g = generator(seed, restart);
      std::vector<std::size_t> chosen;
      while (int(chosen.size()) < K) {  // K ≤ n distinct rows
        const std::size_t i = std::min<std::size_t>(v.total - 1, std::size_t(uniform01(g) * double(v.total)));
        if (std::find(chosen.begin(), chosen.end(), i) == chosen.end()) chosen.push_back(i);
      }
      std::vector<double> centres(std::size_t(K) * d);
      for (int k = 0; k < K; ++k) {
        const std::vector<double> row = fetch_row(v.group, x, n, v.first, d, chosen[k]);
        std::copy(row.begin(), row.end(), &centres[std::size_t(k) * d]);
      }
      std::vector<int> labels(n, -1);
      assign(x, n, d, K, centres, labels, nullptr);
      return one_hot(labels, K);
    }
  }
}

}  // namespace manychains
