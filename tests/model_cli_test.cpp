// `manychains sample --model FILE --data FILE`: the example model files against the built-in
// targets (equal draws), posteriordb's reference posterior and a closed form (within 5 MCSE),
// the compile cache, and one clear line (exit 2) for each kind of bad model or data.
// Every test shares one model cache beside the CLI, so a model compiles once per build tree; the
// runs are on the CPU whatever the machine (model_gpu_test.cu compares the GPU with it).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "manychains/devices.hpp"
#include "manychains/io/npy.hpp"
#include "test_support.hpp"

using namespace manychains;
using namespace manychains::testing;
namespace fs = std::filesystem;

namespace {

const std::string source = std::string(MANYCHAINS_TEST_SOURCE_DIR) + "/..";

std::string cache_env() {
  return "MANYCHAINS_CACHE_DIR=" + (fs::path(cli()).parent_path() / "model-cache").string() + " ";
}

command_result sample_model(const std::string& model, const std::string& data, const std::string& out,
                            const std::string& extra = "") {
  return run_command(cache_env() + cli() + " sample --model " + model + " --data " + data + " --out " + out +
                     " --quiet --device cpu " + extra);
}

std::vector<double> draws_of(const std::string& folder, std::vector<std::size_t>* shape) {
  const npy_array a = read_npy(folder + "/draws.npy");
  *shape = a.shape;
  return a.values;
}

/// The largest difference between two runs' draws (or another .npy), which must have the same shape.
double largest_draw_difference(const std::string& a, const std::string& b, const std::string& file = "draws.npy") {
  const npy_array na = read_npy(a + "/" + file), nb = read_npy(b + "/" + file);
  const std::vector<std::size_t> &sa = na.shape, &sb = nb.shape;
  const std::vector<double> &da = na.values, &db = nb.values;
  EXPECT_EQ(sa, sb);
  if (sa != sb) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::size_t i = 0; i < da.size(); ++i) worst = std::max(worst, std::abs(da[i] - db[i]));
  return worst;
}

std::string write_file(const std::string& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir + "/" + name) << text;
  return dir + "/" + name;
}

}  // namespace

TEST(ModelCli, OringModelFileEqualsTheBuiltInTargetWithTheSameSeed) {
  const std::string dir = temp_dir("model-oring");
  const std::string common = " --seed 11 --chains 64 --warmup 200 --draws 200";
  const auto m = sample_model(source + "/examples/models/oring.hpp", source + "/examples/models/oring.data.json",
                              dir + "/model", common);
  ASSERT_EQ(m.exit_code, 0) << m.output;
  const auto b = run_command(cli() + " sample --target oring --quiet --out " + dir + "/builtin" + common);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const double worst = largest_draw_difference(dir + "/model", dir + "/builtin");
  // Same stream, same start, gradients equal to rounding: the draws differ by rounding only
  // (5e-12 measured); a flipped accept would differ by the step's size, ~1e-2.
  EXPECT_LT(worst, 1e-8);
  const auto run = nlohmann::json::parse(std::ifstream(dir + "/model/run.json"));
  EXPECT_EQ(run["parameter_names"], nlohmann::json({"alpha", "beta"}));
}

TEST(ModelCli, EnsembleOnTheOringModelFileEqualsTheBuiltInTargetWithTheSameSeed) {
  const std::string dir = temp_dir("model-ensemble");
  const std::string files = " --model " + source + "/examples/models/oring.hpp --data " + source +
                            "/examples/models/oring.data.json";
  for (const std::string method : {"stretch", "svgd"}) {
    const std::string common = " ensemble --method " + method + " --seed 7 --iterations 100 --particles 64 --quiet" +
                               " --device cpu" + (method == "stretch" ? " --burn 100" : "") + " --out " + dir + "/";
    const auto m = run_command(cache_env() + cli() + common + method + "-model" + files);
    ASSERT_EQ(m.exit_code, 0) << m.output;
    const auto b = run_command(cli() + common + method + "-builtin --target oring");
    ASSERT_EQ(b.exit_code, 0) << b.output;
    // Same streams and starts, log-densities equal to rounding: the stretch move's accept tests
    // compare the same numbers (0 measured), SVGD's particles differ by rounding (2e-14 measured).
    // A flipped accept or a wrong gradient moves a point by ~1e-2 or more.
    const std::string m_dir = dir + "/" + method + "-model", b_dir = dir + "/" + method + "-builtin";
    EXPECT_LT(largest_draw_difference(m_dir, b_dir, "particles.npy"), 1e-8) << method;
    if (method == "stretch") EXPECT_LT(largest_draw_difference(m_dir, b_dir), 1e-8);
    const auto run = nlohmann::json::parse(std::ifstream(m_dir + "/run.json"));
    EXPECT_EQ(run["parameter_names"], nlohmann::json({"alpha", "beta"}));
  }
}

