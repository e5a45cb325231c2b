// `manychains vb`: fit a Bayesian Gaussian mixture by variational inference (vb.json, gmm.json,
// responsibilities.npy), in the vocabulary of `manychains em` and scikit-learn's
// BayesianGaussianMixture.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/mixture_flags.hpp"
#include "cli/npy_option.hpp"
#include "cli/validate.hpp"
#include "manychains/em.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/csv.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/vb.hpp"

namespace manychains::cli {
namespace {

struct vb_options : mixture_flags {
  std::string init_responsibilities;
  double weight_threshold = 0.01;
  std::string weight_prior_type = "dirichlet_process";
  std::optional<double> weight_concentration, mean_precision, degrees_of_freedom;
  std::string mean_prior, covariance_prior;
};

/// Numbers given as "a,b,c" (or one number), or a .npy file of shape `shape`; `count` values.
std::vector<double> numbers_option(const std::string& option, const std::string& text,
                                   const std::vector<std::size_t>& shape, std::size_t count) {
  if (text.size() > 4 && text.compare(text.size() - 4, 4, ".npy") == 0) return read_npy_option(option, text, shape);
  std::vector<double> v;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    char* stop = nullptr;
    const double x = item.empty() ? NAN : std::strtod(item.c_str(), &stop);
    if (!std::isfinite(x) || *stop != '\0')
      throw input_error(fmt::format("{} {}: '{}' is not a finite number", option, text, item));
    v.push_back(x);
    begin = end + 1;
  }
  if (v.size() != count)
    throw input_error(fmt::format("{} {}: {} values, expected {} (or a .npy file)", option, text, v.size(), count));
  return v;
}

void run_vb(const vb_options& o) {
  const numeric_table table = read_table(o.data);
  MC_EXPECTS(o.components >= 1, "--components must be at least 1");
  const std::size_t n = table.rows, d = table.cols;
  const std::size_t K = std::size_t(o.components);
  MC_EXPECTS(n >= K, fmt::format("{}: {} data points are fewer than the {} components (--components)", o.data, n, K));
  MC_EXPECTS(n >= 2, fmt::format("{}: the Bayesian mixture needs at least 2 data points, not {}", o.data, n));
  bayesian_gaussian_mixture_options g;
  const std::uint64_t seed = apply_mixture_flags(o, g);
  if (!o.init_responsibilities.empty()) {
    g.resp_init = read_npy_option("--init-responsibilities", o.init_responsibilities, {n, K});
    for (double r : *g.resp_init)
      MC_EXPECTS(std::isfinite(r) && r >= 0,
                 "--init-responsibilities " + o.init_responsibilities + ": values must be finite and non-negative");
  }
  vb_prior_options& p = g.prior;
  p.weight_type = parse_weight_prior_type(o.weight_prior_type);
  p.weight_concentration = o.weight_concentration;
  p.mean_precision = o.mean_precision;
  p.degrees_of_freedom = o.degrees_of_freedom;
  if (!o.mean_prior.empty()) p.mean = numbers_option("--mean-prior", o.mean_prior, {d}, d);
  if (!o.covariance_prior.empty()) {
    const std::size_t size = covariance_prior_size(g.covariance, int(d));
    std::vector<std::size_t> shape = {d, d};
    if (g.covariance == covariance_type::diag) shape = {d};
    if (g.covariance == covariance_type::spherical) shape = {};
    p.covariance = numbers_option("--covariance-prior", o.covariance_prior, shape, size);
  }
  // The priors are checked before the output folder exists (the fit resolves them again).
  const matrix_view x{table.values.data(), n, d};
  check_mixture_data(x, o.data.c_str());
  resolve_vb_prior(p, g.covariance, o.components, table.values.data(), n, int(d));

  const auto start = std::chrono::steady_clock::now();
  bool printing = false;
  if (!o.quiet)
    g.on_iteration = [&](const vb_iteration_info& info) {
      // One line per iteration once the fit has run for more than a second.
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!printing && elapsed < 1.0) return;
      printing = true;
      std::fprintf(stderr, "vb: %siteration %d  lower bound %.10g  change %.3g  %.3f s\n",
                   o.n_init > 1 ? fmt::format("restart {} ", info.restart + 1).c_str() : "", info.iteration,
                   info.lower_bound, info.change, info.seconds);
    };
  ensure_directory(o.out);
  bayesian_gaussian_mixture vb(g);
  vb.fit(x);
  const std::vector<int> used = vb.effective_components(o.weight_threshold);
  nlohmann::json j = vb.to_json();
  j["effective_components"] = {{"count", used.size()},
                               {"components", used},
                               {"weight_threshold", o.weight_threshold},
                               {"rule", "components whose weight E[pi_k] exceeds weight_threshold"}};
  j["n_samples"] = n;
  const em_timings& t = vb.timings();
  const double per_iteration = t.iterations > 0 ? (t.e_step + t.m_step) / t.iterations : 0.0;
  j["timings"] = mixture_timings_json(t);
  j["settings"] = {{"data", o.data},
                   {"components", o.components},
                   {"covariance", o.covariance},
                   {"init", o.init},
                   {"init_responsibilities", o.init_responsibilities},
                   {"n_init", o.n_init},
                   {"max_iter", o.max_iter},
                   {"tol", o.tol},
                   {"reg_covar", o.reg_covar},
                   {"seed", seed},
                   {"device", o.device},
                   {"precision", o.precision},
                   {"weight_prior_type", o.weight_prior_type},
                   {"weight_threshold", o.weight_threshold}};
  j["device"] = vb.device_name();  // the keys every subcommand's JSON shares
  j["seconds"] = t.total;
  // gmm.json: the plug-in mixture (E[π], m_k, (ν_k W_k)⁻¹), which `em-predict` reads.
  nlohmann::json gmm = gaussian_mixture(vb.params().gaussian).to_json();
  gmm["source"] = "manychains vb: the variational posterior's plug-in mixture (see vb.json)";
  write_file_atomically(o.out + "/vb.json", j.dump(2) + "\n");
  write_file_atomically(o.out + "/gmm.json", gmm.dump(2) + "\n");
  if (o.responsibilities) {
    const auto r = vb.predict_proba(x);
    write_npy(o.out + "/responsibilities.npy", {n, K}, r.data());
  }
  if (!o.quiet) {
    std::string which;
    for (std::size_t i = 0; i < used.size(); ++i) which += (i ? ", " : "") + std::to_string(used[i]);
    std::cout << fmt::format(
        "manychains vb: {} components ({}, {}) on {} x {} points, {}, {}, seed {}: {} after {} iterations\n"
        "  lower bound {:.10g}; {} effective components (weight > {}): {}; {:.3f} s per iteration\n"
        "  wrote {}/vb.json, gmm.json{}\n",
        o.components, o.covariance, o.weight_prior_type, n, d, vb.device_name(), o.precision, seed,
        vb.converged() ? "converged" : "NOT converged", vb.n_iter(), vb.lower_bound(), used.size(),
        o.weight_threshold, which, per_iteration, o.out, o.responsibilities ? " and responsibilities.npy" : "");
  }
  if (!vb.converged() && !o.quiet && o.max_iter > 0)
    std::cerr << fmt::format("warning: VB did not converge in {} iterations (tol {}); raise --max-iter\n",
                             o.max_iter, o.tol);
}

}  // namespace

