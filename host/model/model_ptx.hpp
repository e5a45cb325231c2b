/// \file model_ptx.hpp
/// The device part of a model file: the same source compiled by NVRTC (loaded on first use from
/// the CUDA Toolkit, no GPU needed) to PTX holding the kernel mc_model_logdensity_grad
/// (model/detail/device_export.hpp).
#pragma once

#include <string>

namespace manychains {

/// Whether libnvrtc can be loaded ($MANYCHAINS_NVRTC_LIBRARY, libnvrtc.so, the toolkit's lib64);
/// `why` says why not.
bool nvrtc_available(std::string* why = nullptr);

/// PTX of `model_file` for compute capability `arch` (e.g. 90). Throws input_error with NVRTC's
/// first error line (file(line): error …) when it does not compile, error when NVRTC is missing.
std::string compile_model_ptx(const std::string& model_file, const std::string& include_dir, int arch = 90);

}  // namespace manychains
