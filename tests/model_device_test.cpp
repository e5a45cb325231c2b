// What the CUDA model engine uploads and launches, checked on the CPU: the bound data laid out by
// the model's shared object (values and ints whole, the data struct's arrays pointing at their
// device copies, the parameter blocks), and the kernel arguments as cuLaunchKernel takes them.
// The examples' data structs are mirrored here as they declare them (examples/models/).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "manychains/model/device_model.hpp"
#include "model/model_library.hpp"
#include "test_support.hpp"

using namespace manychains;
using namespace manychains::model;
using manychains::model::detail::device_param;
namespace fs = std::filesystem;

namespace {

const std::string examples = std::string(MANYCHAINS_TEST_SOURCE_DIR) + "/../examples/models/";

/// The example bound to its data, compiled into the cache the CLI tests share.
std::unique_ptr<loaded_model> load_example(const std::string& name) {
  model_build_options o;
  o.cache_dir = (fs::path(manychains::testing::cli()).parent_path() / "model-cache").string();
  const model_build b = build_model(examples + name + ".hpp", o);
  return std::make_unique<loaded_model>(b.shared_object, examples + name + ".data.json", name);
}

struct eight_schools_data {
  int J;
  const double* y;
  const double* sigma;
};
struct dirichlet_multinomial_data {
  int K;
  const double* alpha;
  const int* counts;
};

template <class Data>
Data struct_of(const device_model& m, const std::vector<double>& values, const std::vector<int>& ints) {
  const std::vector<unsigned char> bytes = m.data_struct(values.data(), ints.data());
  EXPECT_EQ(bytes.size(), sizeof(Data));
  Data d{};
  std::memcpy(&d, bytes.data(), std::min(bytes.size(), sizeof d));
  return d;
}

void expect_block(const device_param& p, constraint_kind kind, int size, int unconstrained, int constrained) {
  EXPECT_EQ(p.c.kind, kind);
  EXPECT_EQ(p.size, size);
  EXPECT_EQ(p.unconstrained_offset, unconstrained);
  EXPECT_EQ(p.constrained_offset, constrained);
}

}  // namespace

TEST(ModelDevice, RealArraysPointIntoTheUploadedValues) {
  const auto model = load_example("eight_schools");
  const device_model m = model->device_part("ptx");
  EXPECT_EQ(m.ptx, "ptx");
  EXPECT_EQ(m.dim, 10);
  EXPECT_EQ(m.constrained_dim, 10);
  // The values in declaration order: J, y[8], sigma[8].
  const std::vector<double> want = {8, 28, 8, -3, 7, -1, 1, 18, 12, 15, 10, 16, 11, 9, 11, 10, 18};
  EXPECT_EQ(m.values, want);
  EXPECT_TRUE(m.ints.empty());
  const std::vector<double> device_values = m.values;  // stands in for the device copy
  const auto d = struct_of<eight_schools_data>(m, device_values, m.ints);
  EXPECT_EQ(d.J, 8);
  EXPECT_EQ(d.y, device_values.data() + 1);
  EXPECT_EQ(d.sigma, device_values.data() + 9);
  ASSERT_EQ(m.params.size(), 3u);  // theta_trans[8], mu, tau > 0
  expect_block(m.params[0], constraint_kind::none, 8, 0, 0);
  expect_block(m.params[1], constraint_kind::none, 1, 8, 8);
  expect_block(m.params[2], constraint_kind::lower, 1, 9, 9);
  EXPECT_EQ(m.params[2].c.lower, 0.0);
}

TEST(ModelDevice, IntArraysPointIntoTheUploadedIntsAndASimplexLosesOneCoordinate) {
  const auto model = load_example("dirichlet_multinomial");
  const device_model m = model->device_part("");
  EXPECT_EQ(m.dim, 3);
  EXPECT_EQ(m.constrained_dim, 4);
  EXPECT_EQ(m.ints, (std::vector<int>{12, 3, 7, 0}));
  const std::vector<double> device_values = m.values;
  const std::vector<int> device_ints = m.ints;
  const auto d = struct_of<dirichlet_multinomial_data>(m, device_values, device_ints);
  EXPECT_EQ(d.K, 4);
  EXPECT_EQ(d.alpha, device_values.data() + 1);
  EXPECT_EQ(d.counts, device_ints.data());
  ASSERT_EQ(m.params.size(), 1u);
  expect_block(m.params[0], constraint_kind::simplex, 4, 0, 0);
}

TEST(ModelDevice, KernelArgumentsAreTheFieldsInTheKernelsOrder) {
  double x = 0, g = 0, lp = 0;
  int data = 0, params = 0;
  model_kernel_args<double> a{&data, &params, 3, 10, 11, &x, &g, &lp, 4096};
  const auto p = a.pointers();
  EXPECT_EQ(*static_cast<const void**>(p[0]), &data);
  EXPECT_EQ(*static_cast<const void**>(p[1]), &params);
  EXPECT_EQ(*static_cast<int*>(p[2]), 3);
  EXPECT_EQ(*static_cast<int*>(p[3]), 10);
  EXPECT_EQ(*static_cast<int*>(p[4]), 11);
  EXPECT_EQ(*static_cast<const double**>(p[5]), &x);
  EXPECT_EQ(*static_cast<double**>(p[6]), &g);
  EXPECT_EQ(*static_cast<double**>(p[7]), &lp);
  EXPECT_EQ(*static_cast<unsigned long long*>(p[8]), 4096u);
  EXPECT_STREQ(model_kernel_name<double>(), "mc_model_logdensity_grad_double");
  EXPECT_STREQ(model_kernel_name<float>(), "mc_model_logdensity_grad_float");
}
