// The output side of a run: parameter names as ArviZ groups them, the InferenceData file read back
// with libnetcdf, and run folders replaced as a unit.
#include <gtest/gtest.h>
#include <netcdf.h>

#include <filesystem>
#include <fstream>

#include "manychains/error.hpp"
#include "manychains/io/inference_data.hpp"
#include "manychains/io/run_folder.hpp"
#include "test_support.hpp"

namespace mc = manychains;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void put(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }
}  // namespace

TEST(ParameterBlocks, GroupsIndexedNamesAndKeepsScalars) {
  const auto b = mc::parameter_blocks({"v", "x[0]", "x[1]", "x[2]", "alpha"});
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].name, "v");
  EXPECT_TRUE(b[0].shape.empty());
  EXPECT_EQ(b[1].name, "x");
  EXPECT_EQ(b[1].shape, (std::vector<std::size_t>{3}));
  EXPECT_EQ(b[1].offset, 1u);
  EXPECT_EQ(b[2].offset, 4u);
  EXPECT_EQ(mc::flat_names(b), (std::vector<std::string>{"v", "x[0]", "x[1]", "x[2]", "alpha"}));
}

TEST(ParameterBlocks, MakesNamesValidAndUnique) {
  // Names from a CSV header: a '/', a duplicate, a clash with a coordinate, an index out of order.
  const auto b = mc::parameter_blocks({"a/b", "a/b", "chain", "y[1]", "x[0]", "x_dim_0"});
  std::vector<std::string> names;
  for (const auto& p : b) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a_b", "a_b_2", "chain_2", "y[1]", "x", "x_dim_0_2"}));
}

TEST(InferenceData, WritesGroupsArvizReads) {
  const std::string dir = mc::testing::temp_dir("nc");
  const std::string path = dir + "/p.nc";
  const std::size_t chains = 2, draws = 3, dim = 3;
  std::vector<double> x(chains * draws * dim);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = double(i);
  const std::vector<double> lp = {1, 2, 3, 4, 5, 6};
  const std::vector<std::uint8_t> div = {0, 1, 0, 0, 0, 1};
  {
    mc::inference_data_writer w(path, {{"seed", 18446744073709551615ull}, {"target", "funnel"}, {"bad", 1.0 / 0.0}},
                                mc::inference_data_writer::estimate_bytes(x.size() + 2 * lp.size(), 8));
    w.begin_group("posterior", chains, draws, {{"thin", 1}});
    w.put_parameters(x.data(), dim, mc::parameter_blocks({"v", "x[0]", "x[1]"}));
    w.begin_group("sample_stats", chains, draws, nlohmann::json::object());
    w.put_statistic("lp", lp.data());
    w.put_flag("diverging", div.data());
    w.close();
  }
  const auto blocks = mc::read_posterior_parameters(path);
  EXPECT_EQ(mc::flat_names(blocks), (std::vector<std::string>{"v", "x[0]", "x[1]"}));

  int file = 0, group = 0, var = 0;
  ASSERT_EQ(nc_open(path.c_str(), NC_NOWRITE, &file), NC_NOERR);
  ASSERT_EQ(nc_inq_grp_ncid(file, "posterior", &group), NC_NOERR);
  ASSERT_EQ(nc_inq_varid(group, "x", &var), NC_NOERR);
  std::vector<double> got(chains * draws * 2);
  ASSERT_EQ(nc_get_var_double(group, var, got.data()), NC_NOERR);
  for (std::size_t c = 0; c < chains; ++c)
    for (std::size_t t = 0; t < draws; ++t)
      for (std::size_t j = 0; j < 2; ++j) EXPECT_EQ(got[(c * draws + t) * 2 + j], x[(c * draws + t) * dim + 1 + j]);
  unsigned long long seed = 0;
  EXPECT_EQ(nc_get_att_ulonglong(file, NC_GLOBAL, "seed", &seed), NC_NOERR);
  EXPECT_EQ(seed, 18446744073709551615ull);
  EXPECT_NE(nc_inq_attid(file, NC_GLOBAL, "bad", &var), NC_NOERR);  // an inf is never written
  ASSERT_EQ(nc_inq_grp_ncid(file, "sample_stats", &group), NC_NOERR);
  ASSERT_EQ(nc_inq_varid(group, "diverging", &var), NC_NOERR);
  char dtype[8] = {};
  EXPECT_EQ(nc_get_att_text(group, var, "dtype", dtype), NC_NOERR);
  EXPECT_STREQ(dtype, "bool");  // what xarray decodes as bool
  std::vector<signed char> flags(chains * draws);
  ASSERT_EQ(nc_get_var_schar(group, var, flags.data()), NC_NOERR);
  for (std::size_t i = 0; i < flags.size(); ++i) EXPECT_EQ(flags[i], div[i]);
  nc_close(file);
  fs::remove_all(dir);
}

TEST(RunFolder, UncommittedRunLeavesThePreviousOneWhole) {
  const fs::path dir = mc::testing::temp_dir("folder");
  put(dir / "run.json", "old");
  put(dir / "draws.npy", "old draws");
  {
    mc::run_folder folder(dir.string());
    put(folder.stage("draws.npy"), "new draws");
    // ... the run fails here (a full disk writing posterior.nc, say): no commit.
  }
  EXPECT_EQ(slurp(dir / "run.json"), "old");
  EXPECT_EQ(slurp(dir / "draws.npy"), "old draws");
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);  // no temporary left behind
  fs::remove_all(dir);
}

TEST(RunFolder, CommitReplacesEverythingAndRemovesStaleFiles) {
  const fs::path dir = mc::testing::temp_dir("folder");
  put(dir / "run.json", "old");
  put(dir / "draws.npy", "old draws");
  put(dir / "inverse_metric_factor.npy", "old factor");
  mc::run_folder folder(dir.string());
  put(folder.stage("draws.npy"), "new draws");
  folder.commit("new", {"inverse_metric_factor.npy"});
  EXPECT_EQ(slurp(dir / "run.json"), "new");
  EXPECT_EQ(slurp(dir / "draws.npy"), "new draws");
  EXPECT_FALSE(fs::exists(dir / "inverse_metric_factor.npy"));  // the previous run's, not this one's
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 2u);
  fs::remove_all(dir);
}
