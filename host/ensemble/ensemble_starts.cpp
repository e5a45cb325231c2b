// Random starting points for walkers and particles, and the choice of backend.
#include <cmath>

#include "manychains/ensemble/ensemble.hpp"
#include "manychains/error.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/sampler.hpp"

namespace manychains {

template <class T>
std::vector<T> ensemble_starts(const target_info& info, std::size_t count, std::uint64_t seed,
                               const std::function<std::vector<T>(const std::vector<T>&)>& logdensity,
                               std::uint64_t first) {
  // Starting points read subsequences 2^63 + g, apart from the moves' streams g.
  constexpr std::uint64_t start_streams = std::uint64_t(1) << 63;
  return draw_starting_points<T>(info, count, seed, start_streams + first, logdensity, "walker", first).first;
}

template std::vector<float> ensemble_starts<float>(const target_info&, std::size_t, std::uint64_t,
                                                   const std::function<std::vector<float>(const std::vector<float>&)>&,
                                                   std::uint64_t);
template std::vector<double> ensemble_starts<double>(
    const target_info&, std::size_t, std::uint64_t, const std::function<std::vector<double>(const std::vector<double>&)>&,
    std::uint64_t);

template <class T>
std::unique_ptr<stretch_backend<T>> make_stretch_backend(device_choice choice, const any_target& target,
                                                         stretch_shape shape, T a, std::uint64_t seed) {
  if (std::holds_alternative<logistic_target>(target)) throw input_error(ensemble_unsupported_target_message());
  if (select_device(choice) == backend_kind::cuda) return make_cuda_stretch_backend<T>(target, shape, a, seed);
  return make_cpu_stretch_backend<T>(target, shape, a, seed);
}

template <class T>
std::unique_ptr<svgd_backend<T>> make_svgd_backend(device_choice choice, const any_target& target) {
  if (std::holds_alternative<logistic_target>(target)) throw input_error(ensemble_unsupported_target_message());
  if (select_device(choice) == backend_kind::cuda) return make_cuda_svgd_backend<T>(target);
  return make_cpu_svgd_backend<T>(target);
}

template std::unique_ptr<stretch_backend<float>> make_stretch_backend<float>(device_choice, const any_target&,
                                                                             stretch_shape, float, std::uint64_t);
template std::unique_ptr<stretch_backend<double>> make_stretch_backend<double>(device_choice, const any_target&,
                                                                               stretch_shape, double, std::uint64_t);
template std::unique_ptr<svgd_backend<float>> make_svgd_backend<float>(device_choice, const any_target&);
template std::unique_ptr<svgd_backend<double>> make_svgd_backend<double>(device_choice, const any_target&);

}  // namespace manychains
