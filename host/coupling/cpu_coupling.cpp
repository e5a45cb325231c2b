// The CPU backend of the coupling estimator for the built-in targets: the same template as a
// user's target (run_coupling_cpu_for), through the one visitation of target_ref.hpp.
#include "manychains/coupling/cpu_coupling.hpp"

namespace manychains {

template <class T>
coupling_result run_coupling_cpu(const any_target& target, const coupling_settings& settings) {
  resolve_coupling_settings(settings, target);  // refuses the batched target with its message
  return visit_pointwise(
      target, [&](const auto& t) { return run_coupling_cpu_for<T>(t, t.info, settings); }, "converge: batched target");
}

template coupling_result run_coupling_cpu<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cpu<double>(const any_target&, const coupling_settings&);

}  // namespace manychains
