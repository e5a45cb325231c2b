/// \file cpu_engine.hpp
/// The CPU backend for pointwise targets, as a template so that user targets (any functor with
/// `dim()` and `logdensity_grad(x, grad)` over `strided` views, or templated over the view type
/// for loops that vectorise on the CPU) get an engine too.
/// Chains are stored chain-major; OpenMP splits chains over threads, and each chain's steps
/// depend only on its own stream, so results do not depend on the thread count.
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

#include "manychains/buffered_stream.hpp"
#include "manychains/engine.hpp"
#include "manychains/error.hpp"
#include "manychains/target_ref.hpp"

namespace manychains {

/// State shared by the CPU engines: chain-major positions, gradients, proposals.
template <class T>
struct cpu_chain_store {
  std::size_t n_chains = 0, dim = 0;
  std::vector<T> x, grad, proposal, proposal_grad, scratch, logp;
  std::vector<philox_stream> streams;

  void resize(std::size_t chains, std::size_t d) {
    n_chains = chains;
    dim = d;
    x.assign(chains * d, T(0));
    grad = proposal = proposal_grad = scratch = x;
    logp.assign(chains, T(0));
  }
  chain_slot<T, contiguous> slot(std::size_t c) {
    return {{&x[c * dim]}, {&grad[c * dim]}, {&proposal[c * dim]}, {&proposal_grad[c * dim]}, &logp[c],
            {&scratch[c * dim]}};
  }
  void record(const segment_request<T>& request, std::size_t c, std::size_t draw) const {
    T* out = request.draws + (c * request.draws_per_chain + request.first_draw + draw) * dim;
    for (std::size_t j = 0; j < dim; ++j) out[j] = x[c * dim + j];
  }
  /// The statistics of chain c's kept draw: its log-density and its thinning interval's steps.
  void record_stats(const segment_request<T>& request, std::size_t c, std::size_t draw, double accept_sum,
                    bool divergent) const {
    if (!request.stats.wanted()) return;
    const std::size_t i = c * request.draws_per_chain + request.first_draw + draw;
    request.stats.logp[i] = static_cast<double>(logp[c]);
    request.stats.accept_prob[i] = accept_sum / static_cast<double>(request.thin);
    request.stats.divergent[i] = divergent ? 1 : 0;
  }
  void set_streams(std::uint64_t seed, chain_range range, const std::vector<std::uint64_t>& blocks) {
    streams.resize(n_chains);
    for (std::size_t c = 0; c < n_chains; ++c) streams[c] = philox_stream{seed, range.first + c, blocks[c]};
  }
};

/// The request's preconditioner as the step functions take it.
template <class T>
preconditioner<T> preconditioner_of(const segment_request<T>& request) {
  return {request.scale.data(), request.chol.empty() ? nullptr : request.chol.data()};
}

template <class T, class Ref>
class cpu_pointwise_engine final : public chain_engine<T> {
 public:
  /// `ref` must stay valid (it points into `params`, owned here).
  template <class MakeRef>
  cpu_pointwise_engine(std::vector<T> params, MakeRef make_ref, std::size_t dim, chain_range chains,
                       std::uint64_t seed)
      : params_(std::move(params)), ref_(make_ref(params_.data())), range_(chains), seed_(seed) {
    store_.resize(chains.size(), dim);
  }

  std::string device_name() const override { return "cpu"; }
  std::size_t dim() const override { return store_.dim; }
  chain_range chains() const override { return range_; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    const std::size_t n = positions.size() / store_.dim;
    std::vector<T> lp(n), grad(positions.size());
#pragma omp parallel for schedule(static)
    for (std::size_t c = 0; c < n; ++c)
      lp[c] = ref_.logdensity_grad(contiguous<const T>{&positions[c * store_.dim]},
                                   contiguous<T>{&grad[c * store_.dim]});
    return lp;
  }

  void initialize(const std::vector<T>& positions, const std::vector<std::uint64_t>& blocks) override {
    store_.x = positions;
    store_.set_streams(seed_, range_, blocks);
#pragma omp parallel for schedule(static)
    for (std::size_t c = 0; c < store_.n_chains; ++c) {
      const auto s = store_.slot(c);
      *s.logp = ref_.logdensity_grad(as_const(s.x), s.grad);
    }
  }

  segment_result run(const segment_request<T>& request) override {
    if (!request.chol.empty()) return run_dense(request);
    const std::size_t n = store_.n_chains;
    segment_result result{std::vector<double>(n, 0.0), std::vector<std::uint64_t>(n, 0),
                          std::vector<std::uint64_t>(n, 0)};
    // Threads only where there is enough work to pay for waking them (results do not depend on it).
    const bool parallel = n * request.steps * store_.dim >= 4096;
    const std::uint64_t blocks = request.steps * blocks_per_step(store_.dim, request.kind);
#pragma omp parallel if (parallel)
    {
      buffered_stream<T> stream;  // one per thread, reused chain after chain
#pragma omp for schedule(static)
      for (std::size_t c = 0; c < n; ++c) {
        const auto s = store_.slot(c);
        stream.attach(store_.streams[c], blocks);
        double interval_accept = 0;  // over the steps since the last kept draw
        bool interval_divergent = false;
        for (std::size_t step = 0; step < request.steps; ++step) {
          const step_info<T> info = langevin_step(ref_, s, preconditioner_of(request), request.step_size,
                                                  request.kind, stream);
          result.accept_prob[c] += info.accept_prob;
          result.accepted[c] += info.accepted;
          result.divergent[c] += info.divergent;
          interval_accept += static_cast<double>(info.accept_prob);
          interval_divergent = interval_divergent || info.divergent;
          if (request.draws && (step + 1) % request.thin == 0) {
            store_.record(request, c, (step + 1) / request.thin - 1);
            store_.record_stats(request, c, (step + 1) / request.thin - 1, interval_accept, interval_divergent);
            interval_accept = 0;
            interval_divergent = false;
          }
        }
        store_.streams[c] = stream.detach();
      }
    }
    return result;
  }

