// The device backend of the diagnostics pipeline (diagnostics/detail/pipeline.hpp) on
// device-resident draws: the transforms (split, rank normalisation, folding, quantile
// indicators) and the per-chain partial statistics (moments, lag sums) run on the GPU with Thrust
// sorts/scans and CUB block reductions; the pipeline's combine steps (host/core/diagnostics) get
// chain-sized partials only. The draws never come to the host. Sort indices are 64-bit: a
// parameter may have more than 2^32 draws.
#include <cub/block/block_reduce.cuh>
#include <thrust/copy.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/extrema.h>
#include <thrust/find.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/reverse_iterator.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manychains/cuda/detail/device_buffer.cuh"
#include "manychains/cuda_try.hpp"
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/diagnostics/detail/pipeline.hpp"
#include "manychains/diagnostics/formulas.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

constexpr int block_threads = 256;

unsigned blocks_for(std::size_t n) { return static_cast<unsigned>((n + block_threads - 1) / block_threads); }

void check_launch() { MC_CUDA_TRY(cudaGetLastError()); }

// ---- element-wise transforms ----------------------------------------------------------------

/// full[c*D + i] = draws[(c*D + i)*dim + j]
__global__ void gather_parameter(const double* draws, std::size_t total, std::size_t dim, std::size_t j,
                                 double* full) {
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k < total) full[k] = draws[k * dim + j];
}

/// Split chains: out[(s*C + c)*h + i] = full[c*D + s*(D - h) + i], s = 0 (first half) or 1 (last half).
__global__ void split_kernel(const double* full, std::size_t chains, std::size_t draws, double* out) {
  const std::size_t h = draws / 2, total = 2 * chains * h;
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k >= total) return;
  const std::size_t i = k % h, row = k / h, s = row / chains, c = row % chains;
  out[k] = full[c * draws + s * (draws - h) + i];
}

__global__ void indicator_kernel(const double* x, std::size_t n, double q, double* out) {
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k < n) out[k] = x[k] <= q ? 1.0 : 0.0;
}

__global__ void abs_dev_kernel(const double* x, std::size_t n, double centre, double* out) {
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k < n) out[k] = fabs(x[k] - centre);
}

__global__ void sq_dev_kernel(const double* x, std::size_t n, double centre, double* out) {
  const std::size_t k = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (k < n) out[k] = (x[k] - centre) * (x[k] - centre);
}

/// Tie-group bounds of sorted values: head[i] = i at a group start (else 0), tail[i] = i + 1 at a
/// group end (else size); an inclusive max-scan / reverse min-scan spreads them over the group.
__global__ void group_marks(const double* sorted, std::size_t n, std::uint64_t* head, std::uint64_t* tail) {
  const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  head[i] = (i == 0 || sorted[i] != sorted[i - 1]) ? i : 0u;
  tail[i] = (i + 1 == n || sorted[i] != sorted[i + 1]) ? i + 1 : n;
}

/// z[order[i]] = the z-scaled average rank of sorted position i's tie group [start, end).
__global__ void rank_z_kernel(const std::uint64_t* order, const std::uint64_t* start, const std::uint64_t* end,
                              std::size_t n, double* z) {
  const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  z[order[i]] = diagnostics_formula::rank_z(diagnostics_formula::average_rank(start[i], end[i]), n);
}

struct max_u64 {
  __host__ __device__ std::uint64_t operator()(std::uint64_t a, std::uint64_t b) const { return a > b ? a : b; }
};
struct min_u64 {
  __host__ __device__ std::uint64_t operator()(std::uint64_t a, std::uint64_t b) const { return a < b ? a : b; }
};
struct not_finite {
  __host__ __device__ bool operator()(double v) const { return !isfinite(v); }
};

// ---- per-chain partial statistics -------------------------------------------------------------

