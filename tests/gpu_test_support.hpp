// What the gpu tests share: skipping without a usable GPU (a failure under
// MANYCHAINS_EXPECT_GPU=1, where cuda_usable throws instead of answering "no"), and where the
// test data are (MANYCHAINS_TEST_DATA when set, as in the GPU bundle; else the source tree).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "manychains/devices.hpp"
#include "manychains/error.hpp"

// A macro, not a function: GTEST_SKIP() and FAIL() return only from the function they are in.
#define MC_SKIP_WITHOUT_GPU()                                                     \
  do {                                                                            \
    std::string mc_reason_;                                                       \
    bool mc_usable_ = false;                                                      \
    try {                                                                         \
      mc_usable_ = ::manychains::cuda_usable(&mc_reason_);                        \
    } catch (const ::manychains::device_error& e) {                               \
      FAIL() << e.what();                                                         \
    }                                                                             \
    if (!mc_usable_) GTEST_SKIP() << mc_reason_;                                  \
  } while (0)

namespace manychains::testing {

/// tests/data, or $MANYCHAINS_TEST_DATA where the tests run away from their source tree.
inline std::string test_data_dir() {
  if (const char* dir = std::getenv("MANYCHAINS_TEST_DATA"); dir && *dir) return dir;
  const std::string here = __FILE__;
  return here.substr(0, here.find_last_of('/')) + "/data";
}

}  // namespace manychains::testing
