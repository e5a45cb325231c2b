// The flags of the mixture-fitting subcommands (em, vb), registered once.
#include "cli/mixture_flags.hpp"

#include <limits>

#include "cli/commands.hpp"
#include "cli/validate.hpp"

namespace manychains::cli {

void add_mixture_flags(CLI::App* cmd, mixture_flags& f, const std::string& objective, const std::string& method,
                       const std::string& json, const std::string& out) {
  f.out = out;
  cmd->add_option("data", f.data, "Data: .csv (optional header) or .npy, one row per point")->required();
  cmd->add_option("--components,-k", f.components, "Number of mixture components K")
      ->required()
      ->check(whole_number(1, std::numeric_limits<int>::max()));
  cmd->add_option("--covariance,--covariance-type", f.covariance, "full, diag, spherical or tied")
      ->check(CLI::IsMember({"full", "diag", "spherical", "tied"}))
      ->capture_default_str();
  cmd->add_option("--init", f.init, "kmeans++, random or random_from_data")
      ->check(CLI::IsMember({"kmeans++", "random", "random_from_data"}))
      ->capture_default_str();
  cmd->add_option("--n-init", f.n_init, "Restarts; the best final " + objective + " is kept")
      ->check(whole_number(1, std::numeric_limits<int>::max()))
      ->capture_default_str();
  cmd->add_option("--max-iter", f.max_iter, "Maximum " + method + " iterations")
      ->check(whole_number(0, std::numeric_limits<int>::max()))
      ->capture_default_str();
  cmd->add_option("--tol", f.tol, "Stop when the " + objective + " changes by less")
      ->check(non_negative_number())
      ->capture_default_str();
  cmd->add_option("--reg-covar", f.reg_covar, "Added to the covariances' diagonal")
      ->check(non_negative_number())
      ->capture_default_str();
  cmd->add_option("--seed", f.seed,
                  "Seed of the initialisation, 0 to 2^64-1 (default: drawn at random, recorded in " + json + ")")
      ->check(seed_number());
  add_device_option(cmd, f.device);
  add_precision_option(cmd, f.precision);
  cmd->add_option("--out", f.out, "Output folder")->capture_default_str();
  cmd->add_flag("--responsibilities", f.responsibilities, "Also write DIR/responsibilities.npy (n, K)");
  cmd->add_flag("--quiet", f.quiet, "No summary or progress lines");
}

nlohmann::json mixture_timings_json(const em_timings& t) {
  return {{"initialisation_s", t.initialisation},
          {"e_step_s", t.e_step},
          {"m_step_s", t.m_step},
          {"total_s", t.total},
          {"iterations", t.iterations},
          {"per_iteration_s", t.iterations > 0 ? (t.e_step + t.m_step) / t.iterations : 0.0}};
}

}  // namespace manychains::cli
