// run_coupling: the coupled chains on the backend the device choice names.
#include "manychains/coupling/coupling_run.hpp"
#include "manychains/devices.hpp"

namespace manychains {

template <class T>
coupling_result run_coupling(device_choice choice, const any_target& target, const coupling_settings& s) {
  if (select_device(choice) == backend_kind::cuda) return run_coupling_cuda<T>(target, s);
  return run_coupling_cpu<T>(target, s);
}

template coupling_result run_coupling<float>(device_choice, const any_target&, const coupling_settings&);
template coupling_result run_coupling<double>(device_choice, const any_target&, const coupling_settings&);

}  // namespace manychains
