// Every bad input of issue 12 (the input side), through the real CLI: the documented exit code
// (README "Exit codes": 2 bad input or usage, 3 out of resources), one line on the terminal, and
// nothing left behind — no output folder, no temporary file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "manychains/io/csv.hpp"
#include "test_support.hpp"

using manychains::testing::cli;
using manychains::testing::run_command;
using manychains::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

/// A .npy file with this header shape text and `body_bytes` zero bytes of data.
std::string write_npy_header(const std::string& dir, const std::string& name, const std::string& shape,
                             std::size_t body_bytes, const std::string& descr = "<f8") {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(dict.size() & 0xff);
  bytes += char(dict.size() >> 8);
  bytes += dict;
  bytes.append(body_bytes, '\0');
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

/// A C-order float64 .npy file holding `values` with this shape.
std::string write_npy_values(const std::string& dir, const std::string& name, const std::string& shape,
                             const std::vector<double>& values) {
  const std::string path = write_npy_header(dir, name, shape, 0);
  std::ofstream(path, std::ios::binary | std::ios::app)
      .write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * sizeof(double)));
  return path;
}

std::string write_text(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

/// Files under `dir` whose name contains ".tmp." (a temporary file left behind).
std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(e.path().string());
  return found;
}

/// Two-cluster data, 40 points in 2-D, with a header.
std::string cluster_csv() {
  std::string text = "a,b\n";
  for (int i = 0; i < 40; ++i) {
    const double c = i % 2 ? 3.0 : -3.0;
    text += std::to_string(c + 0.1 * (i % 7)) + "," + std::to_string(c - 0.13 * (i % 5)) + "\n";
  }
  return text;
}

struct table_case {
  std::string name;
  std::string args;      ///< DIR is replaced by the case's folder; OUT by its (absent) output folder
  int exit_code;
  std::string expected;  ///< a part of the one line printed
};

class BadInputTable : public ::testing::TestWithParam<table_case> {};

TEST_P(BadInputTable, DocumentedExitCodeOneLineNothingLeftBehind) {
  const std::string dir = temp_dir("table");
  write_npy_header(dir, "shape_2p62_2p62_4.npy", "(4611686018427387904, 4611686018427387904, 4)", 64);
  write_npy_header(dir, "shape_2p32_2p32.npy", "(4294967296, 4294967296)", 64);
  write_npy_header(dir, "shape_2p61_8.npy", "(2305843009213693952, 8)", 64);
  write_npy_header(dir, "shape_2p62.npy", "(4611686018427387904,)", 64);
  write_npy_header(dir, "short_body.npy", "(1000, 3)", 64);
  write_npy_header(dir, "long_body.npy", "(2, 3)", 64);
  write_npy_header(dir, "negative.npy", "(-1, 3)", 64);
  write_text(dir, "data.csv", cluster_csv());
  write_npy_values(dir, "weights_1_1.npy", "(2,)", {0.6, 0.5});
  write_npy_values(dir, "means.npy", "(2, 2)", {-3, -3, 3, 3});
  write_npy_values(dir, "asymmetric.npy", "(2, 2, 2)", {1, 0.5, 0.1, 1, 1, 0, 0, 1});
  write_text(dir, "model_weights_1_1.json",
             R"({"covariance_type": "full", "n_components": 2, "n_features": 2, "weights": [0.6, 0.5],
                 "means": [[-3, -3], [3, 3]], "covariances": [[[1, 0], [0, 1]], [[1, 0], [0, 1]]]})");
  write_text(dir, "model_asymmetric.json",
             R"({"covariance_type": "full", "n_components": 2, "n_features": 2, "weights": [0.5, 0.5],
                 "means": [[-3, -3], [3, 3]], "covariances": [[[1, 0.5], [0.1, 1]], [[1, 0], [0, 1]]]})");
  write_text(dir, "run_wrong_type.json", R"({"step_size": 0.1, "inverse_metric_sqrt": ["a"], "settings": {"target": "oring"}})");
  const std::string out = dir + "/out";
  std::string args = GetParam().args;
  for (std::size_t at; (at = args.find("DIR")) != std::string::npos;) args.replace(at, 3, dir);
  for (std::size_t at; (at = args.find("OUT")) != std::string::npos;) args.replace(at, 3, out);

  const auto r = run_command("ulimit -v 8000000; " + cli() + " " + args);
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(GetParam().expected), std::string::npos) << args << "\n" << r.output;
  EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
  EXPECT_LT(r.output.size(), 400u) << "numbers printed readably: " << r.output;
  EXPECT_EQ(r.output.find("[json.exception"), std::string::npos) << "raw exception text: " << r.output;
  EXPECT_FALSE(fs::exists(out)) << args << ": created " << out;
  EXPECT_TRUE(temporaries(dir).empty()) << args << ": left " << temporaries(dir).front();
}

