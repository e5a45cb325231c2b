// `manychains em`: fit a Gaussian mixture by EM (gmm.json, responsibilities.npy);
// `manychains em-predict`: labels, probabilities and log-densities from a fitted model.
#include <fmt/format.h>

#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/mixture_flags.hpp"
#include "cli/npy_option.hpp"
#include "cli/validate.hpp"
#include "manychains/em.hpp"
#include "manychains/em/params.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/csv.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/io/npy_slabs.hpp"
#include "manychains/io/npy_view.hpp"
#include "manychains/process_group.hpp"
#include "mpi/collectively.hpp"

namespace manychains::cli {
namespace {

struct em_options : mixture_flags {
  std::string init_weights, init_means, init_covariances;
};

/// A .npy file of int64 (labels), written atomically.
void write_labels_npy(const std::string& path, const std::vector<int>& labels) {
  std::string header = fmt::format("{{'descr': '<i8', 'fortran_order': False, 'shape': ({},), }}", labels.size());
  const std::size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  bytes += header;
  for (int l : labels) {
    const std::int64_t v = l;
    char b[8];
    std::memcpy(b, &v, 8);  // little-endian hosts (x86-64, aarch64)
    bytes.append(b, 8);
  }
  write_file_atomically(path, bytes);
}

/// This process's rows of the data: all of them in one process; under mpirun its share
/// em_row_share of them (a float64/float32 .npy read in place, only those rows; any other file
/// read whole and cut).
struct data_rows {
  std::vector<double> values;  ///< rows × cols, row-major
  std::size_t rows = 0, cols = 0, first = 0, total = 0;
};

data_rows read_rows(const std::string& path, process_group& group) {
  data_rows out;
  const bool is_npy = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
  if (group.size() > 1 && is_npy) {
    const npy_view view(path);
    const std::vector<std::size_t>& shape = view.shape();
    if ((view.data<double>() || view.data<float>()) && !shape.empty() && shape.size() <= 2 && shape[0] > 0) {
      out.total = shape[0];
      out.cols = shape.size() == 2 ? shape[1] : 1;
      const chain_range mine = em_row_share(out.total, group.rank(), group.size());
      out.first = mine.first;
      out.rows = mine.size();
      out.values.resize(out.rows * out.cols);
      const std::size_t at = out.first * out.cols;
      for (std::size_t i = 0; i < out.values.size(); ++i) {
        out.values[i] = view.data<double>() ? view.data<double>()[at + i] : double(view.data<float>()[at + i]);
        if (!std::isfinite(out.values[i]))  // read_table's message, with the global row
          throw input_error(path + ": row " + std::to_string((at + i) / out.cols) + ", column " +
                            std::to_string((at + i) % out.cols) + " is not finite; data must be finite");
      }
      return out;
    }
  }
  numeric_table table = read_table(path);
  out.total = table.rows;
  out.cols = table.cols;
  const chain_range mine = em_row_share(out.total, group.rank(), group.size());
  out.first = mine.first;
  out.rows = mine.size();
  if (group.size() == 1) out.values = std::move(table.values);
  else out.values.assign(table.values.begin() + std::ptrdiff_t(out.first * out.cols),
                         table.values.begin() + std::ptrdiff_t((out.first + out.rows) * out.cols));
  return out;
}

/// `manychains em`; under `mpirun -np R` the data rows are split over the ranks (em_row_share)
/// and every sum over rows is folded in rank order (em/rows.hpp): gmm.json is one process's, bit
/// for bit on the CPU. Rank 0 writes it, after every rank has finished the fit.
void run_em(const em_options& o) {
  process_group& group = world();
  const bool lead = group.rank() == 0;
  data_rows data;  // the checks below then see the same values on every rank
  collectively(group, [&] { data = read_rows(o.data, group); });
  MC_EXPECTS(o.components >= 1, "--components must be at least 1");
  const std::size_t n = data.total, d = data.cols;
  const std::size_t K = std::size_t(o.components);
  MC_EXPECTS(n >= K, fmt::format("{}: {} data points are fewer than the {} components (--components)", o.data, n, K));
  gaussian_mixture_options g;
  const std::uint64_t seed = apply_mixture_flags(o, g);
  if (!o.init_weights.empty()) g.weights_init = read_npy_option("--init-weights", o.init_weights, {K});
  if (!o.init_means.empty()) g.means_init = read_npy_option("--init-means", o.init_means, {K, d});
  if (!o.init_covariances.empty()) {
    std::vector<std::size_t> want;
    switch (g.covariance) {
      case covariance_type::full: want = {K, d, d}; break;
      case covariance_type::tied: want = {d, d}; break;
      case covariance_type::diag: want = {K, d}; break;
      case covariance_type::spherical: want = {K}; break;
    }
    g.covariances_init = read_npy_option("--init-covariances", o.init_covariances, want);
  }
  const auto start = std::chrono::steady_clock::now();
  bool printing = false;
  if (!o.quiet)
    g.on_iteration = [&](const em_iteration_info& info) {
      // One line per iteration once the fit has run for more than a second.
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!lead || (!printing && elapsed < 1.0)) return;
      printing = true;
      std::fprintf(stderr, "em: %siteration %d  mean log-likelihood %.8g  change %.3g  %.3f s\n",
                   o.n_init > 1 ? fmt::format("restart {} ", info.restart + 1).c_str() : "", info.iteration,
                   info.mean_log_likelihood, info.change, info.seconds);
    };
  // The given initial values are checked before the output folder exists (the fit checks them too).
  check_given_parameters(g.weights_init.value_or(std::vector<double>{}), g.means_init.value_or(std::vector<double>{}),
                         g.covariances_init.value_or(std::vector<double>{}), g.covariance, int(K), int(d),
                         "the initial parameters");
  collectively(group, [&] {
    if (lead) ensure_directory(o.out);
  });
  gaussian_mixture gm(g);
  const matrix_view x{data.values.data(), data.rows, d};
  failure_agreed() = false;  // from here a failure may be one rank's only (the fit agrees on its own)
  gm.fit(x, em_rows{&group, data.first, n});
  // mean log p over every rank's rows, summed in row order as gaussian_mixture::score does
  const std::vector<double> log_p = data.rows > 0 ? gm.score_samples(x) : std::vector<double>{};
  const double score = sum_over_rows(group, 1, [&](std::vector<double>& a) {
    for (double v : log_p) a[0] += v;
  })[0] / double(n);
  const double ll_total = score * double(n), params = free_parameters(gm.params());
  const double bic = -2 * ll_total + params * std::log(double(n)), aic = -2 * ll_total + 2 * params;
  nlohmann::json j = gm.to_json();
  j["bic"] = bic;
  j["aic"] = aic;
  j["n_samples"] = n;
  const em_timings& t = gm.timings();
  j["timings"] = mixture_timings_json(t);
  j["settings"] = {{"data", o.data},          {"components", o.components}, {"covariance", o.covariance},
                   {"init", o.init},          {"n_init", o.n_init},         {"max_iter", o.max_iter},
                   {"tol", o.tol},            {"reg_covar", o.reg_covar},   {"seed", seed},
                   {"device", o.device},      {"precision", o.precision},
                   {"init_weights", o.init_weights}, {"init_means", o.init_means},
                   {"init_covariances", o.init_covariances}};
  j["device"] = gm.device_name();  // the keys every subcommand's JSON shares
  j["seconds"] = t.total;
  if (group.size() > 1) j["ranks"] = group.size();
  // Under mpirun each rank writes its rows of responsibilities.npy (as sample's draws.npy: the
  // same array, its header padded to 256 bytes); rank 0 moves it into place beside gmm.json.
  std::string responsibilities_tmp;
  std::optional<npy_slab_file<double>> responsibilities;
  if (group.size() > 1 && o.responsibilities) {
    const std::vector<double> r = data.rows > 0 ? gm.predict_proba(x) : std::vector<double>{};
    responsibilities.emplace(group, o.out + "/responsibilities.npy", std::vector<std::size_t>{n, K});
    responsibilities->write(data.first, r.data(), data.rows);
    responsibilities_tmp = responsibilities->finish();
  }
  collectively(group, [&] {
    if (!lead) return;
    try {
      write_file_atomically(o.out + "/gmm.json", j.dump(2) + "\n");
      if (!responsibilities_tmp.empty())
        std::filesystem::rename(responsibilities_tmp, o.out + "/responsibilities.npy");
    } catch (...) {
      std::error_code ec;
      if (!responsibilities_tmp.empty()) std::filesystem::remove(responsibilities_tmp, ec);
      throw;
    }
  });
  if (!lead) return;
  if (o.responsibilities && group.size() == 1) {
    const auto r = gm.predict_proba(x);
    write_npy(o.out + "/responsibilities.npy", {n, K}, r.data());
  }
  if (!o.quiet)
    std::cout << fmt::format(
        "manychains em: {} components ({}) on {} x {} points, {}, {}, seed {}: {} after {} iterations\n"
        "  mean log-likelihood {:.10g}, BIC {:.10g}, AIC {:.10g}, {:.3f} s per iteration\n  wrote {}/gmm.json{}\n",
        o.components, o.covariance, n, d, gm.device_name(), o.precision, seed,
        gm.converged() ? "converged" : "NOT converged", gm.n_iter(), gm.lower_bound(), bic, aic,
        t.iterations > 0 ? (t.e_step + t.m_step) / t.iterations : 0.0, o.out,
        o.responsibilities ? " and responsibilities.npy" : "");
  if (!gm.converged() && !o.quiet && o.max_iter > 0)
    std::cerr << fmt::format("warning: EM did not converge in {} iterations (tol {}); raise --max-iter\n",
                             o.max_iter, o.tol);
}

struct predict_options {
  std::string model, data, out;
};

void run_predict(const predict_options& o) {
  std::ifstream in(o.model);
  if (!in) throw input_error("cannot open " + o.model);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw input_error(o.model + ": not valid JSON (" + plain_reason(e) + ")");
  }
  const gaussian_mixture gm = gaussian_mixture::from_json(j);
  const numeric_table table = read_table(o.data);
  if (table.cols != std::size_t(gm.params().dim))
    throw input_error(fmt::format("{}: {} columns, but the model {} has {} dimensions", o.data, table.cols, o.model,
                                  gm.params().dim));
  const matrix_view x{table.values.data(), table.rows, table.cols};
  const std::size_t n = table.rows, K = std::size_t(gm.params().components);
  const auto proba = gm.predict_proba(x);
  const auto labels = gm.predict(x);
  const auto logd = gm.score_samples(x);
  if (!o.out.empty()) {
    ensure_directory(o.out);
    write_labels_npy(o.out + "/labels.npy", labels);
    write_npy(o.out + "/probabilities.npy", {n, K}, proba.data());
    write_npy(o.out + "/log_density.npy", {n}, logd.data());
    return;
  }
  std::string text = "label,log_density";
  for (std::size_t k = 0; k < K; ++k) text += fmt::format(",p{}", k);
  text += "\n";
  for (std::size_t i = 0; i < n; ++i) {
    text += fmt::format("{},{:.17g}", labels[i], logd[i]);
    for (std::size_t k = 0; k < K; ++k) text += fmt::format(",{:.17g}", proba[i * K + k]);
    text += "\n";
  }
  std::cout << text;  // main() checks that it reached stdout
}

}  // namespace

