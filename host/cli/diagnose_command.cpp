// `manychains diagnose FILE.npy`: R-hat, ESS and MCSE of draws saved as (chains, draws) or
// (chains, draws, dim), as a table and optionally JSON.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/validate.hpp"
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/summary.hpp"

namespace manychains::cli {
namespace {

struct diagnose_cli_options {
  std::string file;
  std::size_t superchains = 0;
  std::string json_out;
  std::string device = "auto";
  bool quiet = false;
};

void run_diagnose(const diagnose_cli_options& o) {
  const npy_array a = read_npy(o.file);
  if (a.shape.size() != 2 && a.shape.size() != 3)
    throw input_error(o.file + ": expected draws shaped (chains, draws) or (chains, draws, dim), got " +
                      std::to_string(a.shape.size()) + " dimensions");
  const std::size_t chains = a.shape[0], draws = a.shape[1], dim = a.shape.size() == 3 ? a.shape[2] : 1;
  if (chains == 0 || draws == 0 || dim == 0) throw input_error(o.file + ": the array is empty");
  std::vector<std::string> names;
  if (a.shape.size() == 2) names = {"x"};
  diagnose_options options;
  options.superchains = o.superchains;

  std::string reason;
  const bool use_cuda = o.device == "cuda" || (o.device == "auto" && cuda_usable(&reason));
  const auto diags = use_cuda ? diagnose_draws_cuda_from_host(a.values.data(), chains, draws, dim, names, options)
                              : diagnose_draws(a.values.data(), chains, draws, dim, names, options);
  std::vector<parameter_summary> rows;
  for (const auto& d : diags) rows.push_back(to_summary(d));

  if (!o.json_out.empty())
    write_file_atomically(o.json_out, nlohmann::json{{"parameters", summary_json(rows)}}.dump(2) + "\n");
  if (!o.quiet) {
    std::cout << fmt::format("manychains diagnose: {}, {} chains x {} draws x {} parameters ({})\n", o.file, chains,
                             draws, dim, use_cuda ? "cuda" : "cpu");
    print_summary_table(std::cout, rows);
    if (draws < 4) std::cout << "R-hat, ESS and MCSE need at least 4 draws per chain; left out\n";
    if (!o.json_out.empty()) std::cout << "wrote " << o.json_out << '\n';
  }
  for (const auto& r : rows) {
    if (r.rhat && *r.rhat > 1.01)
      std::cerr << fmt::format("warning: R-hat of {} is {:.3f} > 1.01: the chains have not mixed\n", r.name, *r.rhat);
    if (r.rhat_nested && *r.rhat_nested > 1.01)
      std::cerr << fmt::format("warning: nested R-hat of {} is {:.3f} > 1.01: the superchains disagree\n", r.name,
                               *r.rhat_nested);
    if (r.ess_bulk && *r.ess_bulk < 400)
      std::cerr << fmt::format("warning: bulk ESS of {} is {:.0f} < 400: estimates of its mean and quantiles are "
                               "unreliable\n",
                               r.name, *r.ess_bulk);
  }
}

}  // namespace

void register_diagnose(CLI::App& app) {
  auto o = std::make_shared<diagnose_cli_options>();
  CLI::App* cmd = app.add_subcommand("diagnose", "R-hat, ESS and MCSE of draws in a .npy file (chains, draws[, dim])");
  cmd->add_option("file", o->file, "draws.npy shaped (chains, draws) or (chains, draws, dim)")->required();
  cmd->add_option("--superchains", o->superchains,
                  "Also nested R-hat, chains [k*M, (k+1)*M) forming superchain k (K must divide the chains)")
      ->check(whole_number(2, std::uint64_t(1) << 31));
  cmd->add_option("--json", o->json_out, "Write {\"parameters\": [...]} to this file");
  add_device_option(cmd, o->device);
  cmd->add_flag("--quiet", o->quiet, "No table");
  cmd->callback([o] { run_diagnose(*o); });
}

}  // namespace manychains::cli
