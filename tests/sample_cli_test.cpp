// `manychains sample` as a user runs it: outputs, and one clear line for each kind of bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/io/inference_data.hpp"
#include "manychains/io/npy.hpp"
#include "test_support.hpp"

using manychains::testing::cli;
using manychains::testing::run_command;
using manychains::testing::temp_dir;

TEST(SampleCli, WritesDrawsAndRunJson) {
  const std::string out = temp_dir("sample");
  const auto r = run_command(cli() + " sample --target gaussian:dim=3 --chains 16 --warmup 50 --draws 40 --thin 2 "
                             "--metric dense --seed 5 --device cpu --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("x[2]"), std::string::npos);
  const auto draws = manychains::read_npy(out + "/draws.npy");
  EXPECT_EQ(draws.shape, (std::vector<std::size_t>{16, 20, 3}));
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_EQ(run["settings"]["seed"], 5);
  EXPECT_EQ(run["device"], "cpu");
  EXPECT_EQ(run["interrupted"], false);
  EXPECT_EQ(run["summary"].size(), 3u);
  // The files beside run.json, named in it; the preconditioner is never inlined.
  EXPECT_EQ(run["parameter_names"], (std::vector<std::string>{"x[0]", "x[1]", "x[2]"}));
  EXPECT_EQ(run["parameter_shapes"][0]["name"], "x");
  EXPECT_EQ(run["parameter_shapes"][0]["shape"], (std::vector<std::size_t>{3}));
  EXPECT_EQ(run["posterior"], "posterior.nc");
  EXPECT_EQ(manychains::flat_names(manychains::read_posterior_parameters(out + "/posterior.nc")),
            run["parameter_names"].get<std::vector<std::string>>());
  EXPECT_EQ(manychains::read_npy(out + "/" + run["inverse_metric_sqrt"].get<std::string>()).shape,
            (std::vector<std::size_t>{3}));
  ASSERT_TRUE(run["inverse_metric_factor"].is_string());  // --metric dense
  EXPECT_EQ(manychains::read_npy(out + "/" + run["inverse_metric_factor"].get<std::string>()).shape,
            (std::vector<std::size_t>{3, 3}));
  EXPECT_GT(run["chain_steps_per_second"].get<double>(), 0.0);
  // The TV curve against the Gaussian's exact marginals, from the start (step 0) on.
  EXPECT_EQ(run["tv"]["reference"], "exact marginals");
  ASSERT_GE(run["tv"]["curve"].size(), 2u);
  EXPECT_EQ(run["tv"]["curve"][0]["step"], 0);
  EXPECT_EQ(run["tv"]["curve"][0]["phase"], "warmup");
}

TEST(SampleCli, TvCurveFallsToTheNoiseFloorOnAGaussian) {
  // 512 chains start uniform on ±2 sd: far from N(0,1) in TV at step 0; after warm-up the curve
  // must sit near its noise floor (within 3 floors: the floor is the expected TV of pure noise).
  const std::string out = temp_dir("tv");
  const auto r = run_command(cli() + " sample --target gaussian:dim=2 --chains 512 --warmup 200 --draws 200 "
                             "--tv-every 50 --seed 9 --device cpu --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto curve = nlohmann::json::parse(std::ifstream(out + "/run.json"))["tv"]["curve"];
  ASSERT_EQ(curve.size(), 9u);  // steps 0, 50, …, 400
  const double floor = curve.back()["noise_floor"].get<double>();
  EXPECT_GT(curve.front()["max"].get<double>(), 3 * floor);
  EXPECT_LT(curve.back()["max"].get<double>(), 3 * floor);
}

TEST(SampleCli, FloatPrecisionWritesFloat32) {
  const std::string out = temp_dir("float");
  const auto r = run_command(cli() + " sample --target oring --chains 8 --warmup 20 --draws 10 --precision float "
                             "--quiet --device cpu --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out + "/draws.npy", std::ios::binary);
  std::string header(128, '\0');
  in.read(header.data(), 128);
  EXPECT_NE(header.find("'<f4'"), std::string::npos);
}

struct bad_input {
  std::string name, args, expected;
};

class SampleCliBadInput : public ::testing::TestWithParam<bad_input> {};

TEST_P(SampleCliBadInput, ExitsNonZeroWithOneClearLine) {
  const std::string dir = temp_dir("bad");
  std::ofstream(dir + "/ragged.csv") << "a,b,y\n1,2,1\n3,0\n";
  std::ofstream(dir + "/nan.csv") << "a,y\n1,1\n2,0\nnan,1\n";
  std::ofstream(dir + "/text.csv") << "a,y\n1,1\nabc,0\n";
  std::string args = GetParam().args;
  for (std::size_t at; (at = args.find("DIR")) != std::string::npos;) args.replace(at, 3, dir);
  const auto r = run_command(cli() + " sample --quiet --out " + dir + "/out " + args);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(GetParam().expected), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, SampleCliBadInput,
    ::testing::Values(bad_input{"unknown_target", "--target nosuch", "unknown target 'nosuch'; valid targets"},
                      bad_input{"unknown_option", "--bogus 3", "--bogus"},
                      bad_input{"unknown_sampler", "--sampler hmc", "--sampler"},
                      bad_input{"zero_chains", "--chains 0", "--chains"},
                      bad_input{"negative_step", "--step-size -1", "--step-size must be a positive number or auto"},
                      bad_input{"absurd_step", "--step-size 1e6", "--step-size must be a positive number or auto, at most 100"},
                      bad_input{"infinite_step", "--step-size inf", "--step-size must be a positive number"},
                      bad_input{"zero_ess_target", "--until-ess 0", "--until-ess must be a positive number"},
                      bad_input{"negative_ess_target", "--until-ess -5", "--until-ess must be a positive number"},
                      bad_input{"max_draws_alone", "--max-draws 100", "--max-draws needs --until-ess"},
                      bad_input{"nan_ess_target", "--until-ess nan", "--until-ess must be a positive number"},
                      bad_input{"absurd_max_draws", "--until-ess 100 --max-draws 100000000000",
                                "--max-draws: must be a whole number from 1 to 1000000000"},
                      bad_input{"max_below_first_block", "--until-ess 100 --draws 50 --max-draws 10",
                                "--max-draws must be at least --draws"},
                      bad_input{"ragged_csv", "--target logistic:data=DIR/ragged.csv", "ragged.csv:3: expected 3 fields, found 2 (ragged CSV)"},
                      bad_input{"nan_in_csv", "--target logistic:data=DIR/nan.csv", "nan.csv:4: field 1 is nan; data must be finite"},
                      bad_input{"text_in_csv", "--target logistic:data=DIR/text.csv", "text.csv:3: field 1 ('abc') is not a number"},
                      bad_input{"too_large", "--chains 2000000000 --draws 1000000 --target gaussian:dim=100",
                                "(the chains' state, per-draw statistics and per-parameter summaries) need"}),
    [](const ::testing::TestParamInfo<bad_input>& info) { return info.param.name; });

// A run that must have gone to the GPU: it succeeded and run.json names a CUDA device.
void expect_ran_on_cuda(const manychains::testing::command_result& r, const std::string& out) {
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_EQ(run["device"].get<std::string>().rfind("cuda", 0), 0u) << run["device"];
}

// `--device cuda` runs on a GPU where one can be used, and is refused with the reason where not:
// the same suite passes on a CPU machine and on a GPU machine.
TEST(SampleCli, DeviceCudaRunsWithAGpuAndIsRefusedWithout) {
  const std::string out = temp_dir("cuda");
  const auto r = run_command(cli() + " sample --target gaussian:dim=3 --chains 64 --warmup 20 --draws 10 "
                             "--device cuda --quiet --out " + out);
  std::string reason;
  if (manychains::cuda_usable(&reason)) {
    expect_ran_on_cuda(r, out);
  } else {
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("--device cuda: " + reason), std::string::npos) << r.output;
  }
}

// MANYCHAINS_EXPECT_GPU=1: `--device auto` must not fall back to the CPU; without a GPU it fails
// with one line that names the variable and the reason.
TEST(SampleCli, ExpectGpuForbidsTheCpuFallbackOfDeviceAuto) {
  const std::string out = temp_dir("expect-gpu");
  const auto r = run_command("MANYCHAINS_EXPECT_GPU=1 " + cli() +
                             " sample --target gaussian:dim=3 --chains 64 --warmup 20 --draws 10 "
                             "--device auto --quiet --out " + out);
  std::string reason;
  if (manychains::cuda_usable(&reason)) {
    expect_ran_on_cuda(r, out);
  } else {
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "error: MANYCHAINS_EXPECT_GPU=1 but " + reason + "\n");
    EXPECT_FALSE(std::filesystem::exists(out + "/run.json"));
  }
  // Without the variable, the same command falls back to the CPU where there is no GPU.
  const auto fallback = run_command(cli() + " sample --target gaussian:dim=3 --chains 64 --warmup 20 --draws 10 "
                                    "--device auto --quiet --out " + out);
  EXPECT_EQ(fallback.exit_code, 0) << fallback.output;
}

TEST(SampleCli, CtrlCKeepsCompletedDrawsMarkedPartial) {
  const std::string out = temp_dir("interrupt");
  const std::string cmd = cli() + " sample --target gaussian:dim=50 --chains 512 --warmup 10 --draws 1000000 "
                          "--thin 100 --seed 1 --device cpu --quiet --out " + out;
  EXPECT_EQ(manychains::testing::interrupt_after(cmd, std::chrono::milliseconds(1500)), 130);
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_EQ(run["interrupted"], true);
  const auto draws = manychains::read_npy(out + "/draws.npy");
  ASSERT_EQ(draws.shape.size(), 3u);
  EXPECT_EQ(draws.shape[0], 512u);
  EXPECT_LT(draws.shape[1], 10000u);
  EXPECT_EQ(draws.shape[1], run["draws_shape"][1].get<std::size_t>());
  for (double v : draws.values) ASSERT_TRUE(std::isfinite(v));
}

// A disk that fills after draws.npy but before run.json (here a file-size limit that draws.npy
// fits under and posterior.nc does not) fails with one line and leaves the previous run whole:
// its run.json beside its own draws, and no temporary file.
TEST(SampleCli, FullDiskLeavesThePreviousRunWhole) {
  const std::string out = temp_dir("full");
  ASSERT_EQ(run_command(cli() + " sample --chains 16 --warmup 50 --draws 50 --seed 1 --device cpu --quiet --out " +
                        out).exit_code, 0);
  const auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::map<std::string, std::string> before;
  for (const auto& e : std::filesystem::directory_iterator(out)) before[e.path().filename()] = slurp(e.path());
  // 64 x 500 x 2 doubles: draws.npy is 512 KB and fits under 800 KiB; posterior.nc (1.3 MB) does not.
  const auto r = run_command("bash -c \"trap '' XFSZ; ulimit -f 800; exec " + cli() +
                             " sample --chains 64 --warmup 300 --draws 500 --seed 2 --device cpu --quiet --out " + out +
                             "\"");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("error: cannot write", 0), 0u) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  std::map<std::string, std::string> after;
  for (const auto& e : std::filesystem::directory_iterator(out)) after[e.path().filename()] = slurp(e.path());
  EXPECT_EQ(after.size(), before.size());
  for (const auto& [name, bytes] : before) EXPECT_TRUE(after.count(name) && after[name] == bytes) << name;
}