void register_em(CLI::App& app) {
  auto o = std::make_shared<em_options>();
  CLI::App* cmd = app.add_subcommand("em", "Fit a Gaussian mixture model by EM (writes DIR/gmm.json)");
  add_mixture_flags(cmd, *o, "mean log-likelihood per sample", "EM", "gmm.json", "manychains-em");
  cmd->add_option("--init-weights", o->init_weights, "Initial weights, .npy of shape (K,)");
  cmd->add_option("--init-means", o->init_means, "Initial means, .npy of shape (K, d)");
  cmd->add_option("--init-covariances", o->init_covariances,
                  "Initial covariances, .npy: full (K, d, d), tied (d, d), diag (K, d), spherical (K,)");
  cmd->callback([o] { run_em(*o); });
}

void register_em_predict(CLI::App& app) {
  auto o = std::make_shared<predict_options>();
  CLI::App* cmd = app.add_subcommand(
      "em-predict", "Labels, probabilities and log-densities of data under a fitted gmm.json (CSV on stdout)");
  cmd->add_option("model", o->model, "gmm.json written by `manychains em`")->required();
  cmd->add_option("data", o->data, "Data: .csv or .npy")->required();
  cmd->add_option("--out", o->out,
                  "Write DIR/labels.npy (int64), DIR/probabilities.npy (n, K), DIR/log_density.npy (n,) "
                  "instead of CSV on stdout");
  cmd->callback([o] { run_predict(*o); });
}

}  // namespace manychains::cli