/// One block per chain: mean (x_0 + mean of x_i - x_0, as chain_mean) and M2 = sum (x_i - mean)^2.
__global__ void chain_moments_kernel(const double* x, std::size_t n, double* mean, double* m2) {
  using reduce = cub::BlockReduce<double, block_threads>;
  __shared__ typename reduce::TempStorage tmp;
  __shared__ double m_shared;
  const double* xc = x + blockIdx.x * n;
  const double x0 = xc[0];
  double s = 0;
  for (std::size_t i = threadIdx.x; i < n; i += blockDim.x) s += xc[i] - x0;
  s = reduce(tmp).Sum(s);
  if (threadIdx.x == 0) m_shared = x0 + s / static_cast<double>(n);
  __syncthreads();
  const double m = m_shared;
  double q = 0;
  for (std::size_t i = threadIdx.x; i < n; i += blockDim.x) q += (xc[i] - m) * (xc[i] - m);
  q = reduce(tmp).Sum(q);
  if (threadIdx.x == 0) {
    mean[blockIdx.x] = m;
    m2[blockIdx.x] = q;
  }
}

/// One block per chain, one warp per lag: out[c * lags + (t - lag_begin)] = sum_i autocov_term / n.
__global__ void chain_autocov_kernel(const double* x, std::size_t n, const double* means, std::size_t lag_begin,
                                     std::size_t lags, double* out) {
  const double* xc = x + blockIdx.x * n;
  const double m = means[blockIdx.x];
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  for (std::size_t l = warp; l < lags; l += warps) {
    const std::size_t t = lag_begin + l;
    double s = 0;
    for (std::size_t i = lane; i + t < n; i += 32) s += autocov_term(xc, i, t, m);
    for (int off = 16; off > 0; off /= 2) s += __shfl_down_sync(0xffffffffu, s, off);
    if (lane == 0) out[blockIdx.x * lags + l] = s / static_cast<double>(n);
  }
}

/// out[l] = mean over chains of per_chain[c * lags + l] (fixed order: deterministic).
__global__ void mean_over_chains(const double* per_chain, std::size_t chains, std::size_t lags, double* out) {
  const std::size_t l = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (l >= lags) return;
  double s = 0;
  for (std::size_t c = 0; c < chains; ++c) s += per_chain[c * lags + l];
  out[l] = s / static_cast<double>(chains);
}

// ---- the device backend of the pipeline ---------------------------------------------------------

double fetch(const double* device_value) {
  double v;
  MC_CUDA_TRY(cudaMemcpy(&v, device_value, sizeof v, cudaMemcpyDeviceToHost));
  return v;
}

/// autocov_source over a device (chains, n) array: lag blocks computed on the device, only
/// `lags` numbers per block come back.
class device_autocov_source final : public autocov_source {
 public:
  device_autocov_source(const double* x, std::size_t chains, std::size_t n, const double* means)
      : x_(x), chains_(chains), n_(n), means_(means) {}
  void mean_autocov(std::size_t lag_begin, std::size_t lag_end, double* out) override {
    const std::size_t lags = lag_end - lag_begin;
    per_chain_.resize(chains_ * lags);
    mean_.resize(lags);
    chain_autocov_kernel<<<static_cast<unsigned>(chains_), block_threads>>>(x_, n_, means_, lag_begin, lags,
                                                                            per_chain_.data());
    check_launch();
    mean_over_chains<<<blocks_for(lags), block_threads>>>(per_chain_.data(), chains_, lags, mean_.data());
    check_launch();
    MC_CUDA_TRY(cudaMemcpy(out, mean_.data(), lags * sizeof(double), cudaMemcpyDeviceToHost));
  }

 private:
  const double* x_;
  std::size_t chains_, n_;
  const double* means_;
  device_buffer<double> per_chain_, mean_;
};

using diagnostics_detail::chain_sums;
using diagnostics_detail::series;

class device_backend {
 public:
  device_backend(const double* draws, std::size_t chains, std::size_t n_draws, std::size_t dim, std::size_t j)
      : chains_(chains), draws_(n_draws), half_(n_draws / 2), full_(chains * n_draws) {
    gather_parameter<<<blocks_for(full_.size()), block_threads>>>(draws, full_.size(), dim, j, full_.data());
    check_launch();
  }

