// `manychains ensemble` end to end: files, shapes, run.json contents, and one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "manychains/io/npy.hpp"

namespace {

struct command_result {
  int status;
  std::string output;
};

command_result run_cli(const std::string& args) {
  const std::string command = std::string(MANYCHAINS_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("manychains_ensemble_cli_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

}  // namespace

TEST(EnsembleCli, StretchWritesDrawsParticlesAndRunJson) {
  const std::string dir = temp_dir("stretch");
  const auto r = run_cli("ensemble --method stretch --target gaussian:dim=3 --ensembles 4 --particles 8 "
                         "--iterations 200 --burn 50 --seed 3 --device cpu --out " + dir);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("acceptance fraction"), std::string::npos);
  EXPECT_NE(r.output.find("x[2]"), std::string::npos);
  const auto draws = manychains::read_npy(dir + "/draws.npy");
  EXPECT_EQ(draws.shape, (std::vector<std::size_t>{32, 200, 3}));
  const auto particles = manychains::read_npy(dir + "/particles.npy");
  EXPECT_EQ(particles.shape, (std::vector<std::size_t>{32, 3}));
  // The final particles are the last draw of each walker.
  for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(particles.values[5 * 3 + j], draws.values[(5 * 200 + 199) * 3 + j]);
  const auto run = read_json(dir + "/run.json");
  EXPECT_GT(run["acceptance_fraction"].get<double>(), 0.2);
  ASSERT_EQ(run["acceptance_fraction_per_ensemble"], "acceptance_fraction_per_ensemble.npy");
  const auto per_ensemble = manychains::read_npy(dir + "/acceptance_fraction_per_ensemble.npy");
  EXPECT_EQ(per_ensemble.shape, (std::vector<std::size_t>{4}));
  double mean_fraction = 0;
  for (double f : per_ensemble.values) mean_fraction += f / 4;
  EXPECT_NEAR(mean_fraction, run["acceptance_fraction"].get<double>(), 1e-12);
  EXPECT_TRUE(std::filesystem::exists(dir + "/posterior.nc"));
  EXPECT_EQ(run["integrated_time"].size(), 3u);
  EXPECT_EQ(run["summary"].size(), 3u);
  EXPECT_TRUE(run["summary"][0].contains("mcse_mean"));
  EXPECT_EQ(run["settings"]["seed"], 3);
  // Same seed, same draws.
  const std::string again = temp_dir("stretch_again");
  ASSERT_EQ(run_cli("ensemble --method stretch --target gaussian:dim=3 --ensembles 4 --particles 8 --iterations 200 "
                    "--burn 50 --seed 3 --device cpu --quiet --out " + again)
                .status,
            0);
  EXPECT_EQ(manychains::read_npy(again + "/draws.npy").values, draws.values);
}

TEST(EnsembleCli, SvgdWritesParticlesAndTrace) {
  const std::string dir = temp_dir("svgd");
  const auto r = run_cli("ensemble --method svgd --target mixture --particles 100 --iterations 60 --seed 1 "
                         "--tolerance 0 --out " + dir);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("SVGD"), std::string::npos);
  const auto particles = manychains::read_npy(dir + "/particles.npy");
  EXPECT_EQ(particles.shape, (std::vector<std::size_t>{100, 2}));
  const auto run = read_json(dir + "/run.json");
  EXPECT_EQ(run["iterations_done"], 60);
  ASSERT_GE(run["trace"].size(), 6u);
  for (const auto& row : run["trace"]) {
    EXPECT_GT(row["bandwidth"].get<double>(), 0);
    EXPECT_GT(row["step_size"].get<double>(), 0);
    EXPECT_TRUE(row.contains("movement"));
  }
  EXPECT_TRUE(run["trace"][0]["ksd2"].is_number());
  const std::string fixed = temp_dir("svgd_fixed");
  const auto f = run_cli("ensemble --method svgd --target gaussian --particles 50 --iterations 20 --bandwidth 0.5 "
                         "--optimizer fixed --step-size 0.1 --quiet --out " + fixed);
  ASSERT_EQ(f.status, 0) << f.output;
  EXPECT_DOUBLE_EQ(read_json(fixed + "/run.json")["trace"][0]["bandwidth"].get<double>(), 0.5);
}

// A diverged SVGD fails with one line and writes nothing: no all-NaN particles.npy, no "converged"
// with an infinite spread. A previous run in the folder stays whole.
TEST(EnsembleCli, DivergedSvgdFailsAndWritesNothing) {
  const std::string dir = temp_dir("svgd_diverged");
  ASSERT_EQ(run_cli("ensemble --method svgd --particles 50 --iterations 5 --seed 1 --quiet --out " + dir).status, 0);
  const std::string before = read_json(dir + "/run.json").dump();
  for (const std::string args : {"--optimizer fixed --step-size 1e6", "--target gaussian:mean=1e300"}) {
    const auto r = run_cli("ensemble --method svgd --iterations 50 --seed 1 --quiet " + args + " --out " + dir);
    EXPECT_NE(r.status, 0) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("error: SVGD diverged", 0), 0u) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_EQ(read_json(dir + "/run.json").dump(), before) << args;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST(EnsembleCli, BadInputGivesOneLineError) {
  for (const std::string& args :
       {std::string("ensemble --method stretch --particles 3 --quiet --out ") + temp_dir("bad1"),
        std::string("ensemble --method svgd --bandwidth wide --quiet --out ") + temp_dir("bad2"),
        std::string("ensemble --method stretch --step-size 0.1 --quiet --out ") + temp_dir("bad3"),
        std::string("ensemble --method svgd --ensembles 4 --quiet --out ") + temp_dir("bad4")}) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}
