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
#include <thrust/find.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/reverse_iterator.h>
#include <thrust/pair.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform_reduce.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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
//
// One workspace serves every parameter of a call: its buffers are allocated when it is made (the
// sizes are the same for every parameter), Thrust's temporary storage comes from one block kept
// across calls, and the lag-sum buffers only grow. Per parameter (even draws >= 4, a = lag blocks
// per ESS, b = distinct lag-block sizes per ESS): 0 allocations (the lag buffers grow only when a
// parameter needs a longer block than all before it) and 16 + 5a blocking device-to-host copies;
// one device_backend per parameter made 25 + 10b cudaMalloc/cudaFree pairs (each cudaFree
// synchronous) and 33 + 5a copies, and 8 Thrust calls that each synchronised (now par_nosync).

double fetch(const double* device_value) {
  double v;
  MC_CUDA_TRY(cudaMemcpy(&v, device_value, sizeof v, cudaMemcpyDeviceToHost));
  return v;
}

/// Thrust's temporary storage from one device block kept for the workspace's life, grown when an
/// algorithm asks for more: no cudaMalloc and no synchronous cudaFree per sort, scan or
/// reduction. A request while the block is lent (not made by the algorithms used here) gets
/// memory of its own, freed on return.
class temp_storage_cache {
 public:
  using value_type = char;

  char* allocate(std::size_t bytes) {
    if (lent_) return own_allocation(bytes);
    if (block_.size() < bytes) {
      MC_CUDA_TRY(cudaDeviceSynchronize());  // nosync algorithms may still use the old block
      block_.resize(bytes);
    }
    lent_ = true;
    return block_.data();
  }
  void deallocate(char* p, std::size_t) {
    if (lent_ && p == block_.data()) lent_ = false;
    else cudaFree(p);
  }

 private:
  static char* own_allocation(std::size_t bytes) {
    void* p = nullptr;
    MC_CUDA_TRY(cudaMalloc(&p, bytes));
    return static_cast<char*>(p);
  }
  device_buffer<char> block_;
  bool lent_ = false;
};

/// Grows b to at least n values (contents discarded when it grows).
template <class T>
void reserve_at_least(device_buffer<T>& b, std::size_t n) {
  if (b.size() < n) b.resize(n);
}

/// autocov_source over a device (chains, n) array: lag blocks computed on the device, only
/// `lags` numbers per block come back. Its buffers stay with it from one ESS to the next.
class device_autocov_source final : public autocov_source {
 public:
  /// The series the next mean_autocov calls read: x (chains, n) with chain means `means`.
  void bind(const double* x, std::size_t chains, std::size_t n, const double* means) {
    x_ = x;
    chains_ = chains;
    n_ = n;
    means_ = means;
  }
  void mean_autocov(std::size_t lag_begin, std::size_t lag_end, double* out) override {
    const std::size_t lags = lag_end - lag_begin;
    reserve_at_least(per_chain_, chains_ * lags);
    reserve_at_least(mean_, lags);
    chain_autocov_kernel<<<static_cast<unsigned>(chains_), block_threads>>>(x_, n_, means_, lag_begin, lags,
                                                                            per_chain_.data());
    check_launch();
    mean_over_chains<<<blocks_for(lags), block_threads>>>(per_chain_.data(), chains_, lags, mean_.data());
    check_launch();
    MC_CUDA_TRY(cudaMemcpy(out, mean_.data(), lags * sizeof(double), cudaMemcpyDeviceToHost));
  }

 private:
  const double* x_ = nullptr;
  std::size_t chains_ = 0, n_ = 0;
  const double* means_ = nullptr;
  device_buffer<double> per_chain_, mean_;
};

using diagnostics_detail::chain_sums;
using diagnostics_detail::series;

/// (v, v): a value as the range it spans.
struct as_range {
  __host__ __device__ thrust::pair<double, double> operator()(double v) const { return {v, v}; }
};
/// The range spanned by two ranges (as minmax_element: the smallest and the largest value).
struct widen_range {
  __host__ __device__ thrust::pair<double, double> operator()(thrust::pair<double, double> a,
                                                              thrust::pair<double, double> b) const {
    return {b.first < a.first ? b.first : a.first, a.second < b.second ? b.second : a.second};
  }
};

