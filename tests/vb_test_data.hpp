// Data for the variational-Bayes tests (tests/vb_test.cpp, tests/vb_gpu_test.cu).
#pragma once

#include <random>
#include <vector>

namespace manychains::testing {

/// counts[k] points around centre k (K×d, row-major) with unit-variance normal noise, row-major;
/// deterministic in `seed`.
inline std::vector<double> clusters(const std::vector<double>& centres, int d, const std::vector<int>& counts,
                                    unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> z;
  std::vector<double> x;
  for (std::size_t k = 0; k < counts.size(); ++k)
    for (int i = 0; i < counts[k]; ++i)
      for (int j = 0; j < d; ++j) x.push_back(centres[k * d + j] + z(g));
  return x;
}

}  // namespace manychains::testing
