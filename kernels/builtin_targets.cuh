// Every pointwise built-in target, for the library's instantiations of cuda/target.cuh's macros.
#pragma once

#define MANYCHAINS_CUDA_FOR_BUILTINS(MACRO, T) \
  MACRO(manychains::gaussian_target, T)        \
  MACRO(manychains::mixture_target, T)         \
  MACRO(manychains::funnel_target, T)          \
  MACRO(manychains::rosenbrock_target, T)      \
  MACRO(manychains::oring_target, T)
