// `manychains converge` end to end: reuse of a sample run.json, the JSON it writes, unmet pairs
// reported on stderr, clear one-line errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "manychains/io/npy.hpp"

namespace {

struct command_result {
  int exit_code;
  std::string output;  // stdout and stderr
};

command_result run(const std::string& args) {
  command_result r{0, {}};
  FILE* pipe = ::popen((std::string(MANYCHAINS_CLI) + " " + args + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string temp_dir() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("manychains-coupling-cli-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

/// Writes a float64 C-order .npy file (format 1.0) of the given shape, by hand.
void write_npy_f64(const std::string& path, std::size_t rows, std::size_t cols, const std::vector<double>& v) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const std::uint16_t len = static_cast<std::uint16_t>(header.size());
  out.put(static_cast<char>(len & 0xff));
  out.put(static_cast<char>(len >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
}

}  // namespace

// After a dense-metric run, converge couples that run's kernel: its factor L, not only the
// diagonal; the factor is read from the .npy file that run.json names, or inline (older runs).
TEST(ConvergeCli, ReusesTheDenseMetricOfASampleRun) {
  const std::string dir = temp_dir();
  const auto sample = run("sample --target 'gaussian:dim=3,rho=0.9' --metric dense --chains 128 --warmup 400 "
                          "--draws 20 --seed 2 --quiet --device cpu --out " + dir + "/run");
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  nlohmann::json run_json = read_json(dir + "/run/run.json");
  ASSERT_TRUE(run_json["inverse_metric_factor"].is_string()) << run_json.dump();
  const std::vector<double> chol =
      manychains::read_npy(dir + "/run/" + run_json["inverse_metric_factor"].get<std::string>()).values;
  ASSERT_EQ(chol.size(), 9u);
  const std::string args = " --lag 3 --pairs 300 --seed 4 --device cpu --quiet --out ";
  const auto file_run = run("converge --from-run " + dir + "/run/run.json" + args + dir + "/file.json");
  ASSERT_EQ(file_run.exit_code, 0) << file_run.output;
  const nlohmann::json a = read_json(dir + "/file.json");
  EXPECT_EQ(a["settings"]["inverse_metric_factor"].get<std::vector<double>>(), chol);
  EXPECT_EQ(a["unmet_pairs"], 0);
  // The same run.json with the factor inline, as earlier versions wrote it: the same kernel, the same pairs.
  run_json["inverse_metric_factor"] = chol;
  std::ofstream(dir + "/run/run.json") << run_json.dump();
  const auto inline_run = run("converge --from-run " + dir + "/run/run.json" + args + dir + "/inline.json");
  ASSERT_EQ(inline_run.exit_code, 0) << inline_run.output;
  const nlohmann::json b = read_json(dir + "/inline.json");
  EXPECT_EQ(b["settings"]["inverse_metric_factor"].get<std::vector<double>>(), chol);
  EXPECT_EQ(b["meeting_times"], a["meeting_times"]);
  // A factor that is not the target's size is one clear error.
  write_npy_f64(dir + "/run/chol.npy", 2, 2, {1, 0, 0, 1});
  run_json["inverse_metric_factor"] = "chol.npy";
  std::ofstream(dir + "/run/run.json") << run_json.dump();
  const auto bad = run("converge --from-run " + dir + "/run/run.json --pairs 4 --device cpu");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("inverse_metric_factor"), std::string::npos) << bad.output;
  std::filesystem::remove_all(dir);
}

TEST(ConvergeCli, ReusesASampleRunAndWritesTheCurve) {
  const std::string dir = temp_dir();
  const auto sample = run("sample --target 'gaussian:dim=3,scale=1;2;3' --chains 64 --warmup 200 --draws 20 --seed 1 "
                          "--quiet --device cpu --out " + dir + "/run");
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  const nlohmann::json run_json = read_json(dir + "/run/run.json");
  const auto r = run("converge --from-run " + dir + "/run/run.json --sampler mala --lag 5 --pairs 500 --seed 3 "
                     "--threshold 0.05 --device cpu --out " + dir + "/converge.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("TV bound"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pair-steps/s"), std::string::npos) << r.output;
  const nlohmann::json j = read_json(dir + "/converge.json");
  EXPECT_EQ(j["settings"]["target"], "gaussian:dim=3,scale=1;2;3");  // taken from the run
  EXPECT_DOUBLE_EQ(j["settings"]["step_size"].get<double>(), run_json["step_size"].get<double>());
  // run.json names the .npy file beside it that holds the preconditioner.
  ASSERT_EQ(run_json["inverse_metric_sqrt"], "inverse_metric_sqrt.npy");
  EXPECT_EQ(j["settings"]["inverse_metric_sqrt"].get<std::vector<double>>(),
            manychains::read_npy(dir + "/run/inverse_metric_sqrt.npy").values);
  EXPECT_EQ(j["unmet_pairs"], 0);
  EXPECT_EQ(j["curve_is_lower_bound_on_bound"], false);
  const auto& bound = j["curve"]["bound"];
  ASSERT_GT(bound.size(), 2u);
  EXPECT_EQ(bound.back().get<double>(), 0.0);
  EXPECT_EQ(j["meeting_times"].size(), 500u);
  ASSERT_TRUE(j["t_below_threshold"].is_number());
  const std::size_t t = j["t_below_threshold"];
  EXPECT_LT(bound[t].get<double>(), 0.05);  // every t is listed for a short curve
  if (t > 0) EXPECT_GE(bound[t - 1].get<double>(), 0.05);
  std::filesystem::remove_all(dir);
}

TEST(ConvergeCli, UnmetPairsAreReportedAsALowerBound) {
  const std::string dir = temp_dir();
  const auto r = run("converge --target gaussian:dim=20 --sampler rwm --lag 2 --pairs 200 --max-steps 5 --seed 1 "
                     "--device cpu --out " + dir + "/c.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("did not meet within --max-steps 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("LOWER bound"), std::string::npos) << r.output;
  const nlohmann::json j = read_json(dir + "/c.json");
  EXPECT_GT(j["unmet_pairs"].get<int>(), 0);
  EXPECT_EQ(j["curve_is_lower_bound_on_bound"], true);
  std::filesystem::remove_all(dir);
}

TEST(ConvergeCli, BadInputIsAOneLineError) {
  const auto bad_lag = run("converge --target gaussian --lag 0");
  EXPECT_NE(bad_lag.exit_code, 0);
  const auto no_run = run("converge --from-run /nonexistent/run.json");
  EXPECT_EQ(no_run.exit_code, 2) << no_run.output;
  EXPECT_NE(no_run.output.find("--from-run"), std::string::npos) << no_run.output;
  const auto wrong_dim = run("converge --target gaussian:dim=2 --init-radius 1,2,3 --pairs 4");
  EXPECT_EQ(wrong_dim.exit_code, 2) << wrong_dim.output;
  EXPECT_NE(wrong_dim.output.find("--init-radius"), std::string::npos) << wrong_dim.output;
}
