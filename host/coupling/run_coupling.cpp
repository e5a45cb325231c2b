// run_coupling: the coupled chains on the backend the device choice names.
#include <string>

#include "manychains/coupling/coupling_run.hpp"
#include "manychains/error.hpp"

namespace manychains {

template <class T>
coupling_result run_coupling(device_choice choice, const any_target& target, const coupling_settings& s) {
  if (choice == device_choice::cpu) return run_coupling_cpu<T>(target, s);
  std::string reason;
  if (cuda_usable(&reason)) return run_coupling_cuda<T>(target, s);
  if (choice == device_choice::cuda) throw device_error("--device cuda: " + reason);
  return run_coupling_cpu<T>(target, s);
}

template coupling_result run_coupling<float>(device_choice, const any_target&, const coupling_settings&);
template coupling_result run_coupling<double>(device_choice, const any_target&, const coupling_settings&);

}  // namespace manychains
