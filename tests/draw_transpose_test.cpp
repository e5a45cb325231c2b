// The CUDA engine's filing of kept draws (include/manychains/cuda/detail/draw_transpose.hpp): the tiled, threaded
// transposition must put every value where the naive triple loop puts it, for sizes that are
// and are not multiples of the tile, with a destination that holds more draws than one chunk.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "manychains/cuda/detail/draw_transpose.hpp"

using namespace manychains;

namespace {

void expect_same_as_naive(std::size_t count, std::size_t dim, std::size_t n, unsigned threads) {
  const std::size_t per_chain = count + 3, first = 2;  // the chunk lands inside longer chains
  std::vector<double> src(count * dim * n);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = double(i) + 0.25;  // every value distinct
  std::vector<double> want(n * per_chain * dim, -1.0), got(want);
  transpose_draws_naive(src.data(), count, dim, n, draw_destination<double>{want.data() + first * dim, per_chain * dim});
  transpose_draws(src.data(), count, dim, n, draw_destination<double>{got.data() + first * dim, per_chain * dim},
                  threads);
  for (std::size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(got[i], want[i]) << "count " << count << " dim " << dim << " chains " << n << " threads " << threads
                               << " value " << i;
}

}  // namespace

TEST(DrawTranspose, TiledThreadedEqualsNaive) {
  for (unsigned threads : {1u, 3u, 8u})
    for (std::size_t n : {1u, 31u, 32u, 33u, 1000u})
      for (std::size_t dim : {1u, 2u, 33u, 100u}) expect_same_as_naive(3, dim, n, threads);
}

TEST(DrawTranspose, LargeChunkOnAllThreads) {
  // 4 draws × 100 dims × 65,537 chains: enough values for every hardware thread to get a share.
  expect_same_as_naive(4, 100, 65537, 0);
}
