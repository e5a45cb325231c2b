// manychains._core: the extension module. Each register_* adds one part of the library; the Python
// package (python/manychains) wraps these in ArviZ's and scikit-learn's conventions.
#include <cmath>
#include <limits>

#include "bindings.hpp"
#include "manychains/devices.hpp"

namespace manychains::python {

nb::object to_numpy_bool(const std::vector<std::uint8_t>& flags, const std::vector<std::size_t>& shape) {
  auto* owned = new std::vector<std::uint8_t>(flags);
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<std::vector<std::uint8_t>*>(p); });
  return nb::cast(
      nb::ndarray<nb::numpy, bool>(reinterpret_cast<bool*>(owned->data()), shape.size(), shape.data(), owner));
}

void run_control::operator()(std::size_t done, std::size_t total) {
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  nb::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {  // a KeyboardInterrupt (or another handler's exception)
    PyErr_Clear();
    interrupted_ = true;
    stop_ = true;
    return;
  }
  if (progress_.is_none() || failure_) return;
  try {
    progress_(done, total);
  } catch (nb::python_error& e) {
    stop_ = true;
    if (e.matches(PyExc_KeyboardInterrupt))  // Ctrl-C while the progress bar's Python code ran
      interrupted_ = true;
    else
      failure_ = std::make_unique<nb::python_error>(std::move(e));
  }
}

void run_control::rethrow_if_failed() {
  if (failure_) throw nb::python_error(*failure_);
}

bool single_precision(const options& o) {
  const std::string p = o.get<std::string>("precision", "double");
  if (p != "float" && p != "double") throw input_error("precision must be float or double, not '" + p + "'");
  return p == "float";
}

nb::dict summary_dict(const std::vector<parameter_summary>& rows) {
  const std::size_t n = rows.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> mean(n), sd(n), q5(n), q50(n), q95(n), mcse(n), bulk(n), tail(n), rhat(n);
  std::vector<std::string> names(n);
  for (std::size_t i = 0; i < n; ++i) {
    const parameter_summary& r = rows[i];
    names[i] = r.name;
    mean[i] = r.mean, sd[i] = r.sd, q5[i] = r.q5, q50[i] = r.q50, q95[i] = r.q95;
    mcse[i] = r.mcse_mean.value_or(nan), bulk[i] = r.ess_bulk.value_or(nan), tail[i] = r.ess_tail.value_or(nan);
    rhat[i] = r.rhat.value_or(nan);
  }
  nb::dict d;
  d["name"] = names;
  d["mean"] = to_numpy(std::move(mean), {n});
  d["sd"] = to_numpy(std::move(sd), {n});
  d["q5"] = to_numpy(std::move(q5), {n});
  d["q50"] = to_numpy(std::move(q50), {n});
  d["q95"] = to_numpy(std::move(q95), {n});
  d["mcse_mean"] = to_numpy(std::move(mcse), {n});
  d["ess_bulk"] = to_numpy(std::move(bulk), {n});
  d["ess_tail"] = to_numpy(std::move(tail), {n});
  d["rhat"] = to_numpy(std::move(rhat), {n});
  return d;
}

void register_errors(nb::module_& m) {
  // The library's messages are one line meant for the user, as the CLI prints them.
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const memory_error& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    } catch (const resource_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const input_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const device_unavailable& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const diverged_error& e) {
      PyErr_SetString(PyExc_FloatingPointError, e.what());
    } catch (const error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  m.def("cuda_available", [] {
    std::string reason;
    const bool ok = cuda_usable(&reason);
    return nb::make_tuple(ok, ok ? cuda_device_name() : reason);
  }, "(usable, device name or the reason why not)");
  m.attr("cuda_built") = cuda_enabled;
  m.attr("__version__") = MANYCHAINS_VERSION;
}

}  // namespace manychains::python

NB_MODULE(_core, m) {
  using namespace manychains::python;
  m.doc() = "manychains' C++ library: many-chain samplers, diagnostics, EM, VB, ensembles, couplings";
  register_errors(m);
  register_sampling(m);
  register_diagnostics(m);
  register_mixture(m);
  register_bayesian_mixture(m);
  register_ensembles(m);
}
