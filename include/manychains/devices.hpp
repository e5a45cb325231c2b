/// \file devices.hpp
/// Choosing the backend: `auto` takes a CUDA device when one can be used, else the CPU.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "manychains/engine.hpp"
#include "manychains/error.hpp"

namespace manychains {

/// Whether this build has the CUDA backend: the build sets MANYCHAINS_WITH_CUDA to 0 or 1 for
/// every target that links manychains_headers. cuda_usable also asks for a usable device.
inline constexpr bool cuda_enabled = MANYCHAINS_WITH_CUDA != 0;

/// What the user asked for (`--device auto|cpu|cuda`).
enum class device_choice { automatic, cpu, cuda };

/// Where a run goes once the choice is resolved.
enum class backend_kind { cpu, cuda };

/// Whether this build has a CUDA backend and a usable device; `reason` says why not.
/// Under MANYCHAINS_EXPECT_GPU=1 "no" is not an answer: it throws device_unavailable instead, so that
/// `--device auto` cannot fall back to the CPU and a gpu test cannot skip (a driver older than
/// the toolkit would otherwise read as "no GPU" and every gpu test would pass by skipping).
bool cuda_usable(std::string* reason);

/// The name of the CUDA device runs use (meaningful where cuda_usable; "none" in a CPU-only build).
std::string cuda_device_name();

/// "auto", "cpu" or "cuda" as a choice; throws input_error for anything else.
device_choice parse_device_choice(const std::string& name);

/// The one auto/cpu/cuda rule: `cpu` runs on the CPU; `automatic` on CUDA where usable, else the
/// CPU; `cuda` on CUDA, or device_unavailable "--device cuda: <reason>" (a usage error) when it
/// cannot be used.
backend_kind select_device(device_choice choice);

/// The guard of every CUDA entry point: throws device_unavailable "<what>: <reason>" unless CUDA
/// is usable.
inline void require_cuda(const std::string& what) {
  std::string reason;
  if (!cuda_usable(&reason)) throw device_unavailable(what + ": " + reason);
}

/// Whether MANYCHAINS_EXPECT_GPU=1 is set in the environment.
inline bool gpu_expected() {
  const char* v = std::getenv("MANYCHAINS_EXPECT_GPU");
  return v && std::strcmp(v, "1") == 0;
}

/// Throws device_unavailable "MANYCHAINS_EXPECT_GPU=1 but <reason>" (exit 2) when a GPU is expected.
inline void refuse_fallback_when_gpu_expected(const std::string& reason) {
  if (gpu_expected()) throw device_unavailable("MANYCHAINS_EXPECT_GPU=1 but " + reason);
}

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
