// The built-in score targets' CUDA engines (annealed Langevin, score-only ULA), both precisions;
// the kernel is cuda/detail/score_kernel.cuh, the step annealed.hpp's.
#include "manychains/cuda/score_target.cuh"
#include "manychains/score/score_targets.hpp"

MANYCHAINS_CUDA_SCORE_TARGET(manychains::noisy_isotropic_mixture_target, float)
MANYCHAINS_CUDA_SCORE_TARGET(manychains::noisy_isotropic_mixture_target, double)
MANYCHAINS_CUDA_SCORE_TARGET(manychains::noisy_mixture_target, float)
MANYCHAINS_CUDA_SCORE_TARGET(manychains::noisy_mixture_target, double)
