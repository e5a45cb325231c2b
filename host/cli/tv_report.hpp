/// \file tv_report.hpp
/// The TV convergence curve of a `sample` run: marginal TV between the chains' positions at
/// checkpoints and the target (its exact marginals where known, else the final positions), with
/// the noise floor beside it (include/manychains/diagnostics/tv.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "manychains/targets.hpp"

namespace manychains::cli {

class tv_recorder {
 public:
  tv_recorder(const target_info& info, std::size_t warmup);
  /// The observer for sample_settings: takes (step, positions chain-major).
  void observe(std::size_t step, const std::vector<double>& positions);
  /// The curve, once the run is over (the last snapshot is the reference when no exact marginals).
  nlohmann::json curve();
  void print(std::ostream& os, const nlohmann::json& curve) const;

 private:
  const target_info& info_;
  std::size_t warmup_;
  std::vector<std::pair<std::size_t, std::vector<double>>> snapshots_;
  nlohmann::json exact_points_ = nlohmann::json::array();
  bool kept_all_ = true;
};

}  // namespace manychains::cli
