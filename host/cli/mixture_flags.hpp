/// \file mixture_flags.hpp
/// The flags `manychains em` and `manychains vb` share: the data, K, the covariance type, the
/// initialisation, the iteration controls, the seed, device, precision and outputs.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace manychains::cli
