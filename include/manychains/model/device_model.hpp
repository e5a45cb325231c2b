/// \file device_model.hpp
/// A model file's device part as the CUDA engine takes it: the PTX that NVRTC compiled from the
/// file, the bound data laid out for the device by the host's shared object, and the kernel's
/// arguments. Host code only (the model compilers never see it).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "manychains/engine.hpp"
#include "manychains/model/detail/device_param.hpp"

namespace manychains {

struct device_model {
  std::string ptx;  ///< holds mc_model_logdensity_grad_double and mc_model_logdensity_grad_float
  std::string name; ///< the model file, for messages
  int dim = 0, constrained_dim = 0;
  std::vector<double> values;  ///< the data values, uploaded whole
  std::vector<int> ints;       ///< the int arrays, one after another
  std::vector<model::detail::device_param> params;
  /// The model's data struct, its arrays pointing at the device copies of `values` and `ints`.
  std::function<std::vector<unsigned char>(const double* device_values, const int* device_ints)> data_struct;
};

/// The arguments of mc_model_logdensity_grad_<T> (model/detail/device_export.hpp), in order and
/// of the kernel's types, and the array of their addresses that cuLaunchKernel takes.
template <class T>
struct model_kernel_args {
  const void* data;
  const void* params;
  int n_params, dim, constrained_dim;
  const T* x;
  T* grad;
  T* lp;
  unsigned long long n;

  static constexpr std::size_t count = 9;
  std::array<void*, count> pointers() {
    return {&data, &params, &n_params, &dim, &constrained_dim, &x, &grad, &lp, &n};
  }
  /// Each argument's size in bytes, as the PTX declares its parameters.
  static std::array<std::size_t, count> sizes() {
    return {sizeof data, sizeof params, sizeof(int), sizeof(int), sizeof(int), sizeof x, sizeof grad, sizeof lp,
            sizeof n};
  }
};

/// The kernel's name for precision T.
template <class T>
const char* model_kernel_name() {
  return sizeof(T) == 8 ? "mc_model_logdensity_grad_double" : "mc_model_logdensity_grad_float";
}

/// The compute capability (e.g. 90) of the device CUDA runs use, to compile the PTX for; throws
/// device_unavailable where CUDA cannot be used.
int cuda_compute_capability();

/// The CUDA MALA/ULA engine of a model file. The chain state stays on the device; each step is a
/// propose kernel, the model's kernel (loaded from the PTX with the CUDA driver API, dlopened)
/// at all chains' proposals, and an accept kernel: the per-chain math of the CPU engine. Throws
/// device_unavailable where CUDA cannot be used, input_error where the model is too large for
/// the kernel (model::detail::max_device_dim).
template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_model_engine(const device_model& model, chain_range chains,
                                                        std::uint64_t seed);

}  // namespace manychains
