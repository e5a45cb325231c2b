// `manychains diagnose` end to end: writes a small .npy, runs the CLI binary, reads its JSON.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "manychains/diagnostics.hpp"
#include "manychains/io/npy.hpp"

namespace mc = manychains;
namespace fs = std::filesystem;

namespace {

struct cli_result {
  int status;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class diagnose_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("manychains_diagnose_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  cli_result run(const std::string& args) {
    const std::string cmd = std::string(MANYCHAINS_CLI) + " diagnose " + args + " > " + (dir_ / "out").string() +
                            " 2> " + (dir_ / "err").string();
    const int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir_ / "out"), slurp(dir_ / "err")};
  }

  fs::path dir_;
};

std::vector<double> draws3(std::size_t chains, std::size_t draws, std::size_t dim) {
  std::mt19937_64 gen(42);
  std::normal_distribution<double> normal;
  std::vector<double> x(chains * draws * dim);
  for (std::size_t c = 0; c < chains; ++c)
    for (std::size_t j = 0; j < dim; ++j) {
      double v = 0;
      for (std::size_t i = 0; i < draws; ++i) {
        v = 0.5 * v + normal(gen) + (j == 1 && c == 0 ? 0.3 : 0.0);  // parameter 1: chain 0 shifted
        x[(c * draws + i) * dim + j] = v;
      }
    }
  return x;
}

TEST_F(diagnose_cli, table_and_json_match_the_library) {
  const std::size_t chains = 8, draws = 200, dim = 3;
  const auto x = draws3(chains, draws, dim);
  mc::write_npy((dir_ / "d.npy").string(), {chains, draws, dim}, x.data());
  const auto r = run((dir_ / "d.npy").string() + " --superchains 4 --device cpu --json " + (dir_ / "d.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ess_bulk"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x[2]"), std::string::npos) << r.out;
  mc::diagnose_options o;
  o.superchains = 4;
  const auto expect = mc::diagnose_draws(x.data(), chains, draws, dim, {}, o);
  const auto j = nlohmann::json::parse(slurp(dir_ / "d.json"));
  ASSERT_EQ(j["summary"].size(), dim);
  for (std::size_t p = 0; p < dim; ++p) {
    const auto& row = j["summary"][p];
    EXPECT_EQ(row["name"], expect[p].name);
    // JSON carries doubles to 17 significant digits: equal to the last bit.
    EXPECT_EQ(row["rhat"].get<double>(), *expect[p].rhat);
    EXPECT_EQ(row["ess_bulk"].get<double>(), *expect[p].ess_bulk);
    EXPECT_EQ(row["ess_tail"].get<double>(), *expect[p].ess_tail);
    EXPECT_EQ(row["mcse_mean"].get<double>(), *expect[p].mcse_mean);
    EXPECT_EQ(row["rhat_nested"].get<double>(), *expect[p].rhat_nested);
    for (const char* k : {"mean", "sd", "q5", "q50", "q95"}) EXPECT_TRUE(row.contains(k)) << k;
  }
}

TEST_F(diagnose_cli, two_dimensional_input_and_short_chains) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6};
  mc::write_npy((dir_ / "short.npy").string(), {3, 2}, x.data());
  const auto r = run((dir_ / "short.npy").string() + " --json " + (dir_ / "s.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(dir_ / "s.json"));
  EXPECT_EQ(j["summary"][0]["name"], "x");
  EXPECT_FALSE(j["summary"][0].contains("rhat"));  // undefined below 4 draws: left out
  EXPECT_DOUBLE_EQ(j["summary"][0]["mean"].get<double>(), 3.5);
}

TEST_F(diagnose_cli, nan_and_bad_superchains_are_clear_errors) {
  auto x = draws3(4, 10, 2);
  x[(2 * 10 + 3) * 2 + 1] = std::numeric_limits<double>::quiet_NaN();
  mc::write_npy((dir_ / "nan.npy").string(), {4, 10, 2}, x.data());
  auto r = run((dir_ / "nan.npy").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("x[1]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NaN"), std::string::npos) << r.err;
  x[(2 * 10 + 3) * 2 + 1] = 0;
  mc::write_npy((dir_ / "ok.npy").string(), {4, 10, 2}, x.data());
  r = run((dir_ / "ok.npy").string() + " --superchains 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("superchains"), std::string::npos) << r.err;
  r = run((dir_ / "missing.npy").string());
  EXPECT_NE(r.status, 0);
}

}  // namespace

// Names come from the run beside the draws: run.json's parameter_names, or else posterior.nc.
TEST_F(diagnose_cli, names_parameters_from_the_run_json_or_posterior_nc) {
  const fs::path run_dir = dir_ / "oring";
  const std::string sample = std::string(MANYCHAINS_CLI) + " sample --target oring --chains 8 --warmup 100 --draws 50 "
                             "--seed 1 --device cpu --quiet --out " + run_dir.string() + " 2> /dev/null";
  ASSERT_EQ(std::system(sample.c_str()), 0);
  const std::string draws = (run_dir / "draws.npy").string();
  auto r = run(draws + " --device cpu --json " + (dir_ / "o.json").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("alpha"), std::string::npos) << r.out;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir_ / "o.json"))["parameter_names"],
            (std::vector<std::string>{"alpha", "beta"}));
  fs::remove(run_dir / "run.json");  // posterior.nc alone still names them
  r = run(draws + " --device cpu");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("beta"), std::string::npos) << r.out;
  fs::copy_file(run_dir / "draws.npy", dir_ / "copy.npy");  // a file of no run: x[0], x[1]
  r = run((dir_ / "copy.npy").string() + " --device cpu");
  EXPECT_NE(r.out.find("x[1]"), std::string::npos) << r.out;
}

// At d = 100 with every parameter failing, --quiet prints one line per check, as sample does.
TEST_F(diagnose_cli, quiet_groups_warnings_per_check) {
  const std::size_t chains = 4, draws = 50, dim = 100;
  std::vector<double> x(chains * draws * dim);
  std::mt19937_64 gen(7);
  std::normal_distribution<double> normal;
  for (std::size_t c = 0; c < chains; ++c)
    for (std::size_t i = 0; i < draws; ++i)
      for (std::size_t j = 0; j < dim; ++j) x[(c * draws + i) * dim + j] = normal(gen) + 3.0 * double(c);
  mc::write_npy((dir_ / "bad.npy").string(), {chains, draws, dim}, x.data());
  const auto r = run((dir_ / "bad.npy").string() + " --device cpu --quiet");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;  // R-hat and bulk ESS
  EXPECT_NE(r.err.find("(and 99 more parameters)"), std::string::npos) << r.err;
}
