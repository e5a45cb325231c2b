#include "cli/posterior_file.hpp"

#include "manychains/io/inference_data.hpp"

namespace manychains::cli {
namespace {

/// lp, acceptance_rate, diverging and step_size of (chains, draws), ArviZ's names.
void put_stats(inference_data_writer& file, const draw_stats& stats, const std::vector<double>& step_sizes,
               std::size_t chains) {
  file.put_statistic("lp", stats.logp.data());
  file.put_statistic("acceptance_rate", stats.accept_prob.data());
  file.put_flag("diverging", stats.divergent.data());
  std::vector<double> step(stats.logp.size());
  const std::size_t draws = chains ? step.size() / chains : 0;
  for (std::size_t i = 0; i < step.size(); ++i) step[i] = step_sizes[draws ? i % draws : 0];
  file.put_statistic("step_size", step.data());
}

}  // namespace

template <class T>
void write_posterior_file(const std::string& path, const sample_result<T>& r, const target_info& info,
                          const nlohmann::json& settings) {
  const std::vector<parameter_block> blocks = parameter_blocks(info.parameter_names);
  const std::size_t chains = r.chains.size();
  const std::size_t draws = r.kept_draws + r.warmup_steps_done * !r.warmup_draws.empty();
  // Per draw: the parameters, and lp, acceptance_rate, step_size (8 bytes each) and diverging (1).
  const std::size_t bytes = inference_data_writer::estimate_bytes(chains * draws, info.dim * sizeof(T) + 25);
  inference_data_writer file(path, settings, bytes);
  file.begin_group("posterior", chains, r.kept_draws, settings);
  file.put_parameters(r.draws_data(), info.dim, blocks);
  if (!r.stats.empty()) {
    file.begin_group("sample_stats", chains, r.kept_draws, settings);
    put_stats(file, r.stats, std::vector<double>(r.kept_draws, r.step_size), chains);
  }
  if (!r.warmup_draws.empty()) {
    file.begin_group("warmup_posterior", chains, r.warmup_steps_done, settings);
    file.put_parameters(r.warmup_draws.data(), info.dim, blocks);
    file.begin_group("warmup_sample_stats", chains, r.warmup_steps_done, settings);
    put_stats(file, r.warmup_stats, r.warmup_step_sizes, chains);
  }
  file.close();
}

template void write_posterior_file<float>(const std::string&, const sample_result<float>&, const target_info&,
                                          const nlohmann::json&);
template void write_posterior_file<double>(const std::string&, const sample_result<double>&, const target_info&,
                                           const nlohmann::json&);

}  // namespace manychains::cli
