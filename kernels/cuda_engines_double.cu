#include "cuda_engines.cuh"

namespace manychains {
template std::unique_ptr<chain_engine<double>> make_cuda_engine<double>(const any_target&, chain_range, std::uint64_t);
}
