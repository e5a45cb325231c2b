// `manychains em` and `manychains em-predict` end to end: scikit-learn's trace through the CLI,
// the files written, and one clear error (exit status 2) for each kind of bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "manychains/io/npy.hpp"

namespace {

const std::string data_dir = std::string(MANYCHAINS_TEST_DATA) + "/em/";

struct result {
  int code;
  std::string output;  // stdout and stderr together
};

result run(const std::string& args) {
  result r{0, {}};
  FILE* pipe = ::popen((std::string(MANYCHAINS_CLI) + " " + args + " 2>&1").c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("manychains-em-" + name + "-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string write_text(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string ref_init(const std::string& kind) {
  return " --init-weights " + data_dir + "ref_init_weights.npy --init-means " + data_dir +
         "ref_init_means.npy --init-covariances " + data_dir + "ref_init_covariances_" + kind + ".npy";
}

}  // namespace

TEST(EmCli, MatchesScikitLearnTraceAndWritesFiles) {
  const std::string out = temp_dir("fit");
  for (const std::string kind : {"full", "tied"}) {
    const auto ref = read_json(data_dir + "ref_" + kind + ".json");
    const result r = run("em " + data_dir + "ref_data.csv --components 3 --covariance " + kind +
                         " --tol 0 --max-iter 12 --device cpu --out " + out + " --responsibilities" + ref_init(kind));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("NOT converged after 12 iterations"), std::string::npos) << r.output;
    const auto j = read_json(out + "/gmm.json");
    const auto want = ref["log_likelihood_trace"].get<std::vector<double>>();
    const auto got = j["log_likelihood_trace"].get<std::vector<double>>();
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-8 * std::abs(want[i]));
    EXPECT_NEAR(j["bic"].get<double>(), ref["bic"].get<double>(), 1e-8 * std::abs(ref["bic"].get<double>()));
    EXPECT_NEAR(j["aic"].get<double>(), ref["aic"].get<double>(), 1e-8 * std::abs(ref["aic"].get<double>()));
    EXPECT_EQ(j["converged"], false);
    EXPECT_EQ(j["n_iter"], 12);
    EXPECT_DOUBLE_EQ(j["mean_log_likelihood"].get<double>(), got.back());
    for (const char* key : {"weights", "means", "covariances", "timings"}) EXPECT_TRUE(j.contains(key)) << key;
    const auto resp = manychains::read_npy(out + "/responsibilities.npy");
    ASSERT_EQ(resp.shape, (std::vector<std::size_t>{240, 3}));
    for (std::size_t i = 0; i < 240; ++i)
      EXPECT_NEAR(resp.values[3 * i] + resp.values[3 * i + 1] + resp.values[3 * i + 2], 1.0, 1e-12);
  }
}

TEST(EmCli, PredictFromTheWrittenModel) {
  const std::string out = temp_dir("predict");
  const auto ref = read_json(data_dir + "ref_full.json");
  ASSERT_EQ(run("em " + data_dir + "ref_data.csv -k 3 --tol 0 --max-iter 12 --device cpu --quiet --out " + out +
                ref_init("full"))
                .code,
            0);
  const result csv = run("em-predict " + out + "/gmm.json " + data_dir + "ref_data.csv");
  ASSERT_EQ(csv.code, 0) << csv.output;
  std::istringstream lines(csv.output);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "label,log_density,p0,p1,p2");
  const auto labels = ref["predict"].get<std::vector<int>>();
  const auto logd = ref["score_samples"].get<std::vector<double>>();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    ASSERT_TRUE(std::getline(lines, line));
    int label = -1;
    double ld = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%d,%lf", &label, &ld), 2) << line;
    EXPECT_EQ(label, labels[i]);
    EXPECT_NEAR(ld, logd[i], 1e-8 * std::abs(logd[i]));
  }
  ASSERT_EQ(run("em-predict " + out + "/gmm.json " + data_dir + "ref_data.csv --out " + out + "/p").code, 0);
  const auto p = manychains::read_npy(out + "/p/probabilities.npy");
  EXPECT_EQ(p.shape, (std::vector<std::size_t>{240, 3}));
  const auto l = manychains::read_npy(out + "/p/labels.npy");
  ASSERT_EQ(l.shape, (std::vector<std::size_t>{240}));
  for (std::size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(int(l.values[i]), labels[i]);
  const auto d = manychains::read_npy(out + "/p/log_density.npy");
  EXPECT_NEAR(d.values[0], logd[0], 1e-8 * std::abs(logd[0]));
}

TEST(EmCli, DefaultInitialisationFitsAndConverges) {
  const std::string out = temp_dir("default");
  const result r = run("em " + data_dir + "ref_data.csv --components 3 --precision float --n-init 2 --seed 0 --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = read_json(out + "/gmm.json");
  EXPECT_EQ(j["converged"], true);
  const auto t = j["log_likelihood_trace"].get<std::vector<double>>();
  EXPECT_LT(std::abs(t.back() - t[t.size() - 2]), 1e-3);
}

TEST(EmCli, BadInputIsOneClearError) {
  const std::string dir = temp_dir("bad");
  const std::string ragged = write_text(dir, "ragged.csv", "a,b\n1,2\n3,4\n5\n");
  const std::string nan = write_text(dir, "nan.csv", "1,2\n3,nan\n5,6\n");
  const std::string small = write_text(dir, "small.csv", "1,2\n3,4\n");
  const std::string dup = write_text(dir, "dup.csv", "1,1\n1,1\n1,1\n2,2\n");
  struct bad_case {
    std::string args, message;
  };
  const std::vector<bad_case> cases = {
      {"em " + ragged + " -k 1", "ragged.csv:4: expected 2 fields, found 1"},
      {"em " + nan + " -k 1", "nan.csv:2"},
      {"em " + small + " -k 3", "2 data points are fewer than the 3 components"},
      {"em " + small + " -k 0", "--components: must be a whole number from 1"},
      {"em " + data_dir + "ref_data.csv -k 2" + ref_init("full"), "--init-weights"},
      {"em " + data_dir + "ref_data.csv -k 3 --init-means " + data_dir + "ref_init_weights.npy",
       "shape (3,), expected (3, 3)"},
      {"em " + data_dir + "ref_data.csv -k 3 --covariance diag --init-covariances " + data_dir +
           "ref_init_covariances_full.npy",
       "shape (3, 3, 3), expected (3, 3)"},
      {"em " + dup + " -k 2 --reg-covar 0 --device cpu", "is singular"},
      {"em-predict " + data_dir + "ref_full.json " + data_dir + "ref_data.csv", "not a manychains gmm.json"},
  };
  for (const auto& c : cases) {
    const result r = run(c.args + " --out " + dir + "/out");
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
  }
  // Without a usable GPU, --device cuda is refused with the reason (with one, it fits).
  const result cuda = run("em " + data_dir + "ref_data.csv -k 2 --quiet --device cuda --out " + dir + "/c");
  if (cuda.code != 0) {
    EXPECT_EQ(cuda.code, 2);
    EXPECT_NE(cuda.output.find("--device cuda: "), std::string::npos) << cuda.output;
  }
  // A model for 3-D data cannot predict 2-D data.
  ASSERT_EQ(run("em " + data_dir + "ref_data.csv -k 2 --quiet --out " + dir + "/m").code, 0);
  const result r = run("em-predict " + dir + "/m/gmm.json " + small);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("2 columns, but the model"), std::string::npos) << r.output;
}
