// The ring's score compiled for the GPU, once: the CUDA score engine in double precision. Host
// code reaches it through manychains/score/score_backends.hpp.
#include "manychains/cuda/score_target.cuh"
#include "score_ring.hpp"

MANYCHAINS_CUDA_SCORE_TARGET(score_ring, double)
