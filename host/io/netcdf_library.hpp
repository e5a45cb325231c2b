// libnetcdf, loaded on first use (dlopen), so that the CLI and the library start and sample on a
// machine without it (the GPU machine's bundle carries no HDF5/curl/ICU stack): only writing or
// reading posterior.nc needs it. The types and constants come from <netcdf.h> at build time.
#pragma once

#include <netcdf.h>
#include <netcdf_mem.h>

#include <string>

namespace manychains {

#define MC_NETCDF_FUNCTIONS(X)                                                                       \
  X(nc_abort) X(nc_close) X(nc_close_memio) X(nc_create) X(nc_create_mem) X(nc_def_dim) X(nc_def_grp) \
  X(nc_def_var) X(nc_def_var_chunking) X(nc_inq_dimlen) X(nc_inq_grp_ncid) X(nc_inq_vardimid)        \
  X(nc_inq_varids) X(nc_inq_varname) X(nc_inq_varndims) X(nc_open) X(nc_put_att_double)              \
  X(nc_put_att_longlong) X(nc_put_att_schar) X(nc_put_att_text) X(nc_put_att_ulonglong)              \
  X(nc_put_var_double) X(nc_put_var_longlong) X(nc_put_var_schar) X(nc_put_vara_double)              \
  X(nc_put_vara_float) X(nc_strerror)

/// The functions of libnetcdf this library calls, resolved from the shared library.
struct netcdf_api {
#define MC_NETCDF_POINTER(name) decltype(&::name) name = nullptr;
  MC_NETCDF_FUNCTIONS(MC_NETCDF_POINTER)
#undef MC_NETCDF_POINTER
};

/// Whether libnetcdf can be loaded; `reason` says why not.
bool netcdf_available(std::string* reason = nullptr);

/// The loaded library; throws manychains::error ("posterior.nc needs libnetcdf: …") when it
/// cannot be loaded.
const netcdf_api& netcdf();

}  // namespace manychains
