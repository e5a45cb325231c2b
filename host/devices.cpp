#include "manychains/devices.hpp"

#include "manychains/error.hpp"

namespace manychains {

device_choice parse_device_choice(const std::string& name) {
  if (name == "auto") return device_choice::automatic;
  if (name == "cpu") return device_choice::cpu;
  if (name == "cuda") return device_choice::cuda;
  throw input_error("--device must be auto, cpu or cuda, not '" + name + "'");
}

backend_kind select_device(device_choice choice) {
  if (choice == device_choice::cpu) return backend_kind::cpu;
  std::string reason;
  if (cuda_usable(&reason)) return backend_kind::cuda;
  if (choice == device_choice::cuda) throw device_unavailable("--device cuda: " + reason);
  return backend_kind::cpu;
}

template <class T>
std::unique_ptr<chain_engine<T>> make_engine(device_choice choice, const any_target& target, chain_range chains,
                                             std::uint64_t seed) {
  if (select_device(choice) == backend_kind::cuda) return make_cuda_engine<T>(target, chains, seed);
  return make_cpu_engine<T>(target, chains, seed);
}

template std::unique_ptr<chain_engine<float>> make_engine<float>(device_choice, const any_target&, chain_range,
                                                                 std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_engine<double>(device_choice, const any_target&, chain_range,
                                                                   std::uint64_t);

}  // namespace manychains
