// Convergence diagnostics on device-resident draws: the transforms (split, rank normalisation,
// folding, quantile indicators) and the per-chain partial statistics (moments, lag sums) run on
// the GPU with Thrust sorts/scans and CUB block reductions; the combine steps are the host
// functions of the CPU oracle (rhat_from_moments, ess_combine, rhat_nested_from_moments), fed
// with chain-sized partials only. The draws never come to the host.
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
#include <string>
#include <vector>

#include "device_buffer.cuh"
#include "diagnostics/internal.hpp"
#include "manychains/cuda_try.hpp"
#include "manychains/devices.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
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
__global__ void group_marks(const double* sorted, std::size_t n, std::uint32_t* head, std::uint32_t* tail) {
  const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  head[i] = (i == 0 || sorted[i] != sorted[i - 1]) ? static_cast<std::uint32_t>(i) : 0u;
  tail[i] = (i + 1 == n || sorted[i] != sorted[i + 1]) ? static_cast<std::uint32_t>(i + 1)
                                                       : static_cast<std::uint32_t>(n);
}

/// z[order[i]] = normal quantile of ((average rank - 3/8) / (n + 1/4)), as z_from_sorted.
__global__ void rank_z_kernel(const std::uint32_t* order, const std::uint32_t* start, const std::uint32_t* end,
                              std::size_t n, double* z) {
  const std::size_t i = blockIdx.x * std::size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const double denom = (static_cast<double>(n) - 0.75) + 1.0;
  const double rank = (end[i] == start[i] + 1) ? static_cast<double>(i + 1)
                                               : 0.5 * (static_cast<double>(start[i] + 1) + static_cast<double>(end[i]));
  z[order[i]] = normal_quantile_hd((rank - 0.375) / denom);
}

