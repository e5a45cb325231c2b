/// \file host_export.hpp
/// The C functions a model's shared object exports (MANYCHAINS_MODEL on the host): its
/// declarations as text, binding data, the unconstrained dimension, names, the log-density with its
/// gradient by forward-mode AD (in chunks of up to 16 tangents), the constraining map, and the bound
/// data laid out for the device (mc_model_device_sizes, mc_model_device_image). A C
/// interface, so the CLI that dlopens the object needs nothing of the model's types.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "manychains/ad/dual.hpp"
#include "manychains/model/constraints.hpp"
#include "manychains/model/detail/declaration.hpp"
#include "manychains/model/detail/device_param.hpp"

namespace manychains::model::detail {

/// Version of the exported interface; the CLI refuses an object built for another.
inline constexpr int abi_version = 2;

struct param_layout {
  std::string name;
  std::vector<int> dims;
  constraint c;
  start_region region;
  int size = 1, unconstrained_offset = 0, constrained_offset = 0;
};

template <class M>
struct bound_model {
  typename M::data data{};
  std::vector<std::vector<int>> int_storage;
  std::vector<double> value_storage;  ///< the data values, owned here
  std::vector<param_layout> params;
  int dim = 0, constrained_dim = 0;
  std::string names;  ///< constrained names, one a line

  /// log π on the unconstrained scale: constrain, add log |J|, call the model.
  template <class S>
  S evaluate(const S* x, S* y) const {
    S lp = 0;
    for (const auto& p : params)
      lp += constrain(p.c, x + p.unconstrained_offset, p.size, y + p.constrained_offset);
    return lp + M::log_density(static_cast<const S*>(y), data);
  }

  template <class T, int N>
  T gradient(const T* x, T* g) const {
    using D = ad::dual<T, N>;
    // Small models on the stack; larger ones on the heap (thread_local buffers in a dlopened
    // object ran 5x slower under two OpenMP threads).
    // Raw storage, constructed only as far as this model needs (no zeroing of 64 tangents).
    constexpr int on_stack = 64;
    alignas(D) unsigned char xs[sizeof(D) * on_stack], ys[sizeof(D) * on_stack];
    std::vector<D> xh, yh;
    D* xd = reinterpret_cast<D*>(xs);
    D* yd = reinterpret_cast<D*>(ys);
    if (dim > on_stack || constrained_dim > on_stack) {
      xh.resize(dim);
      yh.resize(constrained_dim);
      xd = xh.data();
      yd = yh.data();
    } else {
      for (int j = 0; j < dim; ++j) new (xd + j) D(T(0), 0);
      for (int j = 0; j < constrained_dim; ++j) new (yd + j) D(T(0), 0);
    }
    T value = 0;
    for (int first = 0; first < dim || first == 0; first += N) {
      for (int j = 0; j < dim; ++j) {
        xd[j] = D(x[j]);
        if (j >= first && j < first + N) xd[j].d[j - first] = T(1);
      }
      const D lp = evaluate(xd, yd);
      for (int k = 0; k < N && first + k < dim; ++k) g[first + k] = lp.d[k];
      value = lp.v;
      if (dim == 0) break;
    }
    return value;
  }