class device_backend {
 public:
  /// A workspace for the parameters of `draws` (chains, n_draws, dim) on the device.
  device_backend(const double* draws, std::size_t chains, std::size_t n_draws, std::size_t dim)
      : draws_in_(draws),
        dim_(dim),
        chains_(chains),
        draws_(n_draws),
        half_(n_draws / 2),
        full_(chains * n_draws),
        split_(split_size()),
        work_(split_size()),
        sorted_(full_.size()),  // a sort of full or split (split_size() <= full size)
        folded_sorted_(split_size()),
        moments_(2 * 2 * chains),  // means then M2 of up to 2 * chains chains
        c2_(full_.size()),
        order_(full_.size()),
        folded_order_(split_size()),
        head_(full_.size()),
        tail_(full_.size()) {}

  /// Makes parameter j the one the pipeline works on: full = its draws; every other series is
  /// rewritten by the pipeline before it is read.
  void load(std::size_t j) {
    gather_parameter<<<blocks_for(full_.size()), block_threads>>>(draws_in_, full_.size(), dim_, j, full_.data());
    check_launch();
    sorted_cache_.clear();
  }

  chain_sums sums(series s) {
    return s == series::full ? sums_of(full_.data(), chains_, draws_) : sums_of(data(s), 2 * chains_, half_);
  }
  void find_not_finite(const std::string& name) {
    auto f = thrust::device_pointer_cast(full_.data());
    const auto bad = thrust::find_if(thrust::cuda::par(temp_), f, f + full_.size(), not_finite{});
    if (bad == f + full_.size()) return;
    const std::size_t k = static_cast<std::size_t>(bad - f);
    const double v = fetch(full_.data() + k);
    throw input_error("parameter " + name + " has a " + (std::isnan(v) ? "NaN" : "infinite") + " draw (chain " +
                      std::to_string(k / draws_) + ", draw " + std::to_string(k % draws_) +
                      "); diagnostics need finite draws");
  }
  void split() {
    split_kernel<<<blocks_for(split_size()), block_threads>>>(full_.data(), chains_, draws_, split_.data());
    check_launch();
  }
  void sort(series s) {
    sorted_n_ = s == series::full ? full_.size() : split_size();
    sort_into(s == series::full ? full_.data() : split_.data(), sorted_n_, sorted_, order_);
    sorted_cache_.clear();
  }
  /// The quantile lookups read neighbours (k - 1, k): each miss fetches values k and k + 1 in one copy.
  double sorted_at(std::size_t k) {
    MC_EXPECTS(k < sorted_n_, "sorted_at beyond the sorted values");
    for (const auto& [at, v] : sorted_cache_)
      if (at == k) return v;
    const std::size_t count = std::min<std::size_t>(2, sorted_n_ - k);
    double v[2];
    MC_CUDA_TRY(cudaMemcpy(v, sorted_.data() + k, count * sizeof(double), cudaMemcpyDeviceToHost));
    for (std::size_t i = 0; i < count; ++i) sorted_cache_.emplace_back(k + i, v[i]);
    return v[0];
  }
  void rank_z() { rank_z_into(sorted_, order_, split_size(), work_.data()); }
  void folded_rank_z(double median) {
    abs_dev_kernel<<<blocks_for(split_size()), block_threads>>>(split_.data(), split_size(), median, work_.data());
    check_launch();
    sort_into(work_.data(), split_size(), folded_sorted_, folded_order_);
    rank_z_into(folded_sorted_, folded_order_, split_size(), work_.data());
  }
  void indicator(double q) {
    indicator_kernel<<<blocks_for(split_size()), block_threads>>>(split_.data(), split_size(), q, work_.data());
    check_launch();
  }
  chain_sums squared_deviations(double mean) {
    sq_dev_kernel<<<blocks_for(full_.size()), block_threads>>>(full_.data(), full_.size(), mean, c2_.data());
    check_launch();
    split_kernel<<<blocks_for(split_size()), block_threads>>>(c2_.data(), chains_, draws_, work_.data());
    check_launch();
    return sums_of(c2_.data(), chains_, draws_);
  }
  double ess(series s, std::optional<bool> constant) {
    const double* x = data(s);
    const std::size_t chains = 2 * chains_, n = half_, size = chains * n;
    if (!constant) {  // the smallest and largest value, in one reduction and one copy
      const auto range = thrust::transform_reduce(
          thrust::cuda::par(temp_), thrust::device_pointer_cast(x), thrust::device_pointer_cast(x) + size,
          as_range{}, thrust::pair<double, double>(HUGE_VAL, -HUGE_VAL), widen_range{});
      constant = diagnostics_formula::is_constant_range(range.first, range.second);
    }
    if (*constant) return static_cast<double>(size);
    const chain_sums m = sums_of(x, chains, n);  // leaves the chain means on the device in moments_
    autocov_.bind(x, chains, n, moments_.data());
    return ess_combine(m.mean.data(), chains, n, false, autocov_);
  }

