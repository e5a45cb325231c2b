// The CPU SVGD backend for the built-in targets: the same factory as a user's target
// (ensemble/cpu_backends.hpp), through the one visitation of target_ref.hpp.
#include "manychains/ensemble/cpu_backends.hpp"

namespace manychains {

template <class T>
std::unique_ptr<svgd_backend<T>> make_cpu_svgd_backend(const any_target& target) {
  return visit_pointwise(
      target, [&](const auto& t) { return make_cpu_svgd_backend_for<T>(t); }, ensemble_unsupported_target_message());
}

template std::unique_ptr<svgd_backend<float>> make_cpu_svgd_backend<float>(const any_target&);
template std::unique_ptr<svgd_backend<double>> make_cpu_svgd_backend<double>(const any_target&);

}  // namespace manychains
