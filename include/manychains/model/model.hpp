/// \file model.hpp
/// What a model file includes. A model is a struct with
///   struct data { ... };                                 // plain fields: int, double, const double*, const int*
///   static void declare(manychains::model::declaration<data>& m);  // data fields, parameters, start
///   template <class S> MC_HD static S log_density(const S* params, const data& d);
/// followed by MANYCHAINS_MODEL(struct_name). See docs/models.md.
/// The host compiler builds the declarations and the exported C functions (model/detail/
/// host_export.hpp); NVRTC and nvcc see the same file, where the declarations compile to nothing
/// and MANYCHAINS_MODEL emits a batched gradient kernel (model/detail/device_export.hpp).
#pragma once

#include "manychains/ad/functions.hpp"
#include "manychains/model/constraints.hpp"

#if !defined(__CUDACC_RTC__)
#include "manychains/model/detail/declaration.hpp"
#include "manychains/model/detail/host_export.hpp"
#define MANYCHAINS_MODEL(type) MANYCHAINS_MODEL_HOST_EXPORT(type)
#else
#include "manychains/model/detail/device_export.hpp"
#define MANYCHAINS_MODEL(type) MANYCHAINS_MODEL_DEVICE_EXPORT(type)
#endif
