// A user target's target_info is checked before any chain starts: a missing or mis-sized start
// region, a zero or mismatched dimension, or a wrong number of names is refused with an
// input_error that names the field, instead of being read out of bounds.
#include <gtest/gtest.h>

#include <string>

#include "manychains/cpu_engine.hpp"
#include "manychains/error.hpp"
#include "manychains/sampler.hpp"

using namespace manychains;

namespace {

struct standard_normal_2d {
  MC_HD std::size_t dim() const { return 2; }
  template <class X, class G>
  MC_HD double logdensity_grad(X x, G grad) const {
    grad[0] = -x[0];
    grad[1] = -x[1];
    return -0.5 * (x[0] * x[0] + x[1] * x[1]);
  }
};

target_info good_info() {
  target_info info;
  info.spec = "user";
  info.dim = 2;
  info.init_center = {0.0, 0.0};
  info.init_radius = {1.0, 1.0};
  return info;
}

/// The message run_sampler refuses `info` with; empty when it runs.
std::string refusal(const target_info& info) {
  sample_settings s;
  s.chains = 4;
  s.warmup = 10;
  s.draws = 10;
  auto engine = make_cpu_engine_for<double>(standard_normal_2d{}, chain_range{0, s.chains}, s.seed);
  try {
    run_sampler(*engine, info, s);
  } catch (const input_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(TargetInfo, WholeInfoRuns) { EXPECT_EQ(refusal(good_info()), ""); }

TEST(TargetInfo, EmptyStartRegionIsRefused) {
  target_info info = good_info();
  info.init_center.clear();
  EXPECT_NE(refusal(info).find("init_center has 0 values, need 2"), std::string::npos) << refusal(info);
  info = good_info();
  info.init_radius = {1.0};
  EXPECT_NE(refusal(info).find("init_radius has 1 values, need 2"), std::string::npos) << refusal(info);
}

TEST(TargetInfo, BadValuesAreRefused) {
  target_info info = good_info();
  info.init_radius[1] = -1;
  EXPECT_NE(refusal(info).find("init_radius[1] is negative"), std::string::npos) << refusal(info);
  info = good_info();
  info.init_center[0] = std::nan("");
  EXPECT_NE(refusal(info).find("init_center[0] is not finite"), std::string::npos) << refusal(info);
  info = good_info();
  info.parameter_names = {"a", "b", "c"};
  EXPECT_NE(refusal(info).find("parameter_names has 3 names, need 2"), std::string::npos) << refusal(info);
}

TEST(TargetInfo, DimensionMustMatchTheTarget) {
  target_info info = good_info();
  info.dim = 0;
  EXPECT_NE(refusal(info).find("dim is 0"), std::string::npos) << refusal(info);
  info = good_info();
  info.dim = 3;
  info.init_center.push_back(0);
  info.init_radius.push_back(1);
  EXPECT_NE(refusal(info).find("dim is 3 but the target has 2 dimensions"), std::string::npos) << refusal(info);
}
