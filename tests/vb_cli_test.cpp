// `manychains vb` end to end: scikit-learn's lower bounds through the CLI (default and explicit
// priors), the files written, and one clear error (exit status 2) for each kind of bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "manychains/io/npy.hpp"
#include "test_support.hpp"

using manychains::testing::cli;
using manychains::testing::run_command;
using manychains::testing::temp_dir;

namespace {

const std::string data_dir = std::string(MANYCHAINS_TEST_DATA) + "/vb/";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

manychains::testing::command_result run(const std::string& args) { return run_command(cli() + " " + args); }

/// The reference case of this data, covariance type, weight prior, with or without explicit priors.
nlohmann::json find_case(const std::string& data, const std::string& kind, const std::string& weights,
                         bool explicit_priors) {
  const nlohmann::json all = read_json(data_dir + "reference.json");
  for (const auto& c : all["cases"])
    if (c["data"] == data && c["covariance_type"] == kind && c["weight_concentration_prior_type"] == weights &&
        c["priors"].is_null() != explicit_priors)
      return c;
  ADD_FAILURE() << "no reference case " << data << " " << kind;
  return {};
}

std::string fmt_double(double v) { return fmt::format("{:.17g}", v); }

std::string joined(const std::vector<double>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + fmt_double(v[i]);
  return s;
}

void expect_trace(const nlohmann::json& vb, const nlohmann::json& ref) {
  const auto want = ref["lower_bounds"].get<std::vector<double>>();
  const auto got = vb["lower_bound_trace"].get<std::vector<double>>();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-8 * std::abs(want[i])) << i;
}

}  // namespace

