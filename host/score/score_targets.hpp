/// \file score_targets.hpp
/// Score target specs: `noisy-mixture:dim=…,weights=…,means=…,scales=…|covs=…`, a Gaussian
/// mixture whose score is exact at every noise level (manychains/score/score_targets.hpp).
#pragma once

#include <string>

#include "manychains/score/score_targets.hpp"

namespace manychains {

/// Whether the spec names a score-only target (one that gives s(x, σ) and no log-density).
bool is_score_target(const std::string& spec_text);

/// Parses a score target spec; input_error for a bad one, naming the key.
any_score_target make_score_target(const std::string& spec_text);

/// The score targets' lines of `--target` help.
std::string score_target_help();

}  // namespace manychains
