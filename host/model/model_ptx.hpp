/// \file model_ptx.hpp
/// The device part of a model file: the same source compiled by NVRTC (loaded on first use from
/// the CUDA Toolkit, no GPU needed) to PTX holding the kernels mc_model_logdensity_grad_double and
/// _float (model/detail/device_export.hpp), which the CUDA model engine loads.
#pragma once

#include <string>

namespace manychains {

/// Whether libnvrtc can be loaded ($MANYCHAINS_NVRTC_LIBRARY, libnvrtc.so, the toolkit's lib64);
/// `why` says why not.
bool nvrtc_available(std::string* why = nullptr);

/// PTX of `model_file` for compute capability `arch` (e.g. 90). Throws input_error with NVRTC's
/// first error line (file(line): error …) when it does not compile, error when NVRTC is missing.
std::string compile_model_ptx(const std::string& model_file, const std::string& include_dir, int arch = 90);

/// compile_model_ptx's result kept in the cache beside the model's shared object (whose name
/// hashes the file and the model headers), one file per arch: compiled on the first run only.
/// `compiled` (optional) says whether this call compiled it.
std::string cached_model_ptx(const std::string& shared_object, const std::string& model_file, int arch,
                             bool* compiled = nullptr);

}  // namespace manychains