const std::string sample = "sample --device cpu --quiet --chains 4 --warmup 5 --draws 5 --out OUT ";
const std::string em = "em DIR/data.csv -k 2 --device cpu --quiet --out OUT ";

INSTANTIATE_TEST_SUITE_P(
    Issue12, BadInputTable,
    ::testing::Values(
        // .npy headers whose shape overflows or disagrees with the file size (crashes before).
        table_case{"diagnose_2p62_2p62_4", "diagnose DIR/shape_2p62_2p62_4.npy", 2, "more elements than any file"},
        table_case{"diagnose_2p32_2p32", "diagnose DIR/shape_2p32_2p32.npy", 2, "more elements than any file"},
        table_case{"diagnose_2p61_8", "diagnose DIR/shape_2p61_8.npy", 2, "more elements than any file"},
        table_case{"diagnose_2p62", "diagnose DIR/shape_2p62.npy", 2, "more elements than any file"},
        table_case{"diagnose_short_body", "diagnose DIR/short_body.npy", 2, "needs 24000 bytes of data, but the file has 64"},
        table_case{"diagnose_long_body", "diagnose DIR/long_body.npy --json OUT/d.json", 2, "(extra data)"},
        table_case{"diagnose_negative_shape", "diagnose DIR/negative.npy", 2, "'-1' is not a dimension"},
        table_case{"em_2p62_2p62_4", "em DIR/shape_2p62_2p62_4.npy -k 2 --out OUT", 2, "more elements than any file"},
        table_case{"em_2p32_2p32", "em DIR/shape_2p32_2p32.npy -k 2 --out OUT", 2, "more elements than any file"},
        table_case{"em_2p61_8", "em DIR/shape_2p61_8.npy -k 2 --out OUT", 2, "more elements than any file"},
        table_case{"em_2p62", "em DIR/shape_2p62.npy -k 2 --out OUT", 2, "more elements than any file"},
        table_case{"em_short_body", "em DIR/short_body.npy -k 2 --out OUT", 2, "(truncated data)"},
        // Dimensions that overflow, or that cannot fit in memory (SIGFPE and hangs before).
        table_case{"dim_1e20", sample + "--target gaussian:dim=99999999999999999999", 2, "is too large"},
        table_case{"dim_2p64_minus_1", sample + "--target gaussian:dim=18446744073709551615", 2, "is too large"},
        table_case{"dim_1e9", sample + "--target gaussian:dim=1000000000", 3, "of memory, more than the"},
        table_case{"dim_1e9_ensemble", "ensemble --method svgd --device cpu --quiet --out OUT --target gaussian:dim=100000000000", 3, "of memory, more than the"},
        table_case{"dim_1e8_converge", "converge --device cpu --quiet --target gaussian:dim=100000000", 3, "of memory, more than the"},
        table_case{"pairs_2p31_converge", "converge --device cpu --quiet --pairs 2147483648 --target gaussian:dim=100", 3, "coupled pairs x 100 parameters need"},
        table_case{"draws_1e18", "sample --device cpu --quiet --out OUT --draws 1000000000000000000", 3, "need more than 16 EiB of memory"},
        table_case{"option_given_twice", sample + "--draws 6", 2, "--draws: At Most 1 required but received 2"},
        table_case{"duplicated_key", sample + "--target gaussian:dim=3,dim=4", 2, "key 'dim' is given twice"},
        // Negative counts are refused, not wrapped (they ran forever before).
        table_case{"warmup_negative", sample + "--warmup -1", 2, "--warmup: must be a whole number >= 0, not '-1'"},
        table_case{"burn_negative", "ensemble --method stretch --device cpu --quiet --out OUT --burn -1", 2, "--burn: must be a whole number"},
        table_case{"tv_every_negative", sample + "--tv-every -1", 2, "--tv-every: must be a whole number"},
        table_case{"ksd_every_negative", "ensemble --method svgd --device cpu --quiet --out OUT --ksd-every -1", 2, "--ksd-every: must be a whole number"},
        table_case{"chains_exponent", sample + "--chains 1e400", 2, "--chains: must be a whole number from 1 to 2147483648"},
        // Seeds out of range (all became 2^64 - 1 before).
        table_case{"seed_negative", sample + "--seed -1", 2, "--seed: must be a whole number from 0 to 18446744073709551615"},
        table_case{"seed_2p64", sample + "--seed 18446744073709551616", 2, "--seed: must be a whole number"},
        table_case{"seed_1e23", sample + "--seed 1e23", 2, "--seed: must be a whole number"},
        table_case{"seed_em", em + "--seed -1", 2, "--seed: must be a whole number"},
        // Non-finite floats, and ranges printed readably (not 300 digits).
        table_case{"step_size_inf", sample + "--step-size inf", 2, "--step-size must be a positive number or auto, at most 100"},
        table_case{"svgd_step_size_inf", "ensemble --method svgd --device cpu --quiet --out OUT --step-size inf", 2, "--step-size: must be a finite number > 0"},
        table_case{"svgd_step_size_negative", "ensemble --method svgd --device cpu --quiet --out OUT --step-size -1", 2, "--step-size: must be > 0, not '-1'"},
        table_case{"converge_threshold_nan", "converge --device cpu --quiet --threshold nan", 2, "--threshold: must be a finite number from 0 to 1"},
        table_case{"converge_step_size_inf", "converge --device cpu --quiet --step-size inf", 2, "--step-size: must be a finite number > 0"},
        table_case{"em_tol_negative", em + "--tol -1", 2, "--tol: must be >= 0, not '-1'"},
        table_case{"em_reg_covar_nan", em + "--reg-covar nan", 2, "--reg-covar: must be a finite number >= 0"},
        // EM's given parameters.
        table_case{"em_weights_1_1", em + "--init-weights DIR/weights_1_1.npy", 2, "the weights sum to 1.1"},
        table_case{"em_asymmetric_covariance", em + "--init-means DIR/means.npy --init-covariances DIR/asymmetric.npy", 2,
                   "the covariance of component 0 is not symmetric"},
        table_case{"em_predict_weights_1_1", "em-predict DIR/model_weights_1_1.json DIR/data.csv --out OUT", 2, "the weights sum to 1.1"},
        table_case{"em_predict_asymmetric", "em-predict DIR/model_asymmetric.json DIR/data.csv --out OUT", 2, "is not symmetric"},
        // JSON files given as input: their errors without the library's internal tags.
        table_case{"converge_run_json_wrong_type", "converge --device cpu --quiet --from-run DIR/run_wrong_type.json", 2,
                   "\"inverse_metric_sqrt\" holds something other than numbers"},
        table_case{"em_predict_not_json", "em-predict DIR/data.csv DIR/data.csv", 2, "not valid JSON (parse error"},
        // CLI11's own parse errors use the same table (104-114 before).
        table_case{"unknown_option", sample + "--bogus", 2, "--bogus"},
        table_case{"missing_value", "sample --seed", 2, "--seed"},
        table_case{"unknown_subcommand", "nosuch", 2, "unknown subcommand 'nosuch'"}),
    [](const ::testing::TestParamInfo<table_case>& info) { return info.param.name; });

