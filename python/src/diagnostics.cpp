// manychains._core.diagnose / statistic: the library's diagnostics (ArviZ's numbers) over numpy
// draws (chains, draws, k), one parameter per column, OpenMP over parameters, GIL released.
#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <map>

#include "bindings.hpp"
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"

namespace manychains::python {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

using draws3 = host_array<nb::ndim<3>>;

std::vector<std::string> default_names(std::size_t k) {
  std::vector<std::string> names(k);
  for (std::size_t j = 0; j < k; ++j) names[j] = fmt::format("x[{}]", j);
  return names;
}

/// Every diagnostic of every column: diagnose_draws, or its CUDA twin on device="cuda".
nb::dict diagnose(draws3 x, std::vector<std::string> names, double tail_low, double tail_high,
                  std::size_t superchains, const std::string& device) {
  const std::size_t chains = x.shape(0), draws = x.shape(1), k = x.shape(2);
  if (names.empty()) names = default_names(k);
  if (names.size() != k) throw input_error(fmt::format("{} names for {} parameters", names.size(), k));
  diagnose_options o;
  o.tail_prob_low = tail_low;
  o.tail_prob_high = tail_high;
  o.superchains = superchains;
  // "cuda" without a usable GPU is refused with the reason (ValueError); "auto" falls back to the CPU.
  const bool on_cuda = select_device(parse_device_choice(device)) == backend_kind::cuda;
  std::vector<parameter_diagnostics> rows;
  {
    nb::gil_scoped_release nogil;
    rows = on_cuda ? diagnose_draws_cuda_from_host(x.data(), chains, draws, k, names, o)
                            : diagnose_draws<double>(x.data(), chains, draws, k, names, o);
  }
  std::map<std::string, std::vector<double>> columns;
  const auto put = [&](const char* key, std::size_t j, double v) {
    auto& c = columns[key];
    c.resize(k, nan);
    c[j] = v;
  };
  for (std::size_t j = 0; j < k; ++j) {
    const parameter_diagnostics& r = rows[j];
    put("mean", j, r.mean), put("sd", j, r.sd), put("q5", j, r.q5), put("q50", j, r.q50), put("q95", j, r.q95);
    put("rhat", j, r.rhat.value_or(nan)), put("rhat_bulk", j, r.rhat_bulk.value_or(nan));
    put("rhat_folded", j, r.rhat_folded.value_or(nan)), put("rhat_classic", j, r.rhat_classic.value_or(nan));
    put("rhat_nested", j, r.rhat_nested.value_or(nan));
    put("ess_bulk", j, r.ess_bulk.value_or(nan)), put("ess_tail", j, r.ess_tail.value_or(nan));
    put("ess_mean", j, r.ess_mean.value_or(nan)), put("ess_sd", j, r.ess_sd.value_or(nan));
    put("mcse_mean", j, r.mcse_mean.value_or(nan)), put("mcse_sd", j, r.mcse_sd.value_or(nan));
  }
  nb::dict d;
  for (auto& [key, values] : columns) d[key.c_str()] = to_numpy(std::move(values), {k});
  return d;
}

using statistic_fn = std::function<double(const double*, std::size_t, std::size_t)>;

statistic_fn find_statistic(const std::string& name, double p1, double p2) {
  if (name == "rhat_rank") return rhat_rank;
  if (name == "rhat_z_scale") return rhat_bulk;
  if (name == "rhat_folded") return rhat_folded;
  if (name == "rhat_split") return rhat_split;
  if (name == "rhat_identity") return rhat_plain;
  if (name == "ess_bulk") return ess_bulk;
  if (name == "ess_tail") return [p1, p2](const double* x, std::size_t c, std::size_t n) { return ess_tail(x, c, n, p1, p2); };
  if (name == "ess_quantile") return [p1](const double* x, std::size_t c, std::size_t n) { return ess_quantile(x, c, n, p1); };
  if (name == "ess_mean") return ess_mean;
  if (name == "ess_sd") return ess_sd;
  if (name == "ess_identity") return ess_plain;
  if (name == "mcse_mean") return mcse_mean;
  if (name == "mcse_sd") return mcse_sd;
  throw input_error("unknown statistic '" + name + "'");
}

/// One statistic of each column of (chains, draws, k).
nb::object statistic(draws3 x, const std::string& name, double p1, double p2) {
  const statistic_fn f = find_statistic(name, p1, p2);
  const std::size_t chains = x.shape(0), draws = x.shape(1), k = x.shape(2);
  std::vector<double> out(k, nan);
  std::exception_ptr failure;
  {
    nb::gil_scoped_release nogil;
    const double* data = x.data();
#pragma omp parallel if (k > 1)
    {
      std::vector<double> column(chains * draws);
#pragma omp for schedule(dynamic)
      for (std::size_t j = 0; j < k; ++j) {
        for (std::size_t i = 0; i < chains * draws; ++i) column[i] = data[i * k + j];
        try {
          out[j] = f(column.data(), chains, draws);
        } catch (...) {
#pragma omp critical
          if (!failure) failure = std::current_exception();
        }
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  return to_numpy(std::move(out), {k});
}

}  // namespace

void register_diagnostics(nb::module_& m) {
  m.def("diagnose", &diagnose, nb::arg("x"), nb::arg("names"), nb::arg("tail_low"), nb::arg("tail_high"),
        nb::arg("superchains"), nb::arg("device"));
  m.def("statistic", &statistic, nb::arg("x"), nb::arg("name"), nb::arg("p1") = 0.05, nb::arg("p2") = 0.95);
}

}  // namespace manychains::python
