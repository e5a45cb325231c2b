/// \file score_sample.hpp
/// `manychains sample --sampler annealed` (annealed Langevin through noise levels) and
/// `--sampler ula` on a score-only target: sampling from a score s(x, σ) alone (docs/score.md).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "manychains/sampler.hpp"

namespace manychains::cli {

/// The annealing options sample adds (--levels, --sigma-max, --sigma-min, --steps-per-level,
/// --epsilon, --save-levels).
struct score_sample_options {
  std::size_t levels = 10, steps_per_level = 100;
  double sigma_max = 10, sigma_min = 0.01;
  std::optional<double> epsilon;  ///< α_L, the last level's step h²; default 0.2 σ_min² (Song & Ermon)
  bool save_levels = false;
};

void add_score_options(CLI::App* cmd, score_sample_options& o);

/// What sample's own options say about the run.
struct score_run_request {
  std::string target, sampler, step_size, device, precision, out;
  sample_settings settings;  ///< chains, warmup, draws, thin, seed
  bool quiet = false;
  bool until_ess = false, model = false, metric_given = false;
};

/// Runs the score-only sampler when asked for (--sampler annealed, or a score-only target) and
/// returns true; false leaves the run to sample. Annealing options without --sampler annealed,
/// and bad values, are input_error.
bool run_score_sample_if_asked(const CLI::App& cmd, const score_sample_options& o, const score_run_request& r);

}  // namespace manychains::cli
