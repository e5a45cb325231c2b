#include "cuda_engines.cuh"

MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_ENGINE, double)

namespace manychains {
template std::unique_ptr<chain_engine<double>> make_cuda_engine<double>(const any_target&, chain_range, std::uint64_t);
}
