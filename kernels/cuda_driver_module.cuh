// A PTX module loaded with the CUDA driver API and its kernels launched: what runs the kernels
// NVRTC compiled from a model file. libcuda is dlopened on first use (the static runtime
// dlopens it too), so a binary without a driver still starts and runs on the CPU. The module is
// loaded into the runtime's primary context, current once the runtime made a device allocation,
// and launched on the legacy default stream, so it orders with the runtime's own launches.
#pragma once

#include <cuda.h>
#include <dlfcn.h>

#include <string>

#include "manychains/error.hpp"

namespace manychains::cuda_detail {

struct driver_api {
  decltype(&::cuModuleLoadData) load = nullptr;
  decltype(&::cuModuleGetFunction) get_function = nullptr;
  decltype(&::cuLaunchKernel) launch = nullptr;
  decltype(&::cuModuleUnload) unload = nullptr;
  decltype(&::cuGetErrorString) error_string = nullptr;
  std::string why;  ///< empty when every function was found

  static const driver_api& get() {
    static const driver_api api = [] {
      driver_api a;
      void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
      if (!h) h = dlopen("libcuda.so", RTLD_NOW | RTLD_LOCAL);
      if (!h) {
        a.why = "the CUDA driver (libcuda.so.1) cannot be loaded";
        return a;
      }
      const auto sym = [&](auto& f, const char* name) {
        f = reinterpret_cast<std::remove_reference_t<decltype(f)>>(dlsym(h, name));
        if (!f && a.why.empty()) a.why = std::string("the CUDA driver lacks ") + name;
      };
      sym(a.load, "cuModuleLoadData");
      sym(a.get_function, "cuModuleGetFunction");
      sym(a.launch, "cuLaunchKernel");
      sym(a.unload, "cuModuleUnload");
      sym(a.error_string, "cuGetErrorString");
      return a;
    }();
    return api;
  }

  /// Throws device_error "<what>: <the driver's message>" unless `status` is success.
  void check(CUresult status, const std::string& what) const {
    if (status == CUDA_SUCCESS) return;
    const char* text = nullptr;
    if (error_string) error_string(status, &text);
    throw device_error(what + ": " + (text ? text : "CUDA driver error " + std::to_string(int(status))));
  }
};

class driver_module {
 public:
  /// Loads `ptx` (the driver JIT-compiles it for the device); `name` names it in messages.
  driver_module(const std::string& ptx, const std::string& name) : api_(driver_api::get()) {
    if (!api_.why.empty()) throw device_unavailable("cannot run " + name + " on the GPU: " + api_.why);
    api_.check(api_.load(&module_, ptx.c_str()), "loading the PTX of " + name);
  }
  ~driver_module() {
    if (module_) api_.unload(module_);
  }
  driver_module(const driver_module&) = delete;
  driver_module& operator=(const driver_module&) = delete;

  CUfunction function(const char* kernel) const {
    CUfunction f = nullptr;
    api_.check(api_.get_function(&f, module_, kernel), std::string("finding kernel ") + kernel);
    return f;
  }
  /// One-dimensional launch of `f` with `args` (cuLaunchKernel's array of argument addresses).
  void launch(CUfunction f, unsigned blocks, unsigned threads, void** args) const {
    api_.check(api_.launch(f, blocks, 1, 1, threads, 1, 1, 0, nullptr, args, nullptr), "launching a model kernel");
  }

 private:
  const driver_api& api_;
  CUmodule module_ = nullptr;
};

}  // namespace manychains::cuda_detail
