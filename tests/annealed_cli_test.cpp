// `manychains sample --sampler annealed` and `--sampler ula` on a score-only target end to end:
// the files and their shapes, the mode weights against the exact mixture, reproducibility, and
// one clear line with exit status 2 (nothing written) for each kind of bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <chrono>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "manychains/io/npy.hpp"
#include "test_support.hpp"

using manychains::read_npy;
using manychains::testing::cli;
using manychains::testing::run_command;
using manychains::testing::temp_dir;

namespace {

// 0.8 N(−4, 1) + 0.2 N(4, 1) in one dimension: the small mode holds 20% of the mass beyond
// x = ln(4)/8, where the weighted densities cross.
const std::string mixture = "noisy-mixture:dim=1,means=-4/4,weights=0.8/0.2";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(AnnealedCli, WritesLastLevelDrawsAndLevelsAndRecoversWeights) {
  const std::string out = temp_dir("annealed");
  const std::size_t chains = 2000, levels = 8;
  const auto r = run_command(cli() + " sample --target " + mixture + " --sampler annealed --levels 8 --sigma-max 10 " +
                             "--sigma-min 0.1 --steps-per-level 100 --epsilon 0.01 --chains 2000 --seed 5 " +
                             "--save-levels --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("annealed Langevin"), std::string::npos) << r.output;
  const auto draws = read_npy(out + "/draws.npy");
  ASSERT_EQ(draws.shape, (std::vector<std::size_t>{chains, 1, 1}));
  const auto snaps = read_npy(out + "/levels.npy");
  ASSERT_EQ(snaps.shape, (std::vector<std::size_t>{levels, chains, 1}));
  for (std::size_t c = 0; c < chains; ++c) ASSERT_EQ(snaps.values[(levels - 1) * chains + c], draws.values[c]);

  double small = 0;
  for (double v : draws.values) small += v > std::log(4.0) / 8.0;
  const double f = small / chains, mcse = std::sqrt(0.2 * 0.8 / chains);
  EXPECT_LT(std::fabs(f - 0.2), 5 * mcse) << "small-mode fraction " << f;

  const auto run = read_json(out + "/run.json");
  EXPECT_EQ(run["settings"]["sampler"], "annealed");
  EXPECT_EQ(run["levels_done"], levels);
  ASSERT_EQ(run["noise_levels"].size(), levels);
  EXPECT_DOUBLE_EQ(run["noise_levels"][0]["sigma"].get<double>(), 10.0);
  EXPECT_NEAR(run["noise_levels"][levels - 1]["sigma"].get<double>(), 0.1, 1e-12);
  EXPECT_NEAR(run["noise_levels"][levels - 1]["step_size"].get<double>(), 0.1, 1e-12);  // sqrt(epsilon)
  EXPECT_EQ(run["levels"], "levels.npy");
  EXPECT_EQ(run["refused_steps"], 0);
  EXPECT_DOUBLE_EQ(run["true_mean"][0].get<double>(), -2.4);
  const auto& row = run["summary"][0];  // the mean against the exact −2.4, MCSE = sd / sqrt(chains)
  EXPECT_LT(std::fabs(row["mean"].get<double>() + 2.4), 5 * row["mcse_mean"].get<double>()) << row.dump();
  const auto& tv = run["tv_to_exact"];  // shrinking over the levels, at the noise floor at the end
  ASSERT_EQ(tv["levels_max"].size(), levels);
  const double floor = tv["noise_floor"].get<double>();
  std::printf("marginal TV per level: %s (noise floor %.3f)\n", tv["levels_max"].dump().c_str(), floor);
  EXPECT_GT(tv["levels_max"][0].get<double>() - tv["max"].get<double>(), 5 * floor);
  EXPECT_LT(tv["max"].get<double>(), 3 * floor);
  EXPECT_DOUBLE_EQ(tv["levels_max"][levels - 1].get<double>(), tv["max"].get<double>());
  if (std::filesystem::exists(out + "/posterior.nc")) EXPECT_EQ(run["posterior"], "posterior.nc");

  const std::string again = temp_dir("annealed-again");  // the same seed gives the same draws
  const auto r2 = run_command(cli() + " sample --target " + mixture + " --sampler annealed --levels 8 --sigma-max 10 " +
                              "--sigma-min 0.1 --steps-per-level 100 --epsilon 0.01 --chains 2000 --seed 5 --quiet " +
                              "--out " + again);
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  EXPECT_EQ(bytes_of(out + "/draws.npy"), bytes_of(again + "/draws.npy"));
  EXPECT_FALSE(std::filesystem::exists(again + "/levels.npy"));
  // Another run into the folder removes levels.npy with the rest of the previous run.
  const auto r3 = run_command(cli() + " sample --target gaussian --chains 4 --warmup 10 --draws 10 --seed 1 --quiet --out " + out);
  ASSERT_EQ(r3.exit_code, 0) << r3.output;
  EXPECT_FALSE(std::filesystem::exists(out + "/levels.npy"));
  std::filesystem::remove_all(out);
  std::filesystem::remove_all(again);
}

TEST(AnnealedCli, ScoreTargetWithoutSamplerAnnealsAndUlaKeepsDraws) {
  const std::string out = temp_dir("score-ula");
  auto r = run_command(cli() + " sample --target 'noisy-mixture:covs=1;0.5;0.5;2/1' --chains 64 --levels 3 " +
                       "--steps-per-level 10 --precision float --seed 1 --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_json(out + "/run.json")["settings"]["sampler"], "annealed");
  EXPECT_EQ(read_npy(out + "/draws.npy").shape, (std::vector<std::size_t>{64, 1, 2}));
  r = run_command(cli() + " sample --target noisy-mixture --sampler ula --step-size 0.5 --warmup 20 --draws 30 " +
                  "--thin 3 --chains 32 --seed 1 --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = read_json(out + "/run.json");
  EXPECT_EQ(run["settings"]["sampler"], "ula");
  EXPECT_EQ(read_npy(out + "/draws.npy").shape, (std::vector<std::size_t>{32, 10, 2}));
  EXPECT_TRUE(run["summary"][0].contains("rhat"));  // several draws a chain: the usual diagnostics
  std::filesystem::remove_all(out);
}

TEST(AnnealedCli, CtrlCKeepsTheCompletedLevels) {
  const std::string out = temp_dir("annealed-interrupt");
  const std::string cmd = cli() + " sample --target noisy-mixture --sampler annealed --levels 10000 " +
                          "--steps-per-level 1000 --chains 200 --seed 1 --save-levels --quiet --out " + out;
  EXPECT_EQ(manychains::testing::interrupt_after(cmd, std::chrono::milliseconds(1500)), 130);
  const auto run = read_json(out + "/run.json");
  EXPECT_EQ(run["interrupted"], true);
  const std::size_t done = run["levels_done"].get<std::size_t>();
  EXPECT_GT(done, 0u);
  EXPECT_LT(done, 10000u);
  const auto snaps = read_npy(out + "/levels.npy"), draws = read_npy(out + "/draws.npy");
  ASSERT_EQ(snaps.shape, (std::vector<std::size_t>{done, 200, 2}));
  ASSERT_EQ(draws.shape, (std::vector<std::size_t>{200, 1, 2}));
  EXPECT_TRUE(std::equal(draws.values.begin(), draws.values.end(), snaps.values.end() - 400));
  std::filesystem::remove_all(out);
}

TEST(AnnealedCli, BadInputIsOneLineAndExitTwo) {
  const std::string out = temp_dir("annealed-bad");
  const std::string base = cli() + " sample --target " + mixture + " --out " + out + "/run ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--sampler annealed --levels 0", "--levels must be at least 1"},
      {"--sampler annealed --steps-per-level 0", "--steps-per-level must be at least 1"},
      {"--sampler annealed --sigma-min 5 --sigma-max 1", "--sigma-min (5) must be below --sigma-max (1)"},
      {"--sampler annealed --sigma-min 1 --sigma-max 1", "must be below --sigma-max"},
      {"--sampler annealed --sigma-max -2", "--sigma-max must be a positive number"},
      {"--sampler annealed --sigma-min 0", "--sigma-min must be a positive number"},
      {"--sampler annealed --epsilon 0", "--epsilon must be a positive number"},
      {"--sampler annealed --step-size 0.1", "takes --epsilon, not --step-size"},
      {"--sampler mala", "gives only a score"},
      {"--sampler ula", "needs --step-size h"},
      {"--sampler ula --step-size 0.1 --levels 3", "--levels needs --sampler annealed"},
      {"--sampler annealed --until-ess 100", "--until-ess does not apply"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_command(base + args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
  }
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"gaussian --sampler annealed", "needs a target with a score at every noise level"},
      {"noisy-mixture:weights=1/-1", "weights must be positive"},
      {"'noisy-mixture:covs=1;2;3'", "covs has 1 components but means has 2"},
      {"'noisy-mixture:covs=1;2;2;1/1'", "covariance 1 is not positive definite"},
      {"'noisy-mixture:covs=1;2;0;1/1'", "not symmetric"},
      {"noisy-mixture:scales=1/1,covs=1/1", "alternatives"},
      {"noisy-mixture:bogus=1", "has no key 'bogus'"},
  };
  for (const auto& [target, message] : targets) {
    const auto r = run_command(cli() + " sample --target " + target + " --out " + out + "/run");
    EXPECT_EQ(r.exit_code, 2) << target << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << target << "\n" << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/run/run.json"));
  std::filesystem::remove_all(out);
}
