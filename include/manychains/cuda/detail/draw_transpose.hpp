// Kept draws from the device's layout (draw, dim, chain) to the host's (chain, draw, dim), in
// 32 × 32 tiles over (dim, chain) so that both sides stay in cache, with chains split over host
// threads (each thread writes only its own chains). Plain C++: the CUDA engine files its chunks
// with it, and a CPU test checks it against the naive triple loop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace manychains {

/// Where draws land: value j of draw k of chain c goes to dst[c * chain_stride + k * dim + j].
template <class T>
struct draw_destination {
  T* dst;
  std::size_t chain_stride;  ///< values between one chain's first draw and the next chain's
};

/// The one-thread reference: src[(k * dim + j) * n + c] for k < count, j < dim, c < n.
template <class T>
void transpose_draws_naive(const T* src, std::size_t count, std::size_t dim, std::size_t n, draw_destination<T> to) {
  for (std::size_t k = 0; k < count; ++k)
    for (std::size_t j = 0; j < dim; ++j)
      for (std::size_t c = 0; c < n; ++c) to.dst[c * to.chain_stride + k * dim + j] = src[(k * dim + j) * n + c];
}

/// Chains [c_begin, c_end) of transpose_draws_naive, tile by tile.
template <class T>
void transpose_draws_chains(const T* src, std::size_t count, std::size_t dim, std::size_t n,
                            draw_destination<T> to, std::size_t c_begin, std::size_t c_end) {
  constexpr std::size_t tile = 32;
  for (std::size_t c0 = c_begin; c0 < c_end; c0 += tile) {
    const std::size_t c1 = std::min(c_end, c0 + tile);
    for (std::size_t k = 0; k < count; ++k)
      for (std::size_t j0 = 0; j0 < dim; j0 += tile) {
        const std::size_t j1 = std::min(dim, j0 + tile);
        for (std::size_t c = c0; c < c1; ++c) {
          T* out = to.dst + c * to.chain_stride + k * dim;
          const T* in = src + k * dim * n + c;
          for (std::size_t j = j0; j < j1; ++j) out[j] = in[j * n];
        }
      }
  }
}

/// transpose_draws_naive on up to `threads` threads (0: one per hardware thread); each thread
/// takes a contiguous range of whole tiles of chains, so no two threads write the same line.
template <class T>
void transpose_draws(const T* src, std::size_t count, std::size_t dim, std::size_t n, draw_destination<T> to,
                     unsigned threads = 0) {
  const std::size_t values = count * dim * n;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // Below ~1 MB a thread's start costs more than its share of the copy.
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, values >> 18)));
  const std::size_t tiles = (n + 31) / 32, per_thread = (tiles + threads - 1) / threads;
  if (threads <= 1) return transpose_draws_chains(src, count, dim, n, to, 0, n);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    const std::size_t b = std::min(n, t * per_thread * 32), e = std::min(n, (t + 1) * per_thread * 32);
    if (b < e) pool.emplace_back([=] { transpose_draws_chains(src, count, dim, n, to, b, e); });
  }
  for (auto& th : pool) th.join();
}

}  // namespace manychains
