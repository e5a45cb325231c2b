/// \file mixture_flags.hpp
/// The flags `manychains em` and `manychains vb` share: the data, K, the covariance type, the
/// initialisation, the iteration controls, the seed, device, precision and outputs.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/validate.hpp"
#include "manychains/devices.hpp"
#include "manychains/em.hpp"

namespace manychains::cli {

struct mixture_flags {
  std::string data;
  int components = 0;
  std::string covariance = "full", init = "kmeans++", device = "auto", precision = "double", out;
  int n_init = 1, max_iter = 100;
  double tol = 1e-3, reg_covar = 1e-6;
  std::optional<std::uint64_t> seed;
  bool responsibilities = false, quiet = false;
};

/// Registers the shared flags on `cmd`. `objective` names what --tol and --n-init compare (e.g.
/// "mean log-likelihood per sample"), `method` the iterations ("EM"), `json` the file that records
/// the seed ("gmm.json"); `out` is the default output folder.
void add_mixture_flags(CLI::App* cmd, mixture_flags& f, const std::string& objective, const std::string& method,
                       const std::string& json, const std::string& out);

/// Copies the shared flags into a fit's options (gaussian_mixture_options or
/// bayesian_gaussian_mixture_options, which share these names); returns the seed used (drawn at
/// random without --seed).
template <class Options>
std::uint64_t apply_mixture_flags(const mixture_flags& f, Options& g) {
  g.n_components = f.components;
  g.covariance = parse_covariance_type(f.covariance);
  g.init_params = parse_em_init(f.init);
  g.n_init = f.n_init;
  g.max_iter = f.max_iter;
  g.tol = f.tol;
  g.reg_covar = f.reg_covar;
  g.seed = f.seed ? *f.seed : random_seed();
  g.device = parse_device_choice(f.device);
  g.precision = f.precision == "float" ? em_precision::float32 : em_precision::float64;
  return g.seed;
}

/// A fit's timings as the JSON both write: seconds of initialisation, E-step, M-step, total, the
/// iterations and seconds per iteration.
nlohmann::json mixture_timings_json(const em_timings& t);

}  // namespace manychains::cli
