// ArviZ reads a run as it is: `arviz.from_netcdf(posterior.nc)` + `arviz.summary` give the numbers
// of `manychains diagnose`. Runs tests/arviz_check.py with the Python in $MANYCHAINS_PYTHON (or
// the one found at configure time) and skips, saying so, where arviz is not importable.
#include <gtest/gtest.h>

#include <cstdlib>

#include "test_support.hpp"

using manychains::testing::cli;
using manychains::testing::run_command;
using manychains::testing::temp_dir;

namespace {

std::string python_with_arviz() {
  const char* env = std::getenv("MANYCHAINS_PYTHON");
  const std::string python = env && *env ? env : MANYCHAINS_PYTHON_DEFAULT;
  if (python.empty()) return {};
  return run_command("'" + python + "' -c 'import arviz, netCDF4' > /dev/null").exit_code == 0 ? python : "";
}

void check_with_arviz(const std::string& sample_args, const std::string& extra) {
  const std::string python = python_with_arviz();
  if (python.empty())
    GTEST_SKIP() << "arviz is not importable (set MANYCHAINS_PYTHON to a Python with arviz and netCDF4)";
  const std::string out = temp_dir("arviz");
  const auto s = run_command(cli() + " sample " + sample_args + " --device cpu --quiet --out " + out);
  ASSERT_EQ(s.exit_code, 0) << s.output;
  const auto d = run_command(cli() + " diagnose " + out + "/draws.npy --device cpu --quiet --json " + out + "/d.json");
  ASSERT_EQ(d.exit_code, 0) << d.output;
  const auto a = run_command("'" + python + "' " + MANYCHAINS_TEST_SOURCE_DIR "/arviz_check.py " + out + " " + out +
                             "/d.json " + extra);
  EXPECT_EQ(a.exit_code, 0) << a.output;
}

}  // namespace

TEST(ArvizCli, DefaultRunReadsWithNoGlueAndMatchesDiagnose) {
  check_with_arviz("--chains 64 --warmup 300 --draws 500 --seed 1", "");
}

TEST(ArvizCli, FloatRunWithThinningAndWarmup) {
  // lp checked against the standard Gaussian's log-density, warm-up kept, float32 values.
  check_with_arviz("--target gaussian:dim=3 --chains 32 --warmup 100 --draws 200 --thin 2 --seed 2 --save-warmup "
                   "--precision float",
                   "--gaussian");
}