TEST(SampleCli, UntilEssSamplesUntilTheTargetAndSaysWhyItStopped) {
  const std::string out = temp_dir("until");
  const auto r = run_command(cli() + " sample --target gaussian:dim=2 --chains 32 --warmup 200 --draws 50 "
                             "--until-ess 3000 --max-draws 4000 --seed 3 --device cpu --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_NE(run["stop_reason"].get<std::string>().find("reached the ESS target"), std::string::npos) << run["stop_reason"];
  const std::size_t kept = run["draws_shape"][1];
  EXPECT_GT(kept, 50u);  // one block of 50 draws x 32 chains cannot hold 3000 effective draws
  EXPECT_LT(kept, 4000u);
  EXPECT_EQ(manychains::read_npy(out + "/draws.npy").shape, (std::vector<std::size_t>{32, kept, 2}));
  for (const auto& p : run["summary"]) {
    EXPECT_GE(p["ess_bulk"].get<double>(), 3000.0);
    EXPECT_GE(p["ess_tail"].get<double>(), 3000.0);
    EXPECT_LE(p["rhat"].get<double>(), 1.01);
  }
}

// Without --chains, --until-ess sizes the chains to the target (max(64, 4 dim, N / 50)), says so
// in run.json, and stops honestly: the ESS and R-hat recomputed from draws.npy by the diagnostics
// oracle (diagnose_draws, itself checked against ArviZ) meet the target.
TEST(SampleCli, UntilEssSizesTheChainsAndItsStopIsHonest) {
  const std::string out = temp_dir("until-sized");
  const auto r = run_command(cli() + " sample --target gaussian:dim=3,rho=0.5 --draws 50 "
                             "--until-ess 5000 --max-draws 4000 --seed 4 --device cpu --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_EQ(run["settings"]["chains"], 128) << run["settings"];  // ceil(5000 / 50) = 100 -> 128
  EXPECT_NE(run["settings"]["chains_reason"].get<std::string>().find("--until-ess 5000 without --chains"),
            std::string::npos);
  EXPECT_EQ(run["metric_snapshots"], 8);  // 1024 / 128 positions snapshots per window
  // No --warmup: warm-up ends once the adaptation settles (well before its cap of 1000 here).
  EXPECT_EQ(run["warmup_reason"].get<std::string>().rfind("adaptive: the windows ending at", 0), 0u) << run["warmup_reason"];
  EXPECT_LT(run["warmup_steps_done"].get<std::size_t>(), 1000u);
  ASSERT_NE(run["stop_reason"].get<std::string>().find("reached the ESS target"), std::string::npos);
  const auto draws = manychains::read_npy(out + "/draws.npy");
  ASSERT_EQ(draws.shape[0], 128u);
  const auto diags = manychains::diagnose_draws(draws.values.data(), draws.shape[0], draws.shape[1], draws.shape[2], {});
  for (const auto& p : diags) {
    EXPECT_GE(*p.ess_bulk, 5000.0) << p.name;
    EXPECT_GE(*p.ess_tail, 5000.0) << p.name;
    EXPECT_LE(*p.rhat, 1.01) << p.name;
  }
}

TEST(SampleCli, GivenWarmupIsRunInFull) {
  const std::string out = temp_dir("until-fixed-warmup");
  const auto r = run_command(cli() + " sample --target gaussian:dim=2 --warmup 400 --draws 50 --until-ess 500 "
                             "--seed 4 --device cpu --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_EQ(run["warmup_steps_done"], 400);
  EXPECT_EQ(run["warmup_reason"], "fixed: 400 steps");
}

TEST(SampleCli, UntilEssStopsAtMaxDraws) {
  const std::string out = temp_dir("until-max");
  const auto r = run_command(cli() + " sample --target gaussian:dim=2 --chains 8 --warmup 100 --draws 40 "
                             "--until-ess 1e9 --max-draws 100 --seed 3 --device cpu --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_NE(run["stop_reason"].get<std::string>().find("reached --max-draws (100"), std::string::npos) << run["stop_reason"];
  EXPECT_EQ(run["draws_shape"][1], 100);
}

TEST(SampleCli, UnusableUlaRunWarnsRecordsAndFails) {
  // ULA beyond its stability limit (ε ≥ 2 in whitened units) must not exit 0 silently.
  const std::string out = temp_dir("ula-unstable");
  const auto r = run_command(cli() + " sample --target gaussian:dim=2 --sampler ula --step-size 3 --chains 8 "
                             "--warmup 20 --draws 20 --seed 1 --device cpu --quiet --out " + out);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("warning: unusable run: ULA's step 3"), std::string::npos) << r.output;
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_GE(run["problems"].size(), 1u);
}

// Without libnetcdf (here: MANYCHAINS_NETCDF_LIBRARY names a file that does not exist) a run still
// writes its draws and run.json, warns once, and run.json says there is no posterior.nc.
TEST(SampleCli, WithoutLibnetcdfSkipsPosteriorNcAndSaysSo) {
  const std::string out = temp_dir("no-netcdf");
  const auto r = run_command("MANYCHAINS_NETCDF_LIBRARY=/nonexistent/libnetcdf.so " + cli() +
                             " sample --chains 8 --warmup 20 --draws 20 --seed 1 --device cpu --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: posterior.nc not written: libnetcdf could not be loaded"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(out + "/posterior.nc"));
  EXPECT_TRUE(std::filesystem::exists(out + "/draws.npy"));
  const auto run = nlohmann::json::parse(std::ifstream(out + "/run.json"));
  EXPECT_TRUE(run["posterior"].is_null()) << run["posterior"];
}
