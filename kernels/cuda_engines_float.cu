#include "cuda_engines.cuh"

MANYCHAINS_CUDA_FOR_BUILTINS(MANYCHAINS_CUDA_ENGINE, float)

namespace manychains {
template std::unique_ptr<chain_engine<float>> make_cuda_engine<float>(const any_target&, chain_range, std::uint64_t);
}