struct max_u32 {
  __host__ __device__ std::uint32_t operator()(std::uint32_t a, std::uint32_t b) const { return a > b ? a : b; }
};
struct min_u32 {
  __host__ __device__ std::uint32_t operator()(std::uint32_t a, std::uint32_t b) const { return a < b ? a : b; }
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

// ---- host orchestration -------------------------------------------------------------------------

double fetch(const double* device_value) {
  double v;
  MC_CUDA_TRY(cudaMemcpy(&v, device_value, sizeof v, cudaMemcpyDeviceToHost));
  return v;
}

std::vector<chain_moments> device_moments(const double* x, std::size_t chains, std::size_t n, device_buffer<double>& mean,
                                          device_buffer<double>& m2) {
  mean.resize(chains);
  m2.resize(chains);
  chain_moments_kernel<<<static_cast<unsigned>(chains), block_threads>>>(x, n, mean.data(), m2.data());
  check_launch();
  const auto hm = mean.download(), hq = m2.download();
  std::vector<chain_moments> out(chains);
  for (std::size_t c = 0; c < chains; ++c) out[c] = {hm[c], n > 1 ? hq[c] / static_cast<double>(n - 1) : 0.0};
  return out;
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

/// ESS of a device (chains, n) array, as ess_plain.
double device_ess(const double* x, std::size_t chains, std::size_t n) {
  const std::size_t size = chains * n;
  const auto mm = thrust::minmax_element(thrust::device, thrust::device_pointer_cast(x),
                                         thrust::device_pointer_cast(x) + size);
  const double lo = fetch(thrust::raw_pointer_cast(mm.first)), hi = fetch(thrust::raw_pointer_cast(mm.second));
  if (hi - lo < 1e-15) return static_cast<double>(size);
  device_buffer<double> mean, m2;
  const auto moments = device_moments(x, chains, n, mean, m2);
  std::vector<double> means(chains);
  for (std::size_t c = 0; c < chains; ++c) means[c] = moments[c].mean;
  device_autocov_source src(x, chains, n, mean.data());
  return ess_combine(means.data(), chains, n, false, src);
}

/// Sorts `values` (copied) with their indices; returns sorted values and order in the buffers.
void device_sort(const double* values, std::size_t n, device_buffer<double>& sorted, device_buffer<std::uint32_t>& order) {
  sorted.resize(n);
  order.resize(n);
  MC_CUDA_TRY(cudaMemcpy(sorted.data(), values, n * sizeof(double), cudaMemcpyDeviceToDevice));
  thrust::sequence(thrust::device, thrust::device_pointer_cast(order.data()),
                   thrust::device_pointer_cast(order.data()) + n, 0u);
  thrust::sort_by_key(thrust::device, thrust::device_pointer_cast(sorted.data()),
                      thrust::device_pointer_cast(sorted.data()) + n, thrust::device_pointer_cast(order.data()));
}

/// z-scale from sorted values and their order (ties averaged), into z.
void device_rank_z(const device_buffer<double>& sorted, const device_buffer<std::uint32_t>& order, double* z) {
  const std::size_t n = sorted.size();
  device_buffer<std::uint32_t> head(n), tail(n);
  group_marks<<<blocks_for(n), block_threads>>>(sorted.data(), n, head.data(), tail.data());
  check_launch();
  auto h = thrust::device_pointer_cast(head.data());
  auto t = thrust::device_pointer_cast(tail.data());
  thrust::inclusive_scan(thrust::device, h, h + n, h, max_u32{});
  thrust::inclusive_scan(thrust::device, thrust::make_reverse_iterator(t + n), thrust::make_reverse_iterator(t),
                         thrust::make_reverse_iterator(t + n), min_u32{});
  rank_z_kernel<<<blocks_for(n), block_threads>>>(order.data(), head.data(), tail.data(), n, z);
  check_launch();
}

double device_quantile(const device_buffer<double>& sorted, double prob) {
  const std::size_t n = sorted.size();
  if (n == 1) return fetch(sorted.data());
  const auto pos = diagnostics_detail::type7_locate(n, prob);
  double two[2];
  MC_CUDA_TRY(cudaMemcpy(two, sorted.data() + (pos.k - 1), 2 * sizeof(double), cudaMemcpyDeviceToHost));
  return diagnostics_detail::type7_sorted_at(two[0], two[1], pos.gamma);
}

double device_median(const device_buffer<double>& sorted) {
  const std::size_t n = sorted.size();
  if (n % 2 == 1) return fetch(sorted.data() + n / 2);
  double two[2];
  MC_CUDA_TRY(cudaMemcpy(two, sorted.data() + (n / 2 - 1), 2 * sizeof(double), cudaMemcpyDeviceToHost));
  return (two[0] + two[1]) / 2.0;
}

parameter_diagnostics diagnose_device_parameter(const double* draws, std::size_t chains, std::size_t n_draws,
                                                std::size_t dim, std::size_t j, const diagnose_options& options,
                                                const std::string& name) {
  const std::size_t size = chains * n_draws;
  device_buffer<double> full(size);
  gather_parameter<<<blocks_for(size), block_threads>>>(draws, size, dim, j, full.data());
  check_launch();
  {
    auto f = thrust::device_pointer_cast(full.data());
    const auto bad = thrust::find_if(thrust::device, f, f + size, not_finite{});
    if (bad != f + size) {
      const std::size_t k = static_cast<std::size_t>(bad - f);
      const double v = fetch(full.data() + k);
      throw input_error("parameter " + name + " has a " + (std::isnan(v) ? "NaN" : "infinite") + " draw (chain " +
                        std::to_string(k / n_draws) + ", draw " + std::to_string(k % n_draws) +
                        "); diagnostics need finite draws");
    }
  }
  parameter_diagnostics d;
  d.name = name;
  device_buffer<double> mbuf, qbuf;
  const auto full_moments = device_moments(full.data(), chains, n_draws, mbuf, qbuf);
  // Combine the chains' moments (Chan et al.): equal chain lengths.
  double mean = 0;
  for (const auto& m : full_moments) mean += m.mean;
  mean /= static_cast<double>(chains);
  double m2 = 0;
  for (const auto& m : full_moments)
    m2 += m.var * static_cast<double>(n_draws - 1) + static_cast<double>(n_draws) * (m.mean - mean) * (m.mean - mean);
  d.mean = mean;
  d.sd = size > 1 ? std::sqrt(m2 / static_cast<double>(size - 1)) : 0.0;
  if (options.superchains > 0)
    d.rhat_nested = rhat_nested_from_moments(full_moments.data(), chains, n_draws, options.superchains);

  device_buffer<double> sorted;
  device_buffer<std::uint32_t> order;
  if (n_draws < 4 || n_draws % 2 == 1) {
    device_sort(full.data(), size, sorted, order);
    d.q5 = device_quantile(sorted, 0.05);
    d.q50 = device_quantile(sorted, 0.50);
    d.q95 = device_quantile(sorted, 0.95);
    if (n_draws < 4) return d;
  }
  const std::size_t half = n_draws / 2, chains2 = 2 * chains, ssize = chains2 * half;
  device_buffer<double> split(ssize), work(ssize);
  split_kernel<<<blocks_for(ssize), block_threads>>>(full.data(), chains, n_draws, split.data());
  check_launch();
  double q_lo, q_hi;
  if (n_draws % 2 == 1) {
    q_lo = options.tail_prob_low == 0.05 ? d.q5 : device_quantile(sorted, options.tail_prob_low);
    q_hi = options.tail_prob_high == 0.95 ? d.q95 : device_quantile(sorted, options.tail_prob_high);
    device_sort(split.data(), ssize, sorted, order);
  } else {
    device_sort(split.data(), ssize, sorted, order);
    d.q5 = device_quantile(sorted, 0.05);
    d.q50 = device_quantile(sorted, 0.50);
    d.q95 = device_quantile(sorted, 0.95);
    q_lo = options.tail_prob_low == 0.05 ? d.q5 : device_quantile(sorted, options.tail_prob_low);
    q_hi = options.tail_prob_high == 0.95 ? d.q95 : device_quantile(sorted, options.tail_prob_high);
  }
  const double median = device_median(sorted);

  // Bulk: z-scale of the split draws.
  device_rank_z(sorted, order, work.data());
  {
    const auto zm = device_moments(work.data(), chains2, half, mbuf, qbuf);
    d.rhat_bulk = rhat_from_moments(zm.data(), chains2, half);
  }
  d.ess_bulk = device_ess(work.data(), chains2, half);
  // Folded: z-scale of |split - median|.
  abs_dev_kernel<<<blocks_for(ssize), block_threads>>>(split.data(), ssize, median, work.data());
  check_launch();
  device_sort(work.data(), ssize, sorted, order);
  device_rank_z(sorted, order, work.data());
  {
    const auto zm = device_moments(work.data(), chains2, half, mbuf, qbuf);
    d.rhat_folded = rhat_from_moments(zm.data(), chains2, half);
  }
  d.rhat = std::max(*d.rhat_bulk, *d.rhat_folded);
  {
    const auto sm = device_moments(split.data(), chains2, half, mbuf, qbuf);
    d.rhat_classic = rhat_from_moments(sm.data(), chains2, half);
  }
  // Tail: indicators of the 5% / 95% quantiles.
  indicator_kernel<<<blocks_for(ssize), block_threads>>>(split.data(), ssize, q_lo, work.data());
  check_launch();
  const double ess_lo = device_ess(work.data(), chains2, half);
  indicator_kernel<<<blocks_for(ssize), block_threads>>>(split.data(), ssize, q_hi, work.data());
  check_launch();
  d.ess_tail = std::min(ess_lo, device_ess(work.data(), chains2, half));
  d.ess_mean = device_ess(split.data(), chains2, half);
  d.mcse_mean = d.sd / std::sqrt(*d.ess_mean);
  // sd: ESS of (x - mean)^2 on split chains, and its first two moments.
  device_buffer<double> c2(size);
  sq_dev_kernel<<<blocks_for(size), block_threads>>>(full.data(), size, mean, c2.data());
  check_launch();
  split_kernel<<<blocks_for(ssize), block_threads>>>(c2.data(), chains, n_draws, work.data());
  check_launch();
  d.ess_sd = device_ess(work.data(), chains2, half);
  const auto cm = device_moments(c2.data(), chains, n_draws, mbuf, qbuf);
  double evar = 0, e4 = 0;
  for (const auto& m : cm) {
    evar += m.mean;
    // sum of v^2 over the chain = M2 + n mean^2
    e4 += m.var * static_cast<double>(n_draws - 1) + static_cast<double>(n_draws) * m.mean * m.mean;
  }
  evar /= static_cast<double>(chains);
  e4 /= static_cast<double>(size);
  if (!(evar > 0)) {
    d.mcse_sd = 0.0;
  } else {
    const double varvar = (e4 - evar * evar) / *d.ess_sd;
    d.mcse_sd = std::sqrt(varvar / evar / 4);
  }
  return d;
}

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
  MC_EXPECTS(2 * chains * (n_draws / 2) < (std::size_t(1) << 32), "too many draws per parameter for the device sort");
  std::vector<parameter_diagnostics> out;
  out.reserve(dim);
  for (std::size_t j = 0; j < dim; ++j) {
    const std::string name = j < names.size() ? names[j] : "x[" + std::to_string(j) + "]";
    out.push_back(diagnose_device_parameter(device_draws, chains, n_draws, dim, j, options, name));
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
