/// \file buffered_stream.hpp
/// A chain's Philox stream read ahead: the CPU engines draw the words and normals of many steps
/// at once, in a loop over blocks that vectorises (host/cpu/draw_blocks.cpp), and the per-chain
/// step code reads them back through the same `next4` / `normal4` calls it makes on a plain
/// stream. Same words, same normals bit for bit, same stream position afterwards: only faster.
#pragma once

#include <cstddef>
#include <cstdint>

#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"

namespace manychains {

/// The words and the Box-Muller normals (as `normal4` makes them) of blocks
/// [stream.block, stream.block + n) of `stream`, by columns: word k of block i goes to
/// words[k·stride + i], normal k to normals[k·stride + i].
template <class T>
void draw_blocks(const philox_stream& stream, std::size_t n, std::size_t stride, std::uint32_t* words, T* normals);

template <class T>
class buffered_stream {
 public:
  /// Blocks drawn per refill: 4 KiB of words and 4 or 8 KiB of normals, at home in L1.
  static constexpr std::size_t capacity = 256;

  /// Starts reading `stream`; `expected_blocks` (how many the caller will read) keeps the last
  /// refill from drawing blocks nobody reads. Reading more is still correct.
  void attach(const philox_stream& stream, std::uint64_t expected_blocks) {
    source_ = stream;
    budget_ = expected_blocks;
    read_ = filled_ = 0;
  }
  /// The plain stream, positioned after the blocks read so far.
  philox_stream detach() const {
    philox_stream s = source_;
    s.block -= filled_ - read_;
    return s;
  }

  words4 next4() {
    if (read_ == filled_) refill();
    const std::size_t i = read_++;
    return {words_[0][i], words_[1][i], words_[2][i], words_[3][i]};
  }
  void normal4(T out[4]) {
    if (read_ == filled_) refill();
    for (int k = 0; k < 4; ++k) out[k] = normals_[k][read_];
    ++read_;
  }

 private:
  void refill() {
    const std::uint64_t want = budget_ < capacity ? (budget_ > 0 ? budget_ : 1) : capacity;
    draw_blocks<T>(source_, static_cast<std::size_t>(want), capacity, words_[0], normals_[0]);
    source_.block += want;
    budget_ -= budget_ < want ? budget_ : want;
    read_ = 0;
    filled_ = static_cast<std::size_t>(want);
  }

  philox_stream source_{};
  std::uint64_t budget_ = 0;
  std::size_t read_ = 0, filled_ = 0;
  std::uint32_t words_[4][capacity];  // by columns, so that drawing them vectorises
  T normals_[4][capacity];
};

/// `normal4` for a buffered stream (found by argument-dependent lookup from the step code).
template <class T>
void normal4(buffered_stream<T>& stream, T out[4]) {
  stream.normal4(out);
}

}  // namespace manychains