TEST(ModelCli, ConvergeOnTheOringModelFileMeetsAsTheBuiltInTargetWithTheSameSeed) {
  const std::string dir = temp_dir("model-converge");
  const std::string files = " --model " + source + "/examples/models/oring.hpp --data " + source +
                            "/examples/models/oring.data.json";
  const auto meeting_times = [&](const std::string& out) {
    return nlohmann::json::parse(std::ifstream(out))["meeting_times"].get<std::vector<std::uint64_t>>();
  };
  for (const std::string sampler : {"rwm", "mala"}) {
    const std::string common = " converge --sampler " + sampler + " --seed 5 --pairs 256 --quiet --device cpu --out " +
                               dir + "/" + sampler;
    const auto m = run_command(cache_env() + cli() + common + "-model.json" + files);
    ASSERT_EQ(m.exit_code, 0) << m.output;
    const auto b = run_command(cli() + common + "-builtin.json --target oring");
    ASSERT_EQ(b.exit_code, 0) << b.output;
    const auto tm = meeting_times(dir + "/" + sampler + "-model.json"), tb = meeting_times(dir + "/" + sampler + "-builtin.json");
    ASSERT_EQ(tm.size(), 256u);
    ASSERT_EQ(tb.size(), 256u);
    if (sampler == "rwm") {
      // Accept tests on log-densities equal to rounding: every meeting time equal (all 1024 of
      // 1024 pairs measured).
      EXPECT_EQ(tm, tb);
      continue;
    }
    // MALA's coupled paths carry rounding differences (gradients equal to ~1e-16 relative) that
    // grow step by step until one accept or meeting decision flips: the built-in target against
    // itself with its start centre moved by one ulp first disagrees at tau = 165 (29 of 1024
    // pairs differ, all long), the model file at tau = 174 (24 of 1024). Short pairs must agree
    // exactly; a wrong gradient or start would change nearly all of them (median tau 14).
    std::size_t compared = 0;
    for (std::size_t p = 0; p < tm.size(); ++p)
      if (std::min(tm[p], tb[p]) <= 100) {
        ++compared;
        EXPECT_EQ(tm[p], tb[p]) << "pair " << p;
      }
    EXPECT_GT(compared, 200u);
  }
}

