// The CUDA pointwise kernel's small-dimension path on the CPU: chains stepped in local copies of
// their vectors (local_chain.hpp) follow the chains stepped in place in the dimension-major layout.
#include <gtest/gtest.h>

#include <cmath>

#include "manychains/local_chain.hpp"
#include "manychains/targets.hpp"

using namespace manychains;

namespace {

/// n chains of dimension d stored dimension-major (x[j * n + c]), as on the GPU.
struct dimension_major_chains {
  std::size_t n, d;
  std::vector<double> x, grad, proposal, proposal_grad, scratch, logp;
  dimension_major_chains(std::size_t chains, std::size_t dim)
      : n(chains), d(dim), x(chains * dim), grad(x.size()), proposal(x.size()), proposal_grad(x.size()),
        scratch(x.size()), logp(chains) {}
  chain_slot<double> slot(std::size_t c) {
    return {{&x[c], n}, {&grad[c], n}, {&proposal[c], n}, {&proposal_grad[c], n}, &logp[c], {&scratch[c], n}};
  }
};

template <std::size_t N>
void expect_local_steps_follow_global_steps(const std::string& spec) {
  const auto target = std::get<gaussian_target>(make_target(spec));
  const auto ref = target.ref<double>(target.params.data());
  const std::size_t n = 5, d = target.info.dim, steps = 60;
  ASSERT_LE(d, N);
  dimension_major_chains global(n, d);
  philox_stream init{3, 0, 0};
  for (double& v : global.x) v = uniform_open01<double>(init.next4().x) * 4 - 2;
  for (std::size_t c = 0; c < n; ++c) {
    const chain_slot<double> s = global.slot(c);
    *s.logp = ref.logdensity_grad(as_const(s.x), s.grad);
  }
  dimension_major_chains local_run = global;
  const std::vector<double> scale(d, 0.8);
  const preconditioner<double> pre{scale.data(), nullptr};
  for (std::size_t c = 0; c < n; ++c) {
    philox_stream a{11, c, 0}, b{11, c, 0};
    std::size_t accepted_a = 0, accepted_b = 0;
    for (std::size_t t = 0; t < steps; ++t) accepted_a += langevin_step(ref, global.slot(c), pre, 0.6, sampler_kind::mala, a).accepted;
    local_chain<double, N> local;
    local.load(local_run.slot(c), d);
    for (std::size_t t = 0; t < steps; ++t) accepted_b += langevin_step(ref, local.slot(), pre, 0.6, sampler_kind::mala, b).accepted;
    local.store(local_run.slot(c), d);
    EXPECT_EQ(accepted_a, accepted_b) << "chain " << c;
    EXPECT_GT(accepted_a, 0u);
    EXPECT_EQ(a.block, b.block);
  }
  // Sums may round in another order (vector lanes over contiguous views): equal to 1e-12.
  for (std::size_t i = 0; i < global.x.size(); ++i) {
    EXPECT_NEAR(local_run.x[i], global.x[i], 1e-12 * (1 + std::abs(global.x[i]))) << i;
    EXPECT_NEAR(local_run.grad[i], global.grad[i], 1e-12 * (1 + std::abs(global.grad[i]))) << i;
  }
  for (std::size_t c = 0; c < n; ++c) EXPECT_NEAR(local_run.logp[c], global.logp[c], 1e-12 * (1 + std::abs(global.logp[c])));
}

}  // namespace

TEST(LocalChain, StepsInLocalCopiesFollowStepsInPlace) {
  expect_local_steps_follow_global_steps<8>("gaussian:dim=3,rho=0.5");
  expect_local_steps_follow_global_steps<8>("gaussian:dim=8,rho=0.3");  // exactly full
  expect_local_steps_follow_global_steps<32>("gaussian:dim=20,scale=2");
}
