// The CPU backend of the coupling estimator: OpenMP over pairs, each pair in its own buffers.
#include <chrono>

#include "manychains/coupling/coupling_run.hpp"

namespace manychains {
namespace {

template <class T>
std::vector<T> converted(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

template <class T>
struct cpu_pairs_runner {
  const coupling_settings& s;
  std::vector<pair_outcome>& out;

  template <class Target>
  void operator()(const Target& target) const {
    const std::vector<T> params = converted<T>(target.params);
    const auto ref = target.template ref<T>(params.data());
    run(ref);
  }
  void operator()(const logistic_target&) const {}  // refused by resolve_coupling_settings

  template <class Ref>
  void run(const Ref& ref) const {
    const std::size_t d = ref.dim();
    const std::vector<T> scale = converted<T>(s.scale), center = converted<T>(s.init_center),
                         radius = converted<T>(s.init_radius);
    const std::vector<T> chol = converted<T>(s.chol);
    const mh_kernel<T> kernel{s.sampler, d, static_cast<T>(s.step_size),
                              preconditioner<T>{scale.data(), chol.empty() ? nullptr : chol.data()}};
    const start_box<T> box{center.data(), radius.data()};
    const long long n = static_cast<long long>(s.pairs);
#pragma omp parallel
    {
      // x, grad, proposal, proposal_grad and scratch for each chain
      std::vector<T> buffer(10 * d), logp(2);
      const auto slot = [&](std::size_t chain) {
        T* b = buffer.data() + 5 * d * chain;
        return chain_slot<T>{{b, 1}, {b + d, 1}, {b + 2 * d, 1}, {b + 3 * d, 1}, &logp[chain], {b + 4 * d, 1}};
      };
      const chain_slot<T> x = slot(0), y = slot(1);
#pragma omp for schedule(dynamic, 16)
      for (long long p = 0; p < n; ++p) {
        philox_stream rng{s.seed, s.first_pair + static_cast<std::uint64_t>(p), 0};
        out[static_cast<std::size_t>(p)] = run_lag_pair(ref, kernel, box, s.lag, s.max_steps, x, y, rng);
      }
    }
  }
};

}  // namespace

template <class T>
coupling_result run_coupling_cpu(const any_target& target, const coupling_settings& settings) {
  const coupling_settings s = resolve_coupling_settings(settings, target);
  const auto start = std::chrono::steady_clock::now();
  std::vector<pair_outcome> outcomes(s.pairs);
  std::visit(cpu_pairs_runner<T>{s, outcomes}, target);
  coupling_result r = collect_outcomes(outcomes, s, info_of(target).spec);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.device = "cpu";
  return r;
}

template coupling_result run_coupling_cpu<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cpu<double>(const any_target&, const coupling_settings&);

}  // namespace manychains