  std::vector<T> positions() override { return store_.x; }

 private:
  /// The dense preconditioner as matrix products: Lᵀ ∇log π and L w for a block of 64 chains at
  /// a time (64 × d by d × d, Eigen's blocked GEMM) rather than two triangular mat-vecs per chain,
  /// which ran 17× slower than the diagonal step at d = 100. Blocks of a fixed size run on one
  /// thread each, start to finish, so there is no barrier per step and the sums (hence the
  /// draws) do not depend on the thread count. The noise and the accept test are langevin.hpp's.
  segment_result run_dense(const segment_request<T>& request) {
    using rows = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    constexpr std::size_t block = 64;
    const std::size_t n = store_.n_chains, d = store_.dim, n_blocks = (n + block - 1) / block;
    const auto di = static_cast<Eigen::Index>(d);
    segment_result result{std::vector<double>(n, 0.0), std::vector<std::uint64_t>(n, 0),
                          std::vector<std::uint64_t>(n, 0)};
    const Eigen::Map<const rows> l(request.chol.data(), di, di);
    lt_grad_.resize(n * d);
    lt_proposal_grad_.resize(n * d);
    const T eps = request.step_size, half_eps2 = T(0.5) * eps * eps, inv_eps = T(1) / eps;
    const bool parallel = n_blocks > 1 && n * request.steps * d >= 4096;
#pragma omp parallel if (parallel)
    {
      buffered_stream<T> stream;
      T forward_logq[block], proposal_logp[block];
#pragma omp for schedule(static)
      for (std::size_t blk = 0; blk < n_blocks; ++blk) {
        const std::size_t c0 = blk * block, m = std::min(block, n - c0);
        const auto mi = static_cast<Eigen::Index>(m);
        const auto at = [&](std::vector<T>& v) { return Eigen::Map<rows>(v.data() + c0 * d, mi, di); };
        Eigen::Map<rows> a = at(lt_grad_), b = at(lt_proposal_grad_), y = at(store_.proposal);
        a.noalias() = at(store_.grad) * l;  // row c is (Lᵀ ∇log π(x_c))ᵀ
        for (std::size_t step = 0; step < request.steps; ++step) {
          for (std::size_t i = 0; i < m; ++i) {
            const auto s = store_.slot(c0 + i);
            for (std::size_t k = 0; k < d; ++k) s.scratch[k] = half_eps2 * a(static_cast<Eigen::Index>(i), k);
            stream.attach(store_.streams[c0 + i], (d + 3) / 4);
            forward_logq[i] = T(-0.5) * add_langevin_noise(s.scratch, d, eps, stream);
            store_.streams[c0 + i] = stream.detach();
          }
          y.noalias() = at(store_.scratch) * l.transpose();  // row c is (L w_c)ᵀ
          y += at(store_.x);
          for (std::size_t i = 0; i < m; ++i) proposal_logp[i] = evaluate_proposal(ref_, store_.slot(c0 + i));
          b.noalias() = at(store_.proposal_grad) * l;
          for (std::size_t i = 0; i < m; ++i) {
            const std::size_t c = c0 + i;
            const auto s = store_.slot(c);
            T reverse_sq = 0;
            for (std::size_t k = 0; k < d; ++k) {
              const T r = (s.scratch[k] + half_eps2 * b(static_cast<Eigen::Index>(i), k)) * inv_eps;
              reverse_sq += r * r;
            }
            const step_info<T> info = langevin_decide(s, d, reverse_sq, forward_logq[i], proposal_logp[i],
                                                      request.kind, store_.streams[c]);
            if (info.accepted) a.row(static_cast<Eigen::Index>(i)) = b.row(static_cast<Eigen::Index>(i));
            result.accept_prob[c] += info.accept_prob;
            result.accepted[c] += info.accepted;
            result.divergent[c] += info.divergent;
            if (request.draws && (step + 1) % request.thin == 0) store_.record(request, c, (step + 1) / request.thin - 1);
          }
        }
      }
    }
    return result;
  }

  std::vector<T> lt_grad_, lt_proposal_grad_;  // Lᵀ ∇log π at the positions and the proposals
  std::vector<T> params_;
  Ref ref_;
  chain_range range_;
  std::uint64_t seed_;
  cpu_chain_store<T> store_;
};

/// A CPU engine for any pointwise target: a user's functor (copied into the engine) or a built-in
/// target (its parameters copied in precision T); make_cpu_engine builds the built-ins with it.
template <class T, class Target>
std::unique_ptr<chain_engine<T>> make_cpu_engine_for(const Target& target, chain_range chains,
                                                     std::uint64_t seed) {
  using binding = target_binding<Target>;
  return std::make_unique<cpu_pointwise_engine<T, target_ref_t<T, Target>>>(
      binding::template params<T>(target), [&](const T* p) { return binding::ref(target, p); },
      binding::dim(target), chains, seed);
}

}  // namespace manychains
