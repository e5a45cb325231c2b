// The CPU engines for the built-in targets: pointwise ones through make_cpu_engine_for (as a user's
// target is), the batched logistic target through propose-all / evaluate-all / accept-all.
#include <omp.h>

#include "cpu/logistic_cpu.hpp"
#include "manychains/cpu_engine.hpp"

namespace manychains {
namespace {

template <class T>
class cpu_batched_engine final : public chain_engine<T> {
 public:
  cpu_batched_engine(const logistic_target& target, chain_range chains, std::uint64_t seed)
      : batch_(target), range_(chains), seed_(seed) {
    store_.resize(chains.size(), target.info.dim);
  }
  std::string device_name() const override { return "cpu"; }
  std::size_t dim() const override { return store_.dim; }
  chain_range chains() const override { return range_; }

  std::vector<T> logdensity(const std::vector<T>& positions) override {
    std::vector<T> lp(positions.size() / store_.dim), grad(positions.size());
    batch_.evaluate(positions.data(), lp.size(), lp.data(), grad.data());
    return lp;
  }
  void initialize(const std::vector<T>& positions, const std::vector<std::uint64_t>& blocks) override {
    store_.x = positions;
    store_.set_streams(seed_, range_, blocks);
    batch_.evaluate(store_.x.data(), store_.n_chains, store_.logp.data(), store_.grad.data());
  }
  segment_result run(const segment_request<T>& request) override {
    const std::size_t n = store_.n_chains, d = store_.dim;
    segment_result result{std::vector<double>(n, 0.0), std::vector<std::uint64_t>(n, 0),
                          std::vector<std::uint64_t>(n, 0)};
    std::vector<T> forward_logq(n), proposal_logp(n);
    std::vector<double> interval_accept(n, 0.0);  // over the steps since the last kept draw
    std::vector<std::uint8_t> interval_divergent(n, 0);
    for (std::size_t step = 0; step < request.steps; ++step) {
#pragma omp parallel for schedule(static)
      for (std::size_t c = 0; c < n; ++c)
        forward_logq[c] = langevin_propose(store_.slot(c), d, preconditioner_of(request), request.step_size,
                                           store_.streams[c]);
      batch_.evaluate(store_.proposal.data(), n, proposal_logp.data(), store_.proposal_grad.data());
#pragma omp parallel for schedule(static)
      for (std::size_t c = 0; c < n; ++c) {
        const step_info<T> info = langevin_accept(store_.slot(c), d, preconditioner_of(request), request.step_size,
                                                  forward_logq[c], proposal_logp[c], request.kind,
                                                  store_.streams[c]);
        result.accept_prob[c] += info.accept_prob;
        result.accepted[c] += info.accepted;
        result.divergent[c] += info.divergent;
        interval_accept[c] += static_cast<double>(info.accept_prob);
        interval_divergent[c] |= info.divergent ? 1 : 0;
        if (request.draws && (step + 1) % request.thin == 0) {
          store_.record(request, c, (step + 1) / request.thin - 1);
          store_.record_stats(request, c, (step + 1) / request.thin - 1, interval_accept[c], interval_divergent[c]);
          interval_accept[c] = 0;
          interval_divergent[c] = 0;
        }
      }
    }
    return result;
  }
  std::vector<T> positions() override { return store_.x; }

 private:
  logistic_cpu_batch<T> batch_;
  chain_range range_;
  std::uint64_t seed_;
  cpu_chain_store<T> store_;
};

}  // namespace

template <class T>
std::unique_ptr<chain_engine<T>> make_cpu_engine(const any_target& target, chain_range chains,
                                                 std::uint64_t seed) {
  return visit_target(
      target, [&](const auto& t) { return make_cpu_engine_for<T>(t, chains, seed); },
      [&](const logistic_target& t) -> std::unique_ptr<chain_engine<T>> {
        return std::make_unique<cpu_batched_engine<T>>(t, chains, seed);
      });
}

template std::unique_ptr<chain_engine<float>> make_cpu_engine<float>(const any_target&, chain_range, std::uint64_t);
template std::unique_ptr<chain_engine<double>> make_cpu_engine<double>(const any_target&, chain_range, std::uint64_t);

}  // namespace manychains