  template <class T>
  T logdensity_grad(const T* x, T* g) const {
    if (dim <= 1) return gradient<T, 1>(x, g);
    if (dim <= 2) return gradient<T, 2>(x, g);
    if (dim <= 4) return gradient<T, 4>(x, g);
    if (dim <= 8) return gradient<T, 8>(x, g);
    return gradient<T, 16>(x, g);
  }
};

inline std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

template <class M>
const declaration<typename M::data>& declared() {
  static const declaration<typename M::data> d = [] {
    declaration<typename M::data> m;
    M::declare(m);
    return m;
  }();
  return d;
}

/// Lines "data NAME int|real NDIMS DIMS…", "param NAME KIND LOWER UPPER NDIMS DIMS…", "start C R".
template <class M>
std::string declaration_text() {
  const auto& d = declared<M>();
  std::string out;
  for (const auto& f : d.fields()) {
    out += "data " + f.name + (f.integer ? " int " : " real ") + std::to_string(f.dims.size());
    for (const auto& s : f.dims) out += " " + s;
    out += "\n";
  }
  for (const auto& p : d.params()) {
    out += "param " + p.name + " " + std::to_string(int(p.c.kind)) + " " + number_text(p.c.lower) + " " +
           number_text(p.c.upper) + " " + std::to_string(p.dims.size());
    for (const auto& s : p.dims) out += " " + s;
    out += "\n";
  }
  out += "start " + number_text(d.start_center()) + " " + number_text(d.start_radius()) + "\n";
  return out;
}

inline void set_error(char* err, std::size_t len, const std::string& what) {
  if (err && len) std::snprintf(err, len, "%s", what.c_str());
}

/// Binds data (values[i] holds lengths[i] numbers for the i-th declared field; the CLI checked the
/// shapes) and lays out the parameters. Null with a message in err when a shape is unusable.
template <class M>
bound_model<M>* bind(const double* const* values, const std::size_t* lengths, char* err, std::size_t len) {
  const auto& d = declared<M>();
  auto* b = new bound_model<M>;
  std::size_t total = 0;
  for (std::size_t i = 0; i < d.fields().size(); ++i) total += lengths[i];
  b->value_storage.reserve(total);  // no reallocation: fields point into it
  b->int_storage.reserve(d.fields().size());
  for (std::size_t i = 0; i < d.fields().size(); ++i) {
    const double* at = b->value_storage.data() + b->value_storage.size();
    b->value_storage.insert(b->value_storage.end(), values[i], values[i] + lengths[i]);
    d.fields()[i].store(b->data, at, lengths[i], b->int_storage);
  }
  const auto dim_value = [&](const std::string& s, int* out) {
    char* end = nullptr;
    const long n = std::strtol(s.c_str(), &end, 10);
    if (end && *end == 0 && end != s.c_str()) {
      *out = int(n);
      return true;
    }
    for (std::size_t i = 0; i < d.fields().size(); ++i)
      if (d.fields()[i].name == s && d.fields()[i].integer && d.fields()[i].dims.empty()) {
        *out = int(values[i][0]);
        return true;
      }
    return false;
  };
  for (const auto& p : d.params()) {
    param_layout l{p.name, {}, p.c, p.has_start ? p.region : start_region{d.start_center(), d.start_radius()}};
    for (const auto& s : p.dims) {
      int n = 0;
      if (!dim_value(s, &n) || n < 1) {
        set_error(err, len, "parameter " + p.name + ": dimension '" + s +
                                "' is neither a positive number nor an int data field that is positive");
        delete b;
        return nullptr;
      }
      l.dims.push_back(n);
      l.size *= n;
    }
    if (p.c.kind == constraint_kind::simplex && (l.dims.size() != 1 || l.size < 2)) {
      set_error(err, len, "parameter " + p.name + ": a simplex needs one dimension of at least 2");
      delete b;
      return nullptr;
    }
    l.unconstrained_offset = b->dim;
    l.constrained_offset = b->constrained_dim;
    b->dim += unconstrained_size(p.c, l.size);
    b->constrained_dim += l.size;
    for (int i = 0; i < l.size; ++i) {
      std::string name = p.name;
      if (!l.dims.empty()) {  // 1-based, last index fastest (row-major), as Stan names them
        std::string idx;
        int rest = i;
        for (std::size_t k = l.dims.size(); k-- > 0;) {
          idx = std::to_string(rest % l.dims[k] + 1) + (idx.empty() ? "" : "," + idx);
          rest /= l.dims[k];
        }
        name += "[" + idx + "]";
      }
      b->names += name + "\n";
    }
    b->params.push_back(l);
  }
  return b;
}

template <class M>
void start_all(const bound_model<M>& b, double* center, double* radius) {
  for (const auto& p : b.params)
    for (int i = 0; i < unconstrained_size(p.c, p.size); ++i) {
      center[p.unconstrained_offset + i] = p.region.center;
      radius[p.unconstrained_offset + i] = p.region.radius;
    }
}

template <class M>
void constrain_all(const bound_model<M>& b, const double* x, double* y) {
  for (const auto& p : b.params) constrain(p.c, x + p.unconstrained_offset, p.size, y + p.constrained_offset);
}

/// What the device needs, by count: [0] data values (doubles), [1] ints, [2] bytes of the data
/// struct, [3] parameter blocks.
template <class M>
void device_sizes(const bound_model<M>& b, std::size_t* sizes) {
  std::size_t ints = 0;
  for (const auto& v : b.int_storage) ints += v.size();
  sizes[0] = b.value_storage.size();
  sizes[1] = ints;
  sizes[2] = sizeof(typename M::data);
  sizes[3] = b.params.size();
}

/// The device's copy of a bound model, laid out by the host: the data values and ints to upload
/// to `device_values` and `device_ints`, the data struct with its arrays pointing there (the
/// struct's layout is the same under NVRTC: plain ints, doubles and pointers), and the parameter
/// blocks. Sizes as device_sizes says.
template <class M>
void device_image(const bound_model<M>& b, const double* device_values, const int* device_ints, double* values,
                  int* ints, void* data, device_param* params) {
  std::copy(b.value_storage.begin(), b.value_storage.end(), values);
  for (const auto& v : b.int_storage) ints = std::copy(v.begin(), v.end(), ints);
  typename M::data moved = b.data;
  const data_relocation r{b.value_storage.data(), device_values, &b.int_storage, device_ints};
  for (const auto& f : declared<M>().fields())
    if (f.relocate) f.relocate(moved, r);
  std::memcpy(data, &moved, sizeof moved);
  for (std::size_t p = 0; p < b.params.size(); ++p)
    params[p] = device_param{b.params[p].c, b.params[p].size, b.params[p].unconstrained_offset,
                             b.params[p].constrained_offset};
}

}  // namespace manychains::model::detail

