// The device part of a model file compiles with NVRTC to PTX holding the CUDA engine's kernels,
// whose parameters are the ones the engine packs (no GPU needed; skipped where libnvrtc is not
// installed). One compile, of the example with array data and a constraint: NVRTC takes seconds
// per model on a small machine. Running the kernels needs a GPU
// (model_gpu_test.cu).
#include <gtest/gtest.h>

#include <regex>

#include "manychains/error.hpp"
#include "manychains/model/device_model.hpp"
#include "model/model_library.hpp"
#include "model/model_ptx.hpp"

using namespace manychains;

namespace {

const std::string& eight_schools_ptx() {
  static const std::string ptx = compile_model_ptx(
      std::string(MANYCHAINS_TEST_SOURCE_DIR) + "/../examples/models/eight_schools.hpp", find_model_include_dir());
  return ptx;
}

/// The byte sizes of a PTX entry's parameters, in order (.param .u64 / .u32 / .f64 …).
std::vector<std::size_t> entry_parameter_sizes(const std::string& ptx, const std::string& entry) {
  const std::size_t at = ptx.find(".entry " + entry + "(");
  if (at == std::string::npos) return {};
  const std::string params = ptx.substr(at, ptx.find(')', at) - at);
  std::vector<std::size_t> sizes;
  const std::regex param(R"(\.param\s+\.[a-z](\d+))");
  for (std::sregex_iterator i(params.begin(), params.end(), param), end; i != end; ++i)
    sizes.push_back(std::stoul((*i)[1].str()) / 8);
  return sizes;
}

template <class T>
void expect_entry_takes_the_packed_arguments() {
  const std::vector<std::size_t> got = entry_parameter_sizes(eight_schools_ptx(), model_kernel_name<T>());
  const auto want = model_kernel_args<T>::sizes();
  ASSERT_EQ(got.size(), want.size()) << model_kernel_name<T>() << " missing or of another signature";
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << model_kernel_name<T>() << " parameter " << i;
}

}  // namespace

// One test, so that ctest (a process per test) compiles once.
TEST(ModelPtx, TheExampleCompilesWithEachPrecisionsKernelTakingTheArgumentsTheEnginePacks) {
  std::string why;
  if (!nvrtc_available(&why)) GTEST_SKIP() << why;
  EXPECT_NE(eight_schools_ptx().find(".target sm_90"), std::string::npos);
  expect_entry_takes_the_packed_arguments<double>();
  expect_entry_takes_the_packed_arguments<float>();
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