void register_vb(CLI::App& app) {
  auto o = std::make_shared<vb_options>();
  CLI::App* cmd = app.add_subcommand(
      "vb", "Fit a Bayesian Gaussian mixture by variational inference (writes DIR/vb.json and DIR/gmm.json)");
  add_mixture_flags(cmd, *o, "lower bound", "VB", "vb.json", "manychains-vb");
  cmd->add_option("--init-responsibilities", o->init_responsibilities,
                  "Initial responsibilities, .npy of shape (n, K), in place of --init");
  cmd->add_option("--weight-prior-type", o->weight_prior_type,
                  "dirichlet_process (stick-breaking) or dirichlet_distribution")
      ->check(CLI::IsMember({"dirichlet_process", "dirichlet_distribution"}))
      ->capture_default_str();
  cmd->add_option("--weight-concentration-prior", o->weight_concentration,
                  "Concentration of the weights' prior (default 1/K); small values favour few components")
      ->check(positive_number());
  cmd->add_option("--mean-precision-prior", o->mean_precision, "beta_0 of the means' prior (default 1)")
      ->check(positive_number());
  cmd->add_option("--mean-prior", o->mean_prior, "m_0: d numbers 'a,b,...' or a .npy (d,) (default: the data's mean)");
  cmd->add_option("--degrees-of-freedom-prior", o->degrees_of_freedom,
                  "nu_0 of the Wishart prior, greater than d - 1 (default d)")
      ->check(positive_number());
  cmd->add_option("--covariance-prior", o->covariance_prior,
                  "Psi_0: .npy of shape (d, d) for full and tied, d numbers or (d,) for diag, one number for "
                  "spherical (default: the data's covariance, its diagonal, or their mean)");
  cmd->add_option("--weight-threshold", o->weight_threshold,
                  "A component with weight above this counts as effective (reported in vb.json)")
      ->check(finite_number(0.0, 1.0))
      ->capture_default_str();
  cmd->callback([o] { run_vb(*o); });
}

}  // namespace manychains::cli
