#include "manychains/devices.hpp"

#include "manychains/error.hpp"

namespace manychains {

template <class T>
std::unique_ptr<chain_engine<T>> make_engine(device_choice choice, const any_target& target, chain_range chains,
                                             std::uint64_t seed) {
  if (choice == device_choice::cpu) return make_cpu_engine<T>(target, chains, seed);
  std::string reason;
  if (cuda_usable(&reason)) return make_cuda_engine<T>(target, chains, seed);
  if (choice == device_choice::cuda) throw device_unavailable("--device cuda: " + reason);
  return make_cpu_engine<T>(target, chains, seed);
}

template std::unique_ptr<chain_engine<float>> make_engine<float>(device_choice, const any_target&, chain_range,
                                                                 std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_engine<double>(device_choice, const any_target&, chain_range,
                                                                   std::uint64_t);

}  // namespace manychains
