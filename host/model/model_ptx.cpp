// NVRTC, loaded with dlopen so that CPU-only machines run model files without the toolkit.
#include "model/model_ptx.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "model/model_library.hpp"

namespace manychains {
namespace {

using nvrtc_program = void*;
struct nvrtc_api {
  void* handle = nullptr;
  std::string why;
  int (*create)(nvrtc_program*, const char*, const char*, int, const char* const*, const char* const*);
  int (*compile)(nvrtc_program, int, const char* const*);
  int (*log_size)(nvrtc_program, std::size_t*);
  int (*log)(nvrtc_program, char*);
  int (*ptx_size)(nvrtc_program, std::size_t*);
  int (*ptx)(nvrtc_program, char*);
  int (*destroy)(nvrtc_program*);
};

const nvrtc_api& nvrtc() {
  static const nvrtc_api api = [] {
    nvrtc_api a{};
    std::vector<std::string> names;
    if (const char* e = std::getenv("MANYCHAINS_NVRTC_LIBRARY"); e && *e) names.push_back(e);
    for (const char* n : {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so"})
      names.push_back(n);
    for (const auto& n : names)
      if ((a.handle = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL))) break;
    if (!a.handle) {
      a.why = "libnvrtc (CUDA Toolkit) not found; set MANYCHAINS_NVRTC_LIBRARY";
      return a;
    }
    const auto sym = [&](const char* name) {
      void* p = dlsym(a.handle, name);
      if (!p && a.why.empty()) a.why = std::string("libnvrtc lacks ") + name;
      return p;
    };
    a.create = reinterpret_cast<decltype(a.create)>(sym("nvrtcCreateProgram"));
    a.compile = reinterpret_cast<decltype(a.compile)>(sym("nvrtcCompileProgram"));
    a.log_size = reinterpret_cast<decltype(a.log_size)>(sym("nvrtcGetProgramLogSize"));
    a.log = reinterpret_cast<decltype(a.log)>(sym("nvrtcGetProgramLog"));
    a.ptx_size = reinterpret_cast<decltype(a.ptx_size)>(sym("nvrtcGetPTXSize"));
    a.ptx = reinterpret_cast<decltype(a.ptx)>(sym("nvrtcGetPTX"));
    a.destroy = reinterpret_cast<decltype(a.destroy)>(sym("nvrtcDestroyProgram"));
    return a;
  }();
  return api;
}

}  // namespace

bool nvrtc_available(std::string* why) {
  const nvrtc_api& a = nvrtc();
  if (why) *why = a.why;
  return a.handle && a.why.empty();
}

std::string compile_model_ptx(const std::string& model_file, const std::string& include_dir, int arch) {
  std::string why;
  if (!nvrtc_available(&why)) throw error("cannot compile the model's device part: " + why);
  const nvrtc_api& a = nvrtc();
  std::ifstream in(model_file);
  if (!in) throw input_error("--model: cannot read " + model_file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string source = text.str();
  nvrtc_program p = nullptr;
  if (a.create(&p, source.c_str(), model_file.c_str(), 0, nullptr, nullptr) != 0)
    throw error("NVRTC could not create a program for " + model_file);
  const std::string inc = "-I" + include_dir, gpu = fmt::format("--gpu-architecture=compute_{}", arch);
  // -default-device: every function is a device function (declare() compiles to nothing there).
  const char* options[] = {inc.c_str(), gpu.c_str(), "-std=c++17", "-default-device", "--fmad=false"};
  const int status = a.compile(p, 5, options);
  std::size_t n = 0;
  a.log_size(p, &n);
  std::string log(n, '\0');
  if (n) a.log(p, log.data());
  if (status != 0) {
    a.destroy(&p);
    std::istringstream lines(log);
    std::string line, first;
    while (std::getline(lines, line))
      if (line.find("error") != std::string::npos) {
        first = line;
        break;
      }
    throw input_error("model's device part does not compile (NVRTC): " + (first.empty() ? log : first));
  }
  a.ptx_size(p, &n);
  std::string ptx(n, '\0');
  a.ptx(p, ptx.data());
  a.destroy(&p);
  while (!ptx.empty() && ptx.back() == '\0') ptx.pop_back();
  return ptx;
}

std::string cached_model_ptx(const std::string& shared_object, const std::string& model_file, int arch,
                             bool* compiled) {
  const std::string path =
      fmt::format("{}-compute_{}.ptx", shared_object.substr(0, shared_object.size() - 3), arch);
  if (compiled) *compiled = false;
  if (std::ifstream in{path}) {
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string ptx = compile_model_ptx(model_file, find_model_include_dir(), arch);
  write_file_atomically(path, ptx);
  if (compiled) *compiled = true;
  return ptx;
}

}  // namespace manychains