TEST(BadInputTable, NoSubcommandIsAUsageError) {
  const auto r = run_command(cli());
  EXPECT_EQ(r.exit_code, 2) << r.output;  // 106 before
  EXPECT_NE(r.output.find("error: give a subcommand"), std::string::npos) << r.output;
}

TEST(BadInputTable, VersionNamesBuildCudaAndGpu) {
  const auto r = run_command(cli() + " --version");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* part : {"manychains 0.", "build type: ", "CUDA: o", "GPU: "})
    EXPECT_NE(r.output.find(part), std::string::npos) << part << "\n" << r.output;
}

TEST(BadInputTable, ResultsThatCannotReachStdoutFail) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  const std::string dir = temp_dir("full");
  write_text(dir, "data.csv", cluster_csv());
  ASSERT_EQ(run_command(cli() + " em " + dir + "/data.csv -k 2 --seed 1 --device cpu --quiet --out " + dir + "/m").exit_code, 0);
  // em-predict prints its CSV; a full disk behind stdout is "out of resources" (exit 0 before).
  // run_command adds 2>&1 after the braces: stderr reaches the test, stdout goes to /dev/full.
  const auto r = run_command("{ " + cli() + " em-predict " + dir + "/m/gmm.json " + dir + "/data.csv > /dev/full; }");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("cannot write the results to standard output: No space left on device"), std::string::npos)
      << r.output;
  const auto s = run_command("{ " + cli() + " sample --chains 4 --warmup 5 --draws 5 --seed 1 --device cpu --out " +
                             dir + "/s > /dev/full; }");
  EXPECT_EQ(s.exit_code, 3) << s.output;
  const auto v = run_command("{ " + cli() + " --version > /dev/full; }");
  EXPECT_EQ(v.exit_code, 3) << v.output;
}

