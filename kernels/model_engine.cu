// The CUDA engine of a model file: the chain state on the device as for every CUDA engine, each
// step a propose kernel, the model's NVRTC-compiled kernel at all chains' proposals (through the
// driver API), and an accept kernel. The same per-chain math and streams as the CPU engine, so a
// seed gives the same chains on both, to the rounding of the model's math functions.
#include "cuda_driver_module.cuh"
#include "manychains/cuda/detail/batched_steps.cuh"
#include "manychains/cuda/detail/cuda_engine_base.cuh"
#include "manychains/devices.hpp"
#include "manychains/model/device_model.hpp"

namespace manychains {
namespace {

template <class T>
class cuda_model_engine final : public cuda_engine_base<T> {
 public:
  cuda_model_engine(const device_model& m, chain_range chains, std::uint64_t seed)
      : cuda_engine_base<T>(static_cast<std::size_t>(m.dim), chains, seed),  // allocates: the context is current
        module_(m.ptx, m.name),
        kernel_(module_.function(model_kernel_name<T>())),
        n_params_(static_cast<int>(m.params.size())),
        dim_(m.dim),
        constrained_dim_(m.constrained_dim) {
    values_.upload(m.values);
    ints_.upload(m.ints);
    data_.upload(m.data_struct(values_.data(), ints_.data()));
    params_.upload(m.params);
  }

 protected:
  void evaluate(const T* x, std::size_t n, T* logp, T* grad) override {
    model_kernel_args<T> a{data_.data(), params_.data(), n_params_, dim_, constrained_dim_, x, grad, logp, n};
    auto args = a.pointers();
    constexpr unsigned threads = 128;
    module_.launch(kernel_, blocks_for(n, threads), threads, args.data());
  }
  void advance(const segment_request<T>& r, std::size_t steps, T* draws) override {
    run_batched_steps(this->state_, r, this->step_of(r), steps, draws, this->seed_, this->range_.first,
                      [this](const T* x, std::size_t n, T* logp, T* grad) { evaluate(x, n, logp, grad); });
  }

 private:
  cuda_detail::driver_module module_;
  CUfunction kernel_;
  int n_params_, dim_, constrained_dim_;
  device_buffer<double> values_;
  device_buffer<int> ints_;
  device_buffer<unsigned char> data_;
  device_buffer<model::detail::device_param> params_;
};

}  // namespace

int cuda_compute_capability() {
  require_cuda("--device cuda");
  int device = 0, major = 0, minor = 0;
  MC_CUDA_TRY(cudaGetDevice(&device));
  MC_CUDA_TRY(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  MC_CUDA_TRY(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  return 10 * major + minor;
}

template <class T>
std::unique_ptr<chain_engine<T>> make_cuda_model_engine(const device_model& model, chain_range chains,
                                                        std::uint64_t seed) {
  require_cuda("--device cuda");
  if (model.dim > model::detail::max_device_dim || model.constrained_dim > model::detail::max_device_dim)
    throw input_error(model.name + " has " + std::to_string(std::max(model.dim, model.constrained_dim)) +
                      " parameters; the GPU serves model files of up to " +
                      std::to_string(model::detail::max_device_dim) + " (use --device cpu)");
  return std::make_unique<cuda_model_engine<T>>(model, chains, seed);
}

template std::unique_ptr<chain_engine<float>> make_cuda_model_engine<float>(const device_model&, chain_range,
                                                                            std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_cuda_model_engine<double>(const device_model&, chain_range,
                                                                              std::uint64_t);

}  // namespace manychains
