// The device part of each example model file compiles with NVRTC to PTX holding the gradient
// kernel (no GPU needed; skipped where libnvrtc is not installed). Running it needs a GPU.
#include <gtest/gtest.h>

#include "manychains/error.hpp"
#include "model/model_library.hpp"
#include "model/model_ptx.hpp"

using namespace manychains;

TEST(ModelPtx, ExampleModelsCompileToPtxWithTheirKernel) {
  std::string why;
  if (!nvrtc_available(&why)) GTEST_SKIP() << why;
  const std::string dir = std::string(MANYCHAINS_TEST_SOURCE_DIR) + "/../examples/models/";
  for (const char* m : {"oring", "eight_schools", "dirichlet_multinomial", "logistic"}) {
    const std::string ptx = compile_model_ptx(dir + m + ".hpp", find_model_include_dir());
    EXPECT_NE(ptx.find(".entry mc_model_logdensity_grad"), std::string::npos) << m;
    EXPECT_NE(ptx.find(".target sm_90"), std::string::npos) << m;
  }
}

TEST(ModelPtx, ADeviceCompileErrorNamesTheFileAndLine) {
  std::string why;
  if (!nvrtc_available(&why)) GTEST_SKIP() << why;
  const std::string file = std::string(MANYCHAINS_TEST_SOURCE_DIR) + "/models/syntax_error.hpp";
  try {
    compile_model_ptx(file, find_model_include_dir());
    FAIL() << "compiled";
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find("syntax_error.hpp(16)"), std::string::npos) << e.what();
  }
}