TEST(VbCli, MatchesScikitLearnAndWritesFiles) {
  const std::string out = temp_dir("vb-fit");
  const auto ref = find_case("iris", "full", "dirichlet_distribution", false);
  const auto r = run("vb " + data_dir + "iris.csv -k 5 --covariance full --weight-prior-type dirichlet_distribution"
                     " --tol 0 --max-iter 30 --device cpu --responsibilities --init-responsibilities " +
                     data_dir + "init_resp_iris.npy --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("NOT converged after 30 iterations"), std::string::npos) << r.output;
  const auto j = read_json(out + "/vb.json");
  expect_trace(j, ref);
  // sklearn's fit leaves two of the five components with weight ~0.001 (see reference.json).
  const auto w = ref["weights"].get<std::vector<double>>();
  std::vector<int> used;
  for (int k = 0; k < 5; ++k)
    if (w[k] > 0.01) used.push_back(k);
  EXPECT_EQ(j["effective_components"]["components"].get<std::vector<int>>(), used);
  EXPECT_EQ(j["effective_components"]["count"].get<std::size_t>(), used.size());
  EXPECT_NE(r.output.find(std::to_string(used.size()) + " effective components (weight > 0.01)"), std::string::npos);
  for (const char* key : {"weights", "means", "covariances", "precisions_cholesky", "weight_concentration",
                          "mean_precision", "degrees_of_freedom", "priors", "timings", "settings", "device"})
    EXPECT_TRUE(j.contains(key)) << key;
  const auto resp = manychains::read_npy(out + "/responsibilities.npy");
  ASSERT_EQ(resp.shape, (std::vector<std::size_t>{150, 5}));
  for (std::size_t i = 0; i < 150; ++i) {
    double s = 0;
    for (std::size_t k = 0; k < 5; ++k) s += resp.values[5 * i + k];
    EXPECT_NEAR(s, 1.0, 1e-12);
  }
  // gmm.json is the plug-in mixture that em-predict reads.
  const auto p = run("em-predict " + out + "/gmm.json " + data_dir + "iris.csv --out " + out + "/p");
  EXPECT_EQ(p.exit_code, 0) << p.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/p/labels.npy"));
}

TEST(VbCli, ExplicitPriorsAsFlags) {
  const std::string out = temp_dir("vb-priors");
  for (const std::string kind : {"full", "diag", "spherical"}) {
    const auto ref = find_case("synthetic", kind, "dirichlet_distribution", true);
    const auto& pr = ref["priors"];
    std::string cov;
    if (kind == "full") {  // a d×d matrix goes in a .npy file
      const auto c = pr["covariance_prior"];
      std::vector<double> flat;
      for (const auto& row : c)
        for (double v : row.get<std::vector<double>>()) flat.push_back(v);
      cov = out + "/psi.npy";
      manychains::write_npy(cov, {3, 3}, flat.data());
    } else if (kind == "diag") {
      cov = joined(pr["covariance_prior"].get<std::vector<double>>());
    } else {
      cov = fmt_double(pr["covariance_prior"].get<double>());
    }
    const auto r = run("vb " + data_dir + "synthetic.csv -k 4 --covariance-type " + kind +
                       " --weight-prior-type dirichlet_distribution --weight-concentration-prior " +
                       fmt_double(pr["weight_concentration_prior"].get<double>()) + " --mean-precision-prior " +
                       fmt_double(pr["mean_precision_prior"].get<double>()) + " --mean-prior " +
                       joined(pr["mean_prior"].get<std::vector<double>>()) + " --degrees-of-freedom-prior " +
                       fmt_double(pr["degrees_of_freedom_prior"].get<double>()) + " --covariance-prior " + cov +
                       " --tol 0 --max-iter 30 --device cpu --quiet --init-responsibilities " + data_dir +
                       "init_resp_synthetic.npy --out " + out + "/" + kind);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    expect_trace(read_json(out + "/" + kind + "/vb.json"), ref);
  }
}

TEST(VbCli, DefaultInitialisationConverges) {
  const std::string out = temp_dir("vb-default");
  const auto r =
      run("vb " + data_dir + "synthetic.csv -k 4 --precision float --n-init 2 --seed 0 --quiet --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = read_json(out + "/vb.json");
  EXPECT_EQ(j["converged"], true);
  const auto t = j["lower_bound_trace"].get<std::vector<double>>();
  EXPECT_LT(std::abs(t.back() - t[t.size() - 2]), 1e-3);
}

TEST(VbCli, BadInputIsOneClearError) {
  const std::string dir = temp_dir("vb-bad");
  auto write_text = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  const std::string ragged = write_text("ragged.csv", "a,b\n1,2\n3,4\n5\n");
  const std::string nan = write_text("nan.csv", "1,2\n3,nan\n5,6\n");
  const std::string small = write_text("small.csv", "1,2\n3,4\n");
  const std::vector<double> psi = {1, 2, 2, 1};
  manychains::write_npy(dir + "/psi.npy", {2, 2}, psi.data());
  const std::string syn = data_dir + "synthetic.csv";
  std::vector<double> negative(300 * 2, 0.5);
  negative[7] = -0.5;
  manychains::write_npy(dir + "/negative.npy", {300, 2}, negative.data());
  struct bad_case {
    std::string args, message;
  };
  const std::vector<bad_case> cases = {
      {"vb " + ragged + " -k 1", "ragged.csv:4: expected 2 fields, found 1"},
      {"vb " + nan + " -k 1", "nan.csv:2"},
      {"vb " + small + " -k 3", "2 data points are fewer than the 3 components"},
      {"vb " + small + " -k 0", "--components: must be a whole number from 1"},
      {"vb " + syn + " -k 2 --degrees-of-freedom-prior 1.5", "must be greater than d - 1 = 2"},
      {"vb " + syn + " -k 2 --mean-prior 1,2", "--mean-prior 1,2: 2 values, expected 3"},
      {"vb " + syn + " -k 2 --mean-prior 1,x,2", "'x' is not a finite number"},
      {"vb " + syn + " -k 2 --covariance diag --covariance-prior 1,-1,1", "covariance prior must be positive"},
      {"vb " + small + " -k 1 --covariance-prior " + dir + "/psi.npy", "not positive definite"},
      {"vb " + syn + " -k 2 --covariance-prior " + dir + "/psi.npy", "shape (2, 2), expected (3, 3)"},
      {"vb " + syn + " -k 2 --init-responsibilities " + data_dir + "init_resp_iris.npy",
       "shape (150, 5), expected (300, 2)"},
      {"vb " + syn + " -k 2 --init-responsibilities " + dir + "/negative.npy", "finite and non-negative"},
      {"vb " + syn + " -k 2 --weight-prior-type dirichlet", "--weight-prior-type"},
      {"vb " + syn + " -k 2 --weight-concentration-prior 0", "--weight-concentration-prior"},
  };
  for (const auto& c : cases) {
    const std::string out = dir + "/out";
    const auto r = run(c.args + " --out " + out);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << "bad input created " << out << ": " << c.args;
  }
  // Without a usable GPU, --device cuda is refused with the reason (with one, it fits).
  const auto cuda = run("vb " + syn + " -k 2 --quiet --device cuda --out " + dir + "/c");
  if (cuda.exit_code != 0) {
    EXPECT_EQ(cuda.exit_code, 2);
    EXPECT_NE(cuda.output.find("--device cuda: "), std::string::npos) << cuda.output;
  }
}
