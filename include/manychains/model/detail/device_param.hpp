/// \file device_param.hpp
/// One parameter block as the device kernel reads it: the host's shared object writes these
/// (mc_model_device_image), the CLI uploads them, NVRTC's kernel constrains with them. Plain
/// data, the same layout for g++, nvcc and NVRTC.
#pragma once

#include "manychains/model/constraints.hpp"

namespace manychains::model::detail {

struct device_param {
  constraint c;
  int size, unconstrained_offset, constrained_offset;
};

/// Largest unconstrained and constrained dimensions served on the device (per-thread arrays).
inline constexpr int max_device_dim = 64;

}  // namespace manychains::model::detail
