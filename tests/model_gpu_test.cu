// Model files on the GPU (label gpu; skipped where no GPU can be used, or where no model can be
// compiled: no C++ compiler, model headers or NVRTC, as on the GPU bundle's machine). The CUDA
// model engine against the CPU engine on the same seed, through the whole runner (warm-up,
// adaptation, sampling): the same draws to rounding, for a model with array data and a positive
// scale, one with a simplex and int data, in double and float.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "gpu_test_support.hpp"
#include "manychains/model/device_model.hpp"
#include "manychains/sampler.hpp"
#include "model/model_library.hpp"
#include "model/model_ptx.hpp"

using namespace manychains;
namespace fs = std::filesystem;

namespace {

const std::string examples = [] {
  const std::string here = __FILE__;
  return here.substr(0, here.find_last_of('/')) + "/../examples/models/";
}();

/// Why a model cannot be compiled here (empty when it can).
std::string cannot_compile_models() {
  std::string why;
  if (!nvrtc_available(&why)) return why;
  if (!fs::exists(examples + "oring.hpp")) return "no example models at " + examples;
  try {
    find_model_include_dir();
  } catch (const input_error& e) {
    return e.what();
  }
  return {};
}

template <class T>
void expect_gpu_equals_cpu(const std::string& name, double tolerance, double flips) {
  model_build_options o;
  o.cache_dir = ::testing::TempDir() + "/manychains-model-gpu-cache";
  const model_build b = build_model(examples + name + ".hpp", o);
  const loaded_model model(b.shared_object, examples + name + ".data.json", name);
  sample_settings s;
  s.chains = 256;
  s.warmup = 100;
  s.draws = 50;
  s.seed = 23;
  const chain_range chains{0, s.chains};
  auto cpu = model.make_cpu_engine<T>(chains, s.seed);
  auto gpu = make_cuda_model_engine<T>(
      model.device_part(cached_model_ptx(b.shared_object, examples + name + ".hpp", cuda_compute_capability())),
      chains, s.seed);
  const auto a = run_sampler<T>(*cpu, model.info(), s);
  const auto g = run_sampler<T>(*gpu, model.info(), s);
  ASSERT_EQ(a.draws.size(), g.draws.size()) << name;
  // A rounding difference (the device's exp and log are not glibc's) can flip an accept decision
  // on its edge, and that chain then differs: a small fraction of values may.
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.draws.size(); ++i) {
    ASSERT_TRUE(std::isfinite(double(g.draws[i]))) << name << " value " << i;
    differ += std::abs(double(a.draws[i]) - double(g.draws[i])) > tolerance * std::max(1.0, std::abs(double(a.draws[i])));
  }
  EXPECT_LE(double(differ), flips * double(a.draws.size())) << name << ": " << differ << " values differ";
  EXPECT_NEAR(g.step_size, a.step_size, 1e3 * tolerance * a.step_size) << name;
  EXPECT_NEAR(g.accept_rate, a.accept_rate, 1e-2) << name;
  EXPECT_EQ(g.divergences, a.divergences) << name;
}

}  // namespace

TEST(ModelGpu, EightSchoolsDrawsEqualTheCpusInDouble) {
  MC_SKIP_WITHOUT_GPU();
  if (const std::string why = cannot_compile_models(); !why.empty()) GTEST_SKIP() << why;
  expect_gpu_equals_cpu<double>("eight_schools", 1e-8, 5e-3);
}

TEST(ModelGpu, SimplexModelDrawsEqualTheCpusInDouble) {
  MC_SKIP_WITHOUT_GPU();
  if (const std::string why = cannot_compile_models(); !why.empty()) GTEST_SKIP() << why;
  expect_gpu_equals_cpu<double>("dirichlet_multinomial", 1e-8, 5e-3);
}

TEST(ModelGpu, ORingDrawsEqualTheCpusInFloat) {
  MC_SKIP_WITHOUT_GPU();
  if (const std::string why = cannot_compile_models(); !why.empty()) GTEST_SKIP() << why;
  expect_gpu_equals_cpu<float>("oring", 1e-4, 5e-3);
}

TEST(ModelGpu, ALargerModelThanTheKernelServesIsRefused) {
  MC_SKIP_WITHOUT_GPU();
  device_model m;
  m.name = "big.hpp";
  m.dim = m.constrained_dim = model::detail::max_device_dim + 1;
  try {
    make_cuda_model_engine<double>(m, chain_range{0, 32}, 1);
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find("--device cpu"), std::string::npos) << e.what();
  }
}