 private:
  std::size_t split_size() const { return 2 * chains_ * half_; }
  const double* data(series s) const { return s == series::split ? split_.data() : work_.data(); }

  /// Per-chain mean and M2 of a device (chains, n) array, in one copy: moments_ holds the means
  /// (which stay there for the autocovariances) then the M2s.
  chain_sums sums_of(const double* x, std::size_t chains, std::size_t n) {
    chain_moments_kernel<<<static_cast<unsigned>(chains), block_threads>>>(x, n, moments_.data(),
                                                                           moments_.data() + chains);
    check_launch();
    std::vector<double> both(2 * chains);
    MC_CUDA_TRY(cudaMemcpy(both.data(), moments_.data(), both.size() * sizeof(double), cudaMemcpyDeviceToHost));
    const auto m2 = both.begin() + static_cast<std::ptrdiff_t>(chains);
    return {std::vector<double>(both.begin(), m2), std::vector<double>(m2, both.end())};
  }

  /// Sorts a copy of n `values` with their 64-bit indices into sorted[0, n), order[0, n). Stream
  /// ordered (par_nosync): the next copy to the host waits for it.
  void sort_into(const double* values, std::size_t n, device_buffer<double>& sorted,
                 device_buffer<std::uint64_t>& order) {
    MC_CUDA_TRY(cudaMemcpyAsync(sorted.data(), values, n * sizeof(double), cudaMemcpyDeviceToDevice));
    thrust::sequence(thrust::cuda::par_nosync(temp_), thrust::device_pointer_cast(order.data()),
                     thrust::device_pointer_cast(order.data()) + n, std::uint64_t(0));
    thrust::sort_by_key(thrust::cuda::par_nosync(temp_), thrust::device_pointer_cast(sorted.data()),
                        thrust::device_pointer_cast(sorted.data()) + n, thrust::device_pointer_cast(order.data()));
  }

  /// z-scale from n sorted values and their order (ties averaged), into z.
  void rank_z_into(const device_buffer<double>& sorted, const device_buffer<std::uint64_t>& order, std::size_t n,
                   double* z) {
    group_marks<<<blocks_for(n), block_threads>>>(sorted.data(), n, head_.data(), tail_.data());
    check_launch();
    auto h = thrust::device_pointer_cast(head_.data());
    auto t = thrust::device_pointer_cast(tail_.data());
    thrust::inclusive_scan(thrust::cuda::par_nosync(temp_), h, h + n, h, max_u64{});
    thrust::inclusive_scan(thrust::cuda::par_nosync(temp_), thrust::make_reverse_iterator(t + n),
                           thrust::make_reverse_iterator(t), thrust::make_reverse_iterator(t + n), min_u64{});
    rank_z_kernel<<<blocks_for(n), block_threads>>>(order.data(), head_.data(), tail_.data(), n, z);
    check_launch();
  }

  const double* draws_in_;
  std::size_t dim_, chains_, draws_, half_;
  device_buffer<double> full_, split_, work_, sorted_, folded_sorted_, moments_, c2_;
  device_buffer<std::uint64_t> order_, folded_order_, head_, tail_;
  std::size_t sorted_n_ = 0;                                 ///< values in the last sort
  std::vector<std::pair<std::size_t, double>> sorted_cache_;  ///< values of the last sort fetched so far
  device_autocov_source autocov_;
  temp_storage_cache temp_;
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
  device_backend b(device_draws, chains, n_draws, dim);
  for (std::size_t j = 0; j < dim; ++j) {
    const std::string name = j < names.size() ? names[j] : "x[" + std::to_string(j) + "]";
    b.load(j);
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