TEST(ModelCli, EnsembleReportsASimplexOnItsConstrainedScale) {
  const std::string dir = temp_dir("model-ensemble-simplex");
  const auto r = run_command(cache_env() + cli() + " ensemble --method stretch --model " + source +
                             "/examples/models/dirichlet_multinomial.hpp --data " + source +
                             "/examples/models/dirichlet_multinomial.data.json --seed 3 --iterations 50 --burn 50 "
                             "--quiet --device cpu --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const npy_array d = read_npy(dir + "/draws.npy");
  ASSERT_EQ(d.shape.size(), 3u);
  EXPECT_EQ(d.shape[2], 4u);  // K values from the K - 1 the walkers move
  for (std::size_t i = 0; i < d.values.size() / 4; ++i) {
    const double* x = &d.values[i * 4];
    ASSERT_NEAR(x[0] + x[1] + x[2] + x[3], 1.0, 1e-12);
  }
  EXPECT_EQ(read_npy(dir + "/particles.npy").shape, (std::vector<std::size_t>{32, 4}));
  const auto run = nlohmann::json::parse(std::ifstream(dir + "/run.json"));
  EXPECT_EQ(run["parameter_names"], nlohmann::json({"theta[1]", "theta[2]", "theta[3]", "theta[4]"}));
}

TEST(ModelCli, LogisticModelFileEqualsTheBuiltInLogisticTarget) {
  const std::string dir = temp_dir("model-logistic");
  const std::string data = source + "/examples/models/logistic.data.json";
  const auto j = nlohmann::json::parse(std::ifstream(data));
  {  // the same data as the built-in target reads it: predictors (with the intercept column), response
    std::ofstream csv(dir + "/wells.csv");
    csv.precision(17);
    csv << "intercept,dist,switched\n";
    for (std::size_t i = 0; i < j["y"].size(); ++i)
      csv << j["X"][i][0].get<double>() << "," << j["X"][i][1].get<double>() << "," << j["y"][i].get<int>() << "\n";
  }
  const std::string common = " --seed 5 --chains 32 --warmup 150 --draws 100";
  const auto m = sample_model(source + "/examples/models/logistic.hpp", data, dir + "/model", common);
  ASSERT_EQ(m.exit_code, 0) << m.output;
  const auto b = run_command(cli() + " sample --target logistic:data=" + dir + "/wells.csv --quiet --out " + dir +
                             "/builtin" + common);
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const double worst = largest_draw_difference(dir + "/model", dir + "/builtin");
  // The built-in sums rows in another order (Eigen's GEMV), and warm-up's pooled adaptation carries
  // those rounding differences into every chain's step: 1.2e-5 measured here (2e-10 with 128
  // chains x 200 warm-up), against the posterior sds of 0.06 and 0.001. One flipped accept would
  // move a draw by about a step, 1e-2 of an sd or more, and fail this.
  EXPECT_LT(worst, 2e-4);
}

TEST(ModelCli, EightSchoolsMatchesPosteriordbReferenceWithin5Mcse) {
  const std::string dir = temp_dir("model-eight");
  const std::string ref_dir = source + "/tests/data/models/eight_schools-eight_schools_noncentered";
  const auto r = sample_model(source + "/examples/models/eight_schools.hpp", ref_dir + "/data.json", dir,
                              "--seed 2 --chains 512 --warmup 1000 --draws 400");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::size_t> shape;
  const auto d = draws_of(dir, &shape);
  ASSERT_EQ(shape[2], 10u);
  const auto ref = nlohmann::json::parse(std::ifstream(ref_dir + "/reference.json"));
  // posteriordb reports theta = mu + tau * theta_trans (a transformed parameter): computed here.
  const std::size_t n = shape[0] * shape[1];
  const auto column = [&](const std::string& name) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double* x = &d[i * 10];
      if (name == "mu") v[i] = x[8];
      else if (name == "tau") v[i] = x[9];
      else v[i] = x[8] + x[9] * x[std::stoi(name.substr(6)) - 1];  // theta[j]
    }
    return v;
  };
  const auto run = nlohmann::json::parse(std::ifstream(dir + "/run.json"));
  for (const auto& [name, want] : ref.items()) {
    const auto v = column(name);
    double mean = 0, m2 = 0;
    for (double x : v) mean += x;
    mean /= n;
    for (double x : v) m2 += (x - mean) * (x - mean);
    const double sd = std::sqrt(m2 / (n - 1));
    // Our MCSE from the chains: 512 independent chains, the per-chain means i.i.d.
    std::vector<double> chain_mean(shape[0], 0.0), chain_sd(shape[0], 0.0);
    for (std::size_t c = 0; c < shape[0]; ++c) {
      for (std::size_t t = 0; t < shape[1]; ++t) chain_mean[c] += v[c * shape[1] + t] / shape[1];
      for (std::size_t t = 0; t < shape[1]; ++t)
        chain_sd[c] += std::pow(v[c * shape[1] + t] - mean, 2) / shape[1];  // about the pooled mean
    }
    const estimate em = across_chains(chain_mean), ev = across_chains(chain_sd);
    const double mcse_sd = ev.mcse / (2 * sd);  // delta method: sd = sqrt(variance)
    // 5 combined MCSE: a false failure about once in 1.7 million per comparison.
    EXPECT_LT(std::abs(mean - want["mean"].get<double>()),
              5 * std::hypot(em.mcse, want["mcse_mean"].get<double>())) << name << " mean";
    EXPECT_LT(std::abs(sd - want["sd"].get<double>()), 5 * std::hypot(mcse_sd, want["mcse_sd"].get<double>()))
        << name << " sd";
  }
}

