// The CPU stretch backend for the built-in targets: the same factory as a user's target
// (ensemble/cpu_backends.hpp), through the one visitation of target_ref.hpp.
#include "manychains/ensemble/cpu_backends.hpp"

namespace manychains {

template <class T>
std::unique_ptr<stretch_backend<T>> make_cpu_stretch_backend(const any_target& target, stretch_shape shape, T a,
                                                             std::uint64_t seed) {
  return visit_pointwise(
      target, [&](const auto& t) { return make_cpu_stretch_backend_for<T>(t, shape, a, seed); },
      ensemble_unsupported_target_message());
}

template std::unique_ptr<stretch_backend<float>> make_cpu_stretch_backend<float>(const any_target&, stretch_shape,
                                                                                 float, std::uint64_t);
template std::unique_ptr<stretch_backend<double>> make_cpu_stretch_backend<double>(const any_target&,
                                                                                   stretch_shape, double,
                                                                                   std::uint64_t);

}  // namespace manychains
