// `manychains diagnose FILE.npy`: R-hat, ESS and MCSE of draws saved as (chains, draws) or
// (chains, draws, dim), as a table and optionally JSON.
#include <fmt/format.h>

#include <iostream>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/run_report.hpp"
#include "cli/split_summary.hpp"
#include "cli/validate.hpp"
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/error.hpp"
#include "manychains/io/atomic_file.hpp"
#include "manychains/io/inference_data.hpp"
#include "manychains/io/npy.hpp"
#include "manychains/io/npy_view.hpp"
#include "manychains/process_group.hpp"
#include "manychains/summary.hpp"
#include "mpi/collectively.hpp"

namespace manychains::cli {
namespace {

struct diagnose_cli_options {
  std::string file;
  std::size_t superchains = 0;
  std::string json_out;
  std::string device = "auto";
  bool quiet = false;
};

/// The parameter names of the run whose draws `file` holds: from run.json beside it (when it names
/// this file as its draws) or else posterior.nc beside a draws.npy; empty when neither has `dim`.
std::vector<std::string> run_parameter_names(const std::string& file, std::size_t dim) {
  const std::filesystem::path path(file);
  const std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
  const std::string base = path.filename().string();
  std::error_code ec;
  if (std::filesystem::exists(folder / "run.json", ec)) {
    try {
      std::ifstream in(folder / "run.json");
      const nlohmann::json run = nlohmann::json::parse(in);
      const std::string draws = run.value("draws", std::string("draws.npy"));
      for (const char* key : {"parameter_names", "parameters"})  // "parameters": run.json before 0.2
        if (draws == base && run.contains(key) && run[key].is_array() && run[key].size() == dim &&
            std::all_of(run[key].begin(), run[key].end(), [](const nlohmann::json& v) { return v.is_string(); }))
          return run[key].get<std::vector<std::string>>();
    } catch (const std::exception&) {  // not a run.json of ours: no names from it
    }
  }
  if (base == "draws.npy" && std::filesystem::exists(folder / "posterior.nc", ec)) {
    try {
      const std::vector<std::string> names = flat_names(read_posterior_parameters((folder / "posterior.nc").string()));
      if (names.size() == dim) return names;
    } catch (const input_error&) {
    }
  }
  return {};
}

void run_diagnose(const diagnose_cli_options& o) {
  // float64 and float32 files are read in place through a memory map, once; other dtypes are
  // converted to double first.
  const npy_view view(o.file);
  const std::vector<std::size_t>& shape = view.shape();
  if (shape.size() != 2 && shape.size() != 3)
    throw input_error(o.file + ": expected draws shaped (chains, draws) or (chains, draws, dim), got " +
                      std::to_string(shape.size()) + " dimensions");
  const std::size_t chains = shape[0], draws = shape[1], dim = shape.size() == 3 ? shape[2] : 1;
  if (chains == 0 || draws == 0 || dim == 0) throw input_error(o.file + ": the array is empty");
  std::vector<std::string> names;
  if (shape.size() == 2) names = {"x"};
  if (shape.size() == 3) names = run_parameter_names(o.file, dim);
  diagnose_options options;
  options.superchains = o.superchains;

  const bool use_cuda = select_device(parse_device_choice(o.device)) == backend_kind::cuda;
  process_group& group = world();
  std::vector<parameter_summary> rows;
  if (group.size() > 1) {
    // mpirun: split by parameter (split_summary.hpp), each rank reading its columns through the
    // map; the same rows as one process.
    if (!view.data<double>() && !view.data<float>())
      throw input_error(o.file + ": under mpirun diagnose reads float64 or float32 .npy files, not " + view.dtype());
    failure_agreed() = false;  // from here a failure may be one rank's only
    split_diagnosis how;
    how.options = options;
    how.cuda = use_cuda;
    rows = view.data<double>() ? split_rows(group, view.data<double>(), chains, draws, dim, names, how)
                               : split_rows(group, view.data<float>(), chains, draws, dim, names, how);
  } else {
    std::vector<double> converted;
    const double* as_double = view.data<double>();
    if (!as_double && (use_cuda || !view.data<float>())) {
      converted = read_npy(o.file).values;
      as_double = converted.data();
    }
    const auto diags = use_cuda    ? diagnose_draws_cuda_from_host(as_double, chains, draws, dim, names, options)
                       : as_double ? diagnose_draws(as_double, chains, draws, dim, names, options)
                                   : diagnose_draws(view.data<float>(), chains, draws, dim, names, options);
    for (const auto& d : diags) rows.push_back(to_summary(d));
  }
  const bool lead = group.rank() == 0;

  collectively(group, [&] {
    if (o.json_out.empty() || !lead) return;
    std::vector<std::string> row_names;
    for (const auto& r : rows) row_names.push_back(r.name);
    write_file_atomically(o.json_out,
                          nlohmann::json{{"parameter_names", row_names}, {"summary", summary_json(rows)}}.dump(2) + "\n");
  });
  if (!lead) return;
  if (!o.quiet) {
    std::cout << fmt::format("manychains diagnose: {}, {} chains x {} draws x {} parameters ({})\n", o.file, chains,
                             draws, dim, use_cuda ? "cuda" : "cpu");
    print_summary_table(std::cout, rows);
    if (draws < 4) std::cout << "R-hat, ESS and MCSE need at least 4 draws per chain; left out\n";
    if (!o.json_out.empty()) std::cout << "wrote " << o.json_out << '\n';
  }
  print_diagnostic_warnings(std::cerr, rows);
}

}  // namespace

void register_diagnose(CLI::App& app) {
  auto o = std::make_shared<diagnose_cli_options>();
  CLI::App* cmd = app.add_subcommand("diagnose", "R-hat, ESS and MCSE of draws in a .npy file (chains, draws[, dim])");
  cmd->add_option("file", o->file, "draws.npy shaped (chains, draws) or (chains, draws, dim)")->required();
  cmd->add_option("--superchains", o->superchains,
                  "Also nested R-hat, chains [k*M, (k+1)*M) forming superchain k (K must divide the chains)")
      ->check(whole_number(2, std::uint64_t(1) << 31));
  cmd->add_option("--json", o->json_out, "Write {\"parameter_names\": [...], \"summary\": [...]} to this file");
  add_device_option(cmd, o->device);
  cmd->add_flag("--quiet", o->quiet, "No table");
  cmd->callback([o] { run_diagnose(*o); });
}

}  // namespace manychains::cli
