/// \file devices.hpp
/// Choosing the backend: `auto` takes a CUDA device when one can be used, else the CPU.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "manychains/engine.hpp"

namespace manychains {

enum class device_choice { automatic, cpu, cuda };

/// Whether this build has a CUDA backend and a usable device; `reason` says why not.
bool cuda_usable(std::string* reason);

/// A CUDA engine for any built-in target; throws device_error when CUDA cannot be used.
template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_engine(const any_target& target, chain_range chains, std::uint64_t seed);

/// The engine for the choice: `cuda` without a usable GPU is refused with the reason.
template <class T>
std::unique_ptr<chain_engine<T>> make_engine(device_choice choice, const any_target& target, chain_range chains,
                                             std::uint64_t seed);

/// The CUDA engine's RNG-bound floor: chain-steps per second of a kernel that draws only what
/// `steps` MALA steps in `dim` dimensions draw (the normals and the accept uniform), one thread per
/// chain as in the engine. Throws device_error when CUDA cannot be used.
template <class T>
double cuda_rng_floor(std::size_t chains, std::size_t dim, std::size_t steps);

/// Bytes per second (read + written) of a 1 GiB device-to-device copy: the memory-bound floor.
double cuda_copy_bandwidth();

}  // namespace manychains
