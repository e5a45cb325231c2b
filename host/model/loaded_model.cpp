// A compiled model loaded from its shared object, its data checked against the declarations
// and bound, and served to the CPU engine through the object's C functions.
#include <dlfcn.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "manychains/coupling/cpu_coupling.hpp"
#include "manychains/cpu_engine.hpp"
#include "manychains/ensemble/cpu_backends.hpp"
#include "manychains/error.hpp"
#include "model/model_library.hpp"

namespace manychains {

struct loaded_model::symbols {
  int (*abi)();
  const char* (*declaration)();
  void* (*bind)(const double* const*, const std::size_t*, char*, std::size_t);
  void (*free)(void*);
  int (*dim)(const void*, int);
  const char* (*names)(const void*);
  double (*lpg_double)(const void*, const double*, double*);
  float (*lpg_float)(const void*, const float*, float*);
  void (*constrain)(const void*, const double*, double*);
  void (*start)(const void*, double*, double*);
  void (*device_sizes)(const void*, std::size_t*);
  void (*device_image)(const void*, const double*, const int*, double*, int*, void*, void*);
};

/// The shared object's functions as a pointwise target (trivially copyable, as the engine wants;
/// every backend passes contiguous rows, so &x[0] is the point).
template <class T>
struct model_detail::shared_object_target {
  const void* bound;
  T (*lpg)(const void*, const T*, T*);
  std::size_t d;
  std::size_t dim() const { return d; }
  template <class X, class G>
  T logdensity_grad(X x, G grad) const { return lpg(bound, &x[0], &grad[0]); }
};

namespace {

template <class F>
F symbol(void* handle, const char* name, const std::string& file) {
  void* p = dlsym(handle, name);
  if (!p) throw input_error(file + " is not a manychains model (no " + name + "): end the file with MANYCHAINS_MODEL(name)");
  return reinterpret_cast<F>(p);
}

struct declared_field {
  std::string name;
  bool integer;
  std::vector<std::string> dims;
};

std::string dims_text(const std::vector<std::string>& dims) {
  std::string s;
  for (const auto& d : dims) s += (s.empty() ? "" : ",") + d;
  return "[" + s + "]";
}

/// The shape of a JSON value (nested arrays, rectangular), its numbers flattened row-major.
bool flatten(const nlohmann::json& v, std::size_t depth, std::vector<std::size_t>& shape, std::vector<double>& out,
             bool* all_integers) {
  if (v.is_number()) {
    if (depth != shape.size()) return false;
    const double x = v.get<double>();
    if (!v.is_number_integer() && x != std::floor(x)) *all_integers = false;
    out.push_back(x);
    return true;
  }
  if (v.is_string()) {  // CmdStan writes the non-finite as strings
    const std::string s = v.get<std::string>();
    double x;
    if (s == "NaN") x = NAN;
    else if (s == "Inf" || s == "Infinity" || s == "inf") x = INFINITY;
    else if (s == "-Inf" || s == "-Infinity" || s == "-inf") x = -INFINITY;
    else return false;
    if (depth != shape.size()) return false;
    *all_integers = false;
    out.push_back(x);
    return true;
  }
  if (!v.is_array()) return false;
  if (depth == shape.size()) shape.push_back(v.size());
  else if (shape[depth] != v.size()) return false;
  for (const auto& e : v)
    if (!flatten(e, depth + 1, shape, out, all_integers)) return false;
  return true;
}

}  // namespace

loaded_model::loaded_model(const std::string& shared_object, const std::string& data_file,
                           const std::string& model_name)
    : fn_(std::make_unique<symbols>()), name_(model_name) {
  handle_ = dlopen(shared_object.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw input_error(fmt::format("cannot load the compiled model {}: {}", shared_object, dlerror()));
  fn_->abi = symbol<int (*)()>(handle_, "mc_model_abi", model_name);
  if (fn_->abi() != 2) throw input_error(model_name + " was compiled for another manychains model interface");
  fn_->declaration = symbol<const char* (*)()>(handle_, "mc_model_declaration", model_name);
  fn_->bind = symbol<decltype(fn_->bind)>(handle_, "mc_model_bind", model_name);
  fn_->free = symbol<decltype(fn_->free)>(handle_, "mc_model_free", model_name);
  fn_->dim = symbol<decltype(fn_->dim)>(handle_, "mc_model_dim", model_name);
  fn_->names = symbol<decltype(fn_->names)>(handle_, "mc_model_names", model_name);
  fn_->lpg_double = symbol<decltype(fn_->lpg_double)>(handle_, "mc_model_lpg_double", model_name);
  fn_->lpg_float = symbol<decltype(fn_->lpg_float)>(handle_, "mc_model_lpg_float", model_name);
  fn_->constrain = symbol<decltype(fn_->constrain)>(handle_, "mc_model_constrain", model_name);
  fn_->start = symbol<decltype(fn_->start)>(handle_, "mc_model_start", model_name);
  fn_->device_sizes = symbol<decltype(fn_->device_sizes)>(handle_, "mc_model_device_sizes", model_name);
  fn_->device_image = symbol<decltype(fn_->device_image)>(handle_, "mc_model_device_image", model_name);

  std::vector<declared_field> fields;
  {
    std::istringstream in(fn_->declaration());
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream w(line);
      std::string kind;
      w >> kind;
      if (kind == "data") {
        declared_field f;
        std::string type;
        std::size_t n = 0;
        w >> f.name >> type >> n;
        f.integer = type == "int";
        f.dims.resize(n);
        for (auto& d : f.dims) w >> d;
        fields.push_back(f);
      }
    }
  }

  // The data: every declared field present, no other, each of its declared shape.
  std::ifstream in(data_file);
  if (!in) throw input_error("--data: cannot read " + data_file);
  nlohmann::json data;
  try {
    data = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw input_error(fmt::format("--data {}: not JSON ({})", data_file, e.what()));
  }
  if (!data.is_object()) throw input_error("--data " + data_file + ": expected a JSON object of named fields");
  std::set<std::string> declared;
  for (const auto& f : fields) declared.insert(f.name);
  for (const auto& [key, value] : data.items())
    if (!declared.count(key)) {
      std::string names;
      for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f.name;
      throw input_error(fmt::format("--data {}: field '{}' is not declared by {} (it declares: {})", data_file, key,
                                    model_name, names.empty() ? "no data" : names));
    }
  std::map<std::string, double> int_scalars;
  std::vector<std::vector<double>> values(fields.size());
  std::vector<std::vector<std::size_t>> shapes(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    const std::string declared_as = (f.integer ? "int" : "real") + (f.dims.empty() ? "" : dims_text(f.dims));
    if (!data.contains(f.name))
      throw input_error(fmt::format("--data {}: missing field '{}' ({} declares it as {})", data_file, f.name,
                                    model_name, declared_as));
    bool integers = true;
    if (!flatten(data[f.name], 0, shapes[i], values[i], &integers))
      throw input_error(fmt::format("--data {}: field '{}' is not a number or a rectangular array of numbers",
                                    data_file, f.name));
    if (f.integer && !integers)
      throw input_error(fmt::format("--data {}: field '{}' must hold integers ({})", data_file, f.name, declared_as));
    if (f.integer && f.dims.empty() && shapes[i].empty()) int_scalars[f.name] = values[i][0];
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& f = fields[i];
    std::vector<std::size_t> want;
    std::string want_text;
    for (const auto& d : f.dims) {
      char* end = nullptr;
      const long n = std::strtol(d.c_str(), &end, 10);
      double v = static_cast<double>(n);
      if (!(end && *end == 0 && end != d.c_str())) {
        if (!int_scalars.count(d))
          throw input_error(fmt::format("{}: data field '{}' has dimension '{}', which is no int data field", model_name,
                                        f.name, d));
        v = int_scalars[d];
      }
      if (!(v >= 0 && v < 1e12))
        throw input_error(fmt::format("--data {}: dimension {} of field '{}' is {}, not a size", data_file, d, f.name, v));
      want.push_back(static_cast<std::size_t>(v));
      want_text += fmt::format("{}{}", want_text.empty() ? "" : ",", want.back());
    }
    // A size-0 dimension reads as [] (no inner shape to check).
    const bool empty_ok = !want.empty() && values[i].empty() && !shapes[i].empty() && shapes[i][0] == 0 &&
                          std::find(want.begin(), want.end(), std::size_t(0)) != want.end();
    if (shapes[i] != want && !empty_ok) {
      std::string got;
      for (auto s : shapes[i]) got += fmt::format("{}{}", got.empty() ? "" : ",", s);
      throw input_error(fmt::format("--data {}: field '{}' has shape [{}], {} declares {} = [{}]", data_file, f.name,
                                    got, model_name, dims_text(f.dims), want_text));
    }
  }

  std::vector<const double*> ptrs;
  std::vector<std::size_t> lengths;
  for (const auto& v : values) {
    ptrs.push_back(v.data());
    lengths.push_back(v.size());
  }
  char err[512] = {0};
  bound_ = fn_->bind(ptrs.data(), lengths.data(), err, sizeof err);
  if (!bound_) throw input_error(fmt::format("{}: {}", model_name, err));

  const std::size_t d = static_cast<std::size_t>(fn_->dim(bound_, 0));
  const std::size_t cd = static_cast<std::size_t>(fn_->dim(bound_, 1));
  if (d == 0) throw input_error(model_name + " declares no parameters");
  constrained_info_.spec = info_.spec = "model:" + model_name;
  constrained_info_.dim = cd;
  std::istringstream names(fn_->names(bound_));
  for (std::string n; std::getline(names, n);) constrained_info_.parameter_names.push_back(n);
  info_.dim = d;
  if (d == cd) info_.parameter_names = constrained_info_.parameter_names;
  else
    for (std::size_t j = 0; j < d; ++j) info_.parameter_names.push_back(fmt::format("unconstrained[{}]", j + 1));
  info_.init_center.assign(d, 0);
  info_.init_radius.assign(d, 0);
  fn_->start(bound_, info_.init_center.data(), info_.init_radius.data());
}

loaded_model::~loaded_model() {
  if (bound_) fn_->free(bound_);
  if (handle_) dlclose(handle_);
}

void loaded_model::constrain(const double* x, double* y) const { fn_->constrain(bound_, x, y); }
double loaded_model::logdensity_grad(const double* x, double* g) const { return fn_->lpg_double(bound_, x, g); }
float loaded_model::logdensity_grad(const float* x, float* g) const { return fn_->lpg_float(bound_, x, g); }

device_model loaded_model::device_part(std::string ptx) const {
  std::size_t sizes[4] = {0, 0, 0, 0};
  fn_->device_sizes(bound_, sizes);
  device_model m;
  m.ptx = std::move(ptx);
  m.name = name_;
  m.dim = static_cast<int>(info_.dim);
  m.constrained_dim = static_cast<int>(constrained_info_.dim);
  m.values.resize(sizes[0]);
  m.ints.resize(sizes[1]);
  m.params.resize(sizes[3]);
  std::vector<unsigned char> unused(sizes[2]);  // a struct pointing at m's arrays: not needed here
  fn_->device_image(bound_, m.values.data(), m.ints.data(), m.values.data(), m.ints.data(), unused.data(),
                    m.params.data());
  // The struct again once the device copies have addresses; the values and params are those above.
  m.data_struct = [this, sizes](const double* device_values, const int* device_ints) {
    std::vector<double> values(sizes[0]);
    std::vector<int> ints(sizes[1]);
    std::vector<model::detail::device_param> params(sizes[3]);
    std::vector<unsigned char> data(sizes[2]);
    fn_->device_image(bound_, device_values, device_ints, values.data(), ints.data(), data.data(), params.data());
    return data;
  };
  return m;
}

template <>
model_detail::shared_object_target<double> loaded_model::host_target<double>() const {
  return {bound_, fn_->lpg_double, info_.dim};
}
template <>
model_detail::shared_object_target<float> loaded_model::host_target<float>() const {
  return {bound_, fn_->lpg_float, info_.dim};
}

template <>
std::unique_ptr<chain_engine<double>> loaded_model::make_cpu_engine<double>(chain_range chains, std::uint64_t seed) const {
  return make_cpu_engine_for<double>(host_target<double>(), chains, seed);
}
template <>
std::unique_ptr<chain_engine<float>> loaded_model::make_cpu_engine<float>(chain_range chains, std::uint64_t seed) const {
  return make_cpu_engine_for<float>(host_target<float>(), chains, seed);
}

template <class T>
std::unique_ptr<stretch_backend<T>> loaded_model::make_cpu_stretch_backend(stretch_shape shape, T a,
                                                                         std::uint64_t seed) const {
  return make_cpu_stretch_backend_for<T>(host_target<T>(), shape, a, seed);
}
template <class T>
std::unique_ptr<svgd_backend<T>> loaded_model::make_cpu_svgd_backend() const {
  return make_cpu_svgd_backend_for<T>(host_target<T>());
}
template <class T>
coupling_result loaded_model::run_cpu_coupling(const coupling_settings& settings) const {
  return run_coupling_cpu_for<T>(host_target<T>(), info_, settings);
}

template std::unique_ptr<stretch_backend<float>> loaded_model::make_cpu_stretch_backend<float>(stretch_shape, float,
                                                                                             std::uint64_t) const;
template std::unique_ptr<stretch_backend<double>> loaded_model::make_cpu_stretch_backend<double>(stretch_shape, double,
                                                                                               std::uint64_t) const;
template std::unique_ptr<svgd_backend<float>> loaded_model::make_cpu_svgd_backend<float>() const;
template std::unique_ptr<svgd_backend<double>> loaded_model::make_cpu_svgd_backend<double>() const;
template coupling_result loaded_model::run_cpu_coupling<float>(const coupling_settings&) const;
template coupling_result loaded_model::run_cpu_coupling<double>(const coupling_settings&) const;

}  // namespace manychains