TEST(ModelCli, SimplexModelMatchesTheClosedFormDirichletPosterior) {
  const std::string dir = temp_dir("model-simplex");
  const auto r = sample_model(source + "/examples/models/dirichlet_multinomial.hpp",
                              source + "/examples/models/dirichlet_multinomial.data.json", dir,
                              "--seed 4 --chains 256 --warmup 400 --draws 200");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::size_t> shape;
  const auto d = draws_of(dir, &shape);
  ASSERT_EQ(shape[2], 4u);  // reported on the constrained scale: K values, from K - 1 sampled
  const double a[4] = {13, 4, 8, 1}, a0 = 26;  // Dirichlet(alpha + counts) = Dirichlet(1 + (12, 3, 7, 0))
  for (std::size_t k = 0; k < 4; ++k) {
    std::vector<double> chain_mean(shape[0], 0.0);
    for (std::size_t c = 0; c < shape[0]; ++c)
      for (std::size_t t = 0; t < shape[1]; ++t) chain_mean[c] += d[(c * shape[1] + t) * 4 + k] / shape[1];
    const estimate e = across_chains(chain_mean);
    EXPECT_LT(std::abs(e.value - a[k] / a0), 5 * e.mcse) << k;
  }
  for (std::size_t i = 0; i < shape[0] * shape[1]; ++i)
    ASSERT_NEAR(d[i * 4] + d[i * 4 + 1] + d[i * 4 + 2] + d[i * 4 + 3], 1.0, 1e-12);
  const auto run = nlohmann::json::parse(std::ifstream(dir + "/run.json"));
  EXPECT_EQ(run["parameter_names"], nlohmann::json({"theta[1]", "theta[2]", "theta[3]", "theta[4]"}));
}

TEST(ModelCli, BadModelsAndDataGetOneClearLineAndExit2) {
  const std::string dir = temp_dir("model-bad");
  const std::string empty = write_file(dir, "empty.json", "{}");
  const std::string models = source + "/tests/models/";
  const auto first_line = [](const std::string& s) { return s.substr(0, s.find('\n')); };

  auto r = sample_model(models + "syntax_error.hpp", empty, dir + "/a");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(first_line(r.output).find("syntax_error.hpp:16:"), std::string::npos) << r.output;
  EXPECT_NE(first_line(r.output).find("normal_lpfd"), std::string::npos) << r.output;

  r = sample_model(models + "nan_everywhere.hpp", empty, dir + "/b");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no finite log-density"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/b")) << "a run that fails leaves no output folder";

  const std::string model = source + "/examples/models/eight_schools.hpp";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12]})", "missing field 'sigma'"},
      {R"({"J": 8, "y": [1,2,3,4,5,6,7,8], "sigma": [1,1,1,1,1,1,1,1], "z": 3})", "field 'z' is not declared"},
      {R"({"J": 8, "y": [1,2,3,4,5,6,7], "sigma": [1,1,1,1,1,1,1,1]})", "field 'y' has shape [7]"},
      {R"({"J": 8.5, "y": [1,2,3,4,5,6,7,8], "sigma": [1,1,1,1,1,1,1,1]})", "field 'J' must hold integers"},
      {R"({"J": 8, "y": [1,2,3,4,5,6,7,"x"], "sigma": [1,1,1,1,1,1,1,1]})", "not a number or a rectangular array"},
      {R"({"J": 8, "y": [1,2,3,4)", "not JSON"},
  };
  for (const auto& [json, message] : cases) {
    r = sample_model(model, write_file(dir, "d.json", json), dir + "/c");
    EXPECT_EQ(r.exit_code, 2) << json << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << json << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_FALSE(fs::exists(dir + "/c/run.json"));
  }
  r = run_command(cache_env() + cli() + " sample --model " + model + " --quiet --out " + dir + "/d");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--model needs --data"), std::string::npos) << r.output;
}