  chain_sums sums(series s) {
    return s == series::full ? sums_of(full_.data(), chains_, draws_) : sums_of(data(s), 2 * chains_, half_);
  }
  void find_not_finite(const std::string& name) {
    auto f = thrust::device_pointer_cast(full_.data());
    const auto bad = thrust::find_if(thrust::device, f, f + full_.size(), not_finite{});
    if (bad == f + full_.size()) return;
    const std::size_t k = static_cast<std::size_t>(bad - f);
    const double v = fetch(full_.data() + k);
    throw input_error("parameter " + name + " has a " + (std::isnan(v) ? "NaN" : "infinite") + " draw (chain " +
                      std::to_string(k / draws_) + ", draw " + std::to_string(k % draws_) +
                      "); diagnostics need finite draws");
  }
  void split() {
    split_.resize(split_size());
    work_.resize(split_size());
    split_kernel<<<blocks_for(split_size()), block_threads>>>(full_.data(), chains_, draws_, split_.data());
    check_launch();
  }
  void sort(series s) {
    if (s == series::full) sort_into(full_.data(), full_.size(), sorted_, order_);
    else sort_into(split_.data(), split_size(), sorted_, order_);
  }
  double sorted_at(std::size_t k) { return fetch(sorted_.data() + k); }
  void rank_z() { rank_z_into(sorted_, order_, work_.data()); }
  void folded_rank_z(double median) {
    abs_dev_kernel<<<blocks_for(split_size()), block_threads>>>(split_.data(), split_size(), median, work_.data());
    check_launch();
    sort_into(work_.data(), split_size(), folded_sorted_, folded_order_);
    rank_z_into(folded_sorted_, folded_order_, work_.data());
  }
  void indicator(double q) {
    indicator_kernel<<<blocks_for(split_size()), block_threads>>>(split_.data(), split_size(), q, work_.data());
    check_launch();
  }
  chain_sums squared_deviations(double mean) {
    device_buffer<double> c2(full_.size());
    sq_dev_kernel<<<blocks_for(full_.size()), block_threads>>>(full_.data(), full_.size(), mean, c2.data());
    check_launch();
    split_kernel<<<blocks_for(split_size()), block_threads>>>(c2.data(), chains_, draws_, work_.data());
    check_launch();
    return sums_of(c2.data(), chains_, draws_);
  }
  double ess(series s, std::optional<bool> constant) {
    const double* x = data(s);
    const std::size_t chains = 2 * chains_, n = half_, size = chains * n;
    if (!constant) {
      const auto mm = thrust::minmax_element(thrust::device, thrust::device_pointer_cast(x),
                                             thrust::device_pointer_cast(x) + size);
      constant = diagnostics_formula::is_constant_range(fetch(thrust::raw_pointer_cast(mm.first)),
                                                        fetch(thrust::raw_pointer_cast(mm.second)));
    }
    if (*constant) return static_cast<double>(size);
    const chain_sums m = sums_of(x, chains, n);  // leaves the chain means on the device in mean_
    device_autocov_source src(x, chains, n, mean_.data());
    return ess_combine(m.mean.data(), chains, n, false, src);
  }

 private:
  std::size_t split_size() const { return 2 * chains_ * half_; }
  const double* data(series s) const { return s == series::split ? split_.data() : work_.data(); }

  /// Per-chain mean and M2 of a device (chains, n) array; the means stay in mean_ too.
  chain_sums sums_of(const double* x, std::size_t chains, std::size_t n) {
    mean_.resize(chains);
    m2_.resize(chains);
    chain_moments_kernel<<<static_cast<unsigned>(chains), block_threads>>>(x, n, mean_.data(), m2_.data());
    check_launch();
    return {mean_.download(), m2_.download()};
  }

