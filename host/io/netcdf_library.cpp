#include "io/netcdf_library.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "manychains/error.hpp"

namespace manychains {
namespace {

struct loaded {
  netcdf_api api;
  std::string failure;  // empty: every function resolved
};

loaded load() {
  loaded l;
  void* handle = nullptr;
  // MANYCHAINS_NETCDF_LIBRARY names another file to load (an unusual install, or a test of the
  // machine without it).
  const char* chosen = std::getenv("MANYCHAINS_NETCDF_LIBRARY");
  if (chosen && *chosen) {
    handle = ::dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
  } else {
    for (const char* name : {"libnetcdf.so.19", "libnetcdf.so"})
      if ((handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
  }
  if (!handle) {
    const char* why = ::dlerror();
    l.failure = why ? why : "libnetcdf.so.19 not found";
    return l;
  }
#define MC_NETCDF_RESOLVE(name)                                                              \
  l.api.name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name));                 \
  if (!l.api.name && l.failure.empty()) l.failure = "libnetcdf has no " #name;
  MC_NETCDF_FUNCTIONS(MC_NETCDF_RESOLVE)
#undef MC_NETCDF_RESOLVE
  return l;
}

const loaded& library() {
  static const loaded l = load();  // thread-safe, once
  return l;
}

}  // namespace

bool netcdf_available(std::string* reason) {
  if (reason) *reason = library().failure;
  return library().failure.empty();
}

const netcdf_api& netcdf() {
  std::string reason;
  if (!netcdf_available(&reason))
    throw error("posterior.nc needs libnetcdf (Debian: libnetcdf19), which could not be loaded: " + reason);
  return library().api;
}

}  // namespace manychains
