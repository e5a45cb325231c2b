// The tests' user target compiled for the GPU, for user_target_test in a build with CUDA (the
// factories then reference these instantiations even where they fall back to the CPU).
#include "manychains/cuda/target.cuh"
#include "user_targets.hpp"

MANYCHAINS_CUDA_TARGET(manychains::testing::test_donut, double)
