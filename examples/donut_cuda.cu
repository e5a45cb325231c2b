// The donut compiled for the GPU, once: every CUDA backend (MALA/ULA engine, stretch, SVGD,
// coupling) in double precision. Host code reaches them through target_backends.hpp.
#include "donut.hpp"
#include "manychains/cuda/target.cuh"

MANYCHAINS_CUDA_TARGET(donut, double)