TEST(ModelCli, EnsembleAndConvergeGiveOneLineAndExit2ForBadInput) {
  const std::string dir = temp_dir("model-bad-commands");
  const std::string model = source + "/examples/models/eight_schools.hpp";
  const std::string missing = write_file(dir, "d.json", R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12]})");
  const std::string good = source + "/tests/data/models/eight_schools-eight_schools_noncentered/data.json";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" --data " + missing, "missing field 'sigma'"},
      {" --data " + good + " --device cuda", "error: --device cuda: model files run on the CPU in "},
      {" --data " + good + " --target oring", "--model and --target are alternatives"},
      {"", "--model needs --data"},
  };
  for (const std::string command : {"ensemble --method stretch", "converge"}) {
    for (const auto& [args, message] : cases) {
      const auto r = run_command(cache_env() + cli() + " " + command + " --quiet --model " + model + args +
                                 " --out " + dir + "/out");
      EXPECT_EQ(r.exit_code, 2) << command << args << "\n" << r.output;
      EXPECT_NE(r.output.find(message), std::string::npos) << command << args << "\n" << r.output;
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
      EXPECT_FALSE(fs::exists(dir + "/out"));
    }
  }
}

TEST(ModelCli, DeviceCudaWithoutAGpuIsOneLineAndExit2AndAutoRunsOnTheCpu) {
  std::string why;
  if (cuda_usable(&why)) GTEST_SKIP() << "a GPU is here: model_gpu_test.cu runs the model on it";
  const std::string dir = temp_dir("model-no-gpu");
  const std::string m = source + "/examples/models/oring.hpp", d = source + "/examples/models/oring.data.json";
  const std::string cmd = cache_env() + cli() + " sample --model " + m + " --data " + d +
                          " --chains 8 --warmup 20 --draws 20 --seed 1 --quiet --out " + dir;
  auto r = run_command(cmd + "/a --device cuda");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output.rfind("error: --device cuda: ", 0), 0u) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/a/run.json"));
  r = run_command(cmd + "/b --device auto");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(dir + "/b/run.json"))["device"], "cpu");
}

TEST(ModelCli, SecondRunTakesTheCompiledModelFromTheCache) {
  const std::string dir = temp_dir("model-cache");
  const std::string cache = dir + "/cache";
  const std::string model = write_file(dir, "m.hpp",
                                       "#include \"manychains/model/model.hpp\"\n"
                                       "struct m { struct data { double s; };\n"
                                       "  static void declare(manychains::model::declaration<data>& d) {\n"
                                       "    d.data(\"s\", &data::s); d.param(\"x\", 2, manychains::model::positive()); }\n"
                                       "  template <class S> MC_HD static S log_density(const S* p, const data& d) {\n"
                                       "    using namespace manychains::ad;\n"
                                       "    return exponential_lpdf(p[0], d.s) + gamma_lpdf(p[1], 3.0, d.s); } };\n"
                                       "MANYCHAINS_MODEL(m)\n");
  const std::string data = write_file(dir, "d.json", R"({"s": 2.0})");
  const std::string cmd = "MANYCHAINS_CACHE_DIR=" + cache + " " + cli() + " sample --model " + model + " --data " +
                          data + " --chains 8 --warmup 20 --draws 20 --seed 1 --out " + dir + "/out";
  auto r = run_command(cmd + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(cmd + "2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("compiled "), std::string::npos) << r.output;  // no compile the second time
  std::size_t objects = 0;
  for (const auto& e : fs::directory_iterator(cache)) objects += e.path().extension() == ".so";
  EXPECT_EQ(objects, 1u);
  // Both parameters are positive: sampled as logs, reported as values.
  std::vector<std::size_t> shape;
  for (double v : draws_of(dir + "/out2", &shape)) EXPECT_GT(v, 0.0);
}
