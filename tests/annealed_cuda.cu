// The tests' user score target compiled for the GPU: the any-device factory references it.
#include "annealed_user_score.hpp"
#include "manychains/cuda/score_target.cuh"

MANYCHAINS_CUDA_SCORE_TARGET(shifted_normal_score, double)