#define MANYCHAINS_MODEL_HOST_EXPORT(type)                                                                        \
  namespace manychains_model_export {                                                                             \
  using bound = ::manychains::model::detail::bound_model<type>;                                                   \
  }                                                                                                               \
  extern "C" {                                                                                                    \
  __attribute__((visibility("default"))) int mc_model_abi() { return ::manychains::model::detail::abi_version; }  \
  __attribute__((visibility("default"))) const char* mc_model_declaration() {                                     \
    static const std::string text = ::manychains::model::detail::declaration_text<type>();                        \
    return text.c_str();                                                                                          \
  }                                                                                                               \
  __attribute__((visibility("default"))) void* mc_model_bind(const double* const* values, const std::size_t* n,   \
                                                             char* err, std::size_t len) {                        \
    try {                                                                                                         \
      return ::manychains::model::detail::bind<type>(values, n, err, len);                                        \
    } catch (const std::exception& e) {                                                                           \
      ::manychains::model::detail::set_error(err, len, e.what());                                                 \
      return nullptr;                                                                                             \
    }                                                                                                             \
  }                                                                                                               \
  __attribute__((visibility("default"))) void mc_model_free(void* b) {                                            \
    delete static_cast<manychains_model_export::bound*>(b);                                                       \
  }                                                                                                               \
  __attribute__((visibility("default"))) int mc_model_dim(const void* b, int constrained) {                       \
    const auto* m = static_cast<const manychains_model_export::bound*>(b);                                        \
    return constrained ? m->constrained_dim : m->dim;                                                             \
  }                                                                                                               \
  __attribute__((visibility("default"))) const char* mc_model_names(const void* b) {                              \
    return static_cast<const manychains_model_export::bound*>(b)->names.c_str();                                  \
  }                                                                                                               \
  __attribute__((visibility("default"))) double mc_model_lpg_double(const void* b, const double* x, double* g) {  \
    return static_cast<const manychains_model_export::bound*>(b)->logdensity_grad<double>(x, g);                  \
  }                                                                                                               \
  __attribute__((visibility("default"))) float mc_model_lpg_float(const void* b, const float* x, float* g) {      \
    return static_cast<const manychains_model_export::bound*>(b)->logdensity_grad<float>(x, g);                   \
  }                                                                                                               \
  __attribute__((visibility("default"))) void mc_model_start(const void* b, double* center, double* radius) {      \
    ::manychains::model::detail::start_all(*static_cast<const manychains_model_export::bound*>(b), center, radius); \
  }                                                                                                               \
  __attribute__((visibility("default"))) void mc_model_constrain(const void* b, const double* x, double* y) {     \
    ::manychains::model::detail::constrain_all(*static_cast<const manychains_model_export::bound*>(b), x, y);     \
  }                                                                                                               \
  __attribute__((visibility("default"))) void mc_model_device_sizes(const void* b, std::size_t* sizes) {          \
    ::manychains::model::detail::device_sizes(*static_cast<const manychains_model_export::bound*>(b), sizes);     \
  }                                                                                                               \
  __attribute__((visibility("default"))) void mc_model_device_image(const void* b, const double* device_values,   \
                                                                    const int* device_ints, double* values,       \
                                                                    int* ints, void* data, void* params) {        \
    ::manychains::model::detail::device_image(                                                                    \
        *static_cast<const manychains_model_export::bound*>(b), device_values, device_ints, values, ints, data,   \
        static_cast<::manychains::model::detail::device_param*>(params));                                         \
  }                                                                                                               \
  }
