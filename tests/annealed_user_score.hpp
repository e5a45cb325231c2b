// A user's score-only target for the tests: N(1, I₂) convolved with N(0, σ² I), given only by its
// score s(x, σ) = (1 − x) / (1 + σ²). MC_HD, so annealed_cuda.cu compiles it for the GPU.
#pragma once

#include <cstddef>

#include "manychains/config.hpp"

struct shifted_normal_score {
  MC_HD std::size_t dim() const { return 2; }
  MC_HD void score(const double* x, double sigma, double* out) const {
    for (int i = 0; i < 2; ++i) out[i] = (1.0 - x[i]) / (1.0 + sigma * sigma);
  }
};