  /// Sorts a copy of `values` with their 64-bit indices.
  static void sort_into(const double* values, std::size_t n, device_buffer<double>& sorted,
                        device_buffer<std::uint64_t>& order) {
    sorted.resize(n);
    order.resize(n);
    MC_CUDA_TRY(cudaMemcpy(sorted.data(), values, n * sizeof(double), cudaMemcpyDeviceToDevice));
    thrust::sequence(thrust::device, thrust::device_pointer_cast(order.data()),
                     thrust::device_pointer_cast(order.data()) + n, std::uint64_t(0));
    thrust::sort_by_key(thrust::device, thrust::device_pointer_cast(sorted.data()),
                        thrust::device_pointer_cast(sorted.data()) + n, thrust::device_pointer_cast(order.data()));
  }

  /// z-scale from sorted values and their order (ties averaged), into z.
  void rank_z_into(const device_buffer<double>& sorted, const device_buffer<std::uint64_t>& order, double* z) {
    const std::size_t n = sorted.size();
    head_.resize(n);
    tail_.resize(n);
    group_marks<<<blocks_for(n), block_threads>>>(sorted.data(), n, head_.data(), tail_.data());
    check_launch();
    auto h = thrust::device_pointer_cast(head_.data());
    auto t = thrust::device_pointer_cast(tail_.data());
    thrust::inclusive_scan(thrust::device, h, h + n, h, max_u64{});
    thrust::inclusive_scan(thrust::device, thrust::make_reverse_iterator(t + n), thrust::make_reverse_iterator(t),
                           thrust::make_reverse_iterator(t + n), min_u64{});
    rank_z_kernel<<<blocks_for(n), block_threads>>>(order.data(), head_.data(), tail_.data(), n, z);
    check_launch();
  }

  std::size_t chains_, draws_, half_;
  device_buffer<double> full_, split_, work_, sorted_, folded_sorted_, mean_, m2_;
  device_buffer<std::uint64_t> order_, folded_order_, head_, tail_;
};

}  // namespace

std::vector<parameter_diagnostics> diagnose_draws_cuda(const double* device_draws, std::size_t chains,
                                                       std::size_t n_draws, std::size_t dim,
                                                       const std::vector<std::string>& names,
                                                       const diagnose_options& options) {
  std::string reason;
  if (!cuda_usable(&reason)) throw device_unavailable("--device cuda: " + reason);
  MC_EXPECTS(chains >= 1 && n_draws >= 1 && dim >= 1, "no draws to diagnose");
  if (options.superchains > 0) {
    MC_EXPECTS(options.superchains >= 2, "--superchains must be at least 2");
    MC_EXPECTS(chains % options.superchains == 0,
               std::to_string(options.superchains) + " superchains do not divide " + std::to_string(chains) +
                   " chains (chains [k*M, (k+1)*M) form superchain k)");
  }
  std::vector<parameter_diagnostics> out;
  out.reserve(dim);
  for (std::size_t j = 0; j < dim; ++j) {
    const std::string name = j < names.size() ? names[j] : "x[" + std::to_string(j) + "]";
    device_backend b(device_draws, chains, n_draws, dim, j);
    out.push_back(diagnostics_detail::diagnose_with(b, chains, n_draws, options, name));
  }
  MC_CUDA_TRY(cudaDeviceSynchronize());
  return out;
}

std::vector<parameter_diagnostics> diagnose_draws_cuda_from_host(const double* host_draws, std::size_t chains,
                                                                 std::size_t n_draws, std::size_t dim,
                                                                 const std::vector<std::string>& names,
                                                                 const diagnose_options& options) {
  std::string reason;
  if (!cuda_usable(&reason)) throw device_unavailable("--device cuda: " + reason);
  device_buffer<double> d(chains * n_draws * dim);
  MC_CUDA_TRY(cudaMemcpy(d.data(), host_draws, d.size() * sizeof(double), cudaMemcpyHostToDevice));
  return diagnose_draws_cuda(d.data(), chains, n_draws, dim, names, options);
}

}  // namespace manychains