TEST(BadInputTable, CsvByteOrderMarkIsNotPartOfTheFirstName) {
  const std::string dir = temp_dir("bom");
  const std::string path = write_text(dir, "bom.csv", "\xEF\xBB\xBF" "age,y\n1,0\n2,1\n3,0\n");
  const auto table = manychains::read_csv(path);
  ASSERT_EQ(table.column_names.size(), 2u);
  EXPECT_EQ(table.column_names[0], "age");
  EXPECT_EQ(table.rows, 3u);
  // Through the CLI: the logistic target names its parameters by the columns.
  const auto r = run_command(cli() + " sample --target logistic:data=" + path +
                             " --chains 4 --warmup 10 --draws 10 --seed 1 --device cpu --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("age"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\xEF\xBB\xBF"), std::string::npos) << r.output;
}

// --- Signals sent to a real run -------------------------------------------------------------

/// Starts a long `sample` run writing to `out`, waits until its draws file exists, and returns
/// its process id; `stderr_file` receives its messages.
pid_t start_long_run(const std::string& out, const std::string& stderr_file) {
  const std::string cmd = cli() + " sample --target gaussian:dim=50 --chains 512 --warmup 10 --draws 1000000 "
                          "--thin 100 --seed 1 --device cpu --quiet --out " + out;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd + " > /dev/null 2> " + stderr_file).c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    if (fs::exists(out) && !temporaries(out).empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // into the sampling
  return pid;
}

struct ending {
  int exit_code;
  double seconds;  ///< from the first signal to the end of the process
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Sends the signals; each one after the first once the run has acknowledged the one before
/// (its "interrupted" line), so that the second really arrives while the run is saving.
ending signal_and_wait(pid_t pid, const std::vector<int>& signals, const std::string& stderr_file) {
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < signals.size(); ++i) {
    while (i > 0 && read_all(stderr_file).find("interrupted;") == std::string::npos &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(20))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ::kill(pid, signals[i]);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), seconds};
}

class SignalCleanup : public ::testing::TestWithParam<std::vector<int>> {};

TEST_P(SignalCleanup, LeavesNoTemporaryFile) {
  const std::string dir = temp_dir("signal");
  const std::string err = dir + "/stderr.txt";
  const pid_t pid = start_long_run(dir + "/out", err);
  const std::vector<int> signals = GetParam();
  const ending e = signal_and_wait(pid, signals, err);
  const std::string messages = read_all(err);
  EXPECT_TRUE(temporaries(dir).empty()) << "left " << temporaries(dir).front();
  const auto stops = [](int s) { return s == SIGINT || s == SIGTERM || s == SIGHUP; };
  if (!stops(signals[0])) {
    // A signal that always ends the process: nothing half-written remains, nothing is kept.
    EXPECT_EQ(e.exit_code, 128 + signals[0]) << messages;
    EXPECT_FALSE(fs::exists(dir + "/out/draws.npy"));
    return;
  }
  // Stop at once and say so; save the completed draws and exit 130 within seconds, not at the
  // end of the 50000-step chunk (about 25 s on a CPU core before).
  EXPECT_NE(messages.find("manychains: interrupted; stopping now"), std::string::npos) << messages;
  EXPECT_LT(e.seconds, 10.0);
  if (messages.find("interrupted again") != std::string::npos) {
    // The second signal arrived while saving: quit without the draws file.
    EXPECT_EQ(e.exit_code, 128 + signals.back()) << messages;
    EXPECT_FALSE(fs::exists(dir + "/out/draws.npy"));
  } else {
    // Saved before the second signal arrived (or there was none).
    EXPECT_EQ(e.exit_code, 130) << messages;
    EXPECT_TRUE(fs::exists(dir + "/out/draws.npy"));
    EXPECT_TRUE(fs::exists(dir + "/out/run.json"));
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalCleanup,
                         ::testing::Values(std::vector<int>{SIGTERM}, std::vector<int>{SIGHUP},
                                           std::vector<int>{SIGINT, SIGINT}, std::vector<int>{SIGINT, SIGHUP},
                                           std::vector<int>{SIGQUIT}, std::vector<int>{SIGUSR1}),
                         [](const ::testing::TestParamInfo<std::vector<int>>& info) {
                           std::string name;
                           for (int s : info.param) name += (name.empty() ? "" : "_then_") + std::string(sigabbrev_np(s));
                           return name;
                         });

}  // namespace
