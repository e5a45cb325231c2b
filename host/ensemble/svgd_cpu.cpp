// The CPU SVGD backend for the built-in targets: each visited as its precision-T ref, with its
// parameters owned by the backend (the class: ensemble/cpu_backends.hpp).
#include "manychains/ensemble/detail/pointwise_target.hpp"
#include "manychains/ensemble/cpu_backends.hpp"

namespace manychains {

template <class T>
std::unique_ptr<svgd_backend<T>> make_cpu_svgd_backend(const any_target& target) {
  return ensemble_detail::visit_pointwise<std::unique_ptr<svgd_backend<T>>>(target, [&](const auto& t) {
    using ref_type = decltype(t.template ref<T>(nullptr));
    return std::unique_ptr<svgd_backend<T>>(std::make_unique<ensemble_detail::cpu_svgd_backend<T, ref_type>>(
        ensemble_detail::converted<T>(t.params), [&](const T* p) { return t.template ref<T>(p); }, t.info.dim));
  });
}

template std::unique_ptr<svgd_backend<float>> make_cpu_svgd_backend<float>(const any_target&);
template std::unique_ptr<svgd_backend<double>> make_cpu_svgd_backend<double>(const any_target&);

}  // namespace manychains
