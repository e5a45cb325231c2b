#include "cuda_engines.cuh"

namespace manychains {
template std::unique_ptr<chain_engine<float>> make_cuda_engine<float>(const any_target&, chain_range, std::uint64_t);
}
