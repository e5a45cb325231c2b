// The CPU backend of the coupling estimator for the built-in targets: each visited as its
// precision-T ref and run by run_coupling_cpu_for.
#include "manychains/coupling/cpu_coupling.hpp"

namespace manychains {

template <class T>
coupling_result run_coupling_cpu(const any_target& target, const coupling_settings& settings) {
  const coupling_settings s = resolve_coupling_settings(settings, target);  // refuses the batched target
  return std::visit(
      [&](const auto& t) -> coupling_result {
        if constexpr (std::is_same_v<std::decay_t<decltype(t)>, logistic_target>) {
          return {};  // refused above
        } else {
          const std::vector<T> params = coupling_detail::converted<T>(t.params);
          return run_coupling_cpu_for<T>(t.template ref<T>(params.data()), t.info, s);
        }
      },
      target);
}

template coupling_result run_coupling_cpu<float>(const any_target&, const coupling_settings&);
template coupling_result run_coupling_cpu<double>(const any_target&, const coupling_settings&);

}  // namespace manychains
