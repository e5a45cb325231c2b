#include "cli/tv_report.hpp"

#include <fmt/format.h>

#include "manychains/diagnostics/tv.hpp"

namespace manychains::cli {
namespace {

nlohmann::json point(std::size_t step, std::size_t warmup, const tv_estimate& e) {
  return {{"step", step},          {"phase", step <= warmup ? "warmup" : "sampling"},
          {"max", e.max},          {"median", e.median},
          {"noise_floor", e.noise_floor}, {"bins", e.bins}};
}

positions_view view_of(const std::vector<double>& x, std::size_t dim) {
  return positions_view{x.data(), x.size() / dim, dim, dim, 1};
}

constexpr std::size_t max_snapshot_values = 50'000'000;  // 400 MB of snapshots at most

}  // namespace

tv_recorder::tv_recorder(const target_info& info, std::size_t warmup) : info_(info), warmup_(warmup) {}

void tv_recorder::observe(std::size_t step, const std::vector<double>& positions) {
  if (info_.gaussian_marginals) {
    exact_points_.push_back(point(
        step, warmup_,
        marginal_tv_exact(view_of(positions, info_.dim), gaussian_marginals(*info_.true_mean, *info_.true_sd))));
    return;
  }
  std::size_t held = positions.size();
  for (const auto& s : snapshots_) held += s.second.size();
  if (held > max_snapshot_values) {
    kept_all_ = false;  // keep the latest (the reference) but drop the curve's middle
    snapshots_.pop_back();
  }
  snapshots_.emplace_back(step, positions);
}

nlohmann::json tv_recorder::curve() {
  nlohmann::json out;
  if (info_.gaussian_marginals) {
    out["reference"] = "exact marginals";
    out["curve"] = exact_points_;
    return out;
  }
  out["reference"] = "the chains' final positions";
  out["curve"] = nlohmann::json::array();
  if (snapshots_.size() < 2) return out;
  const auto& reference = snapshots_.back().second;
  for (std::size_t i = 0; i + 1 < snapshots_.size(); ++i)
    out["curve"].push_back(point(snapshots_[i].first, warmup_,
                                 marginal_tv_sample(view_of(snapshots_[i].second, info_.dim),
                                                    view_of(reference, info_.dim))));
  if (!kept_all_) out["note"] = "some checkpoints were dropped to bound memory";
  return out;
}

void tv_recorder::print(std::ostream& os, const nlohmann::json& curve) const {
  const auto& points = curve["curve"];
  if (points.empty()) return;
  os << fmt::format("TV to stationarity vs {} (max over parameters; noise floor {:.3f}):\n ",
                    curve["reference"].get<std::string>(), points.back()["noise_floor"].get<double>());
  const std::size_t stride = std::max<std::size_t>(1, points.size() / 10);
  for (std::size_t i = 0; i < points.size(); i += stride)
    os << fmt::format(" {}:{:.3f}", points[i]["step"].get<std::size_t>(), points[i]["max"].get<double>());
  if ((points.size() - 1) % stride != 0)
    os << fmt::format(" {}:{:.3f}", points.back()["step"].get<std::size_t>(), points.back()["max"].get<double>());
  os << '\n';
}

}  // namespace manychains::cli
