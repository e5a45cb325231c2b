#include "manychains/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace manychains {

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

template <class T>
std::vector<parameter_summary> summarize_draws(const T* draws, std::size_t chains, std::size_t n_draws,
                                               std::size_t dim, const std::vector<std::string>& names) {
  std::vector<parameter_summary> rows(dim);
  std::vector<double> values(chains * n_draws);
  for (std::size_t j = 0; j < dim; ++j) {
    for (std::size_t i = 0; i < chains * n_draws; ++i) values[i] = static_cast<double>(draws[i * dim + j]);
    parameter_summary& r = rows[j];
    r.name = j < names.size() ? names[j] : "x[" + std::to_string(j) + "]";
    if (values.empty()) {
      r.mean = r.sd = r.q5 = r.q50 = r.q95 = std::nan("");
      continue;
    }
    double sum = 0;
    for (double v : values) sum += v;
    r.mean = sum / values.size();
    double ss = 0;
    for (double v : values) ss += (v - r.mean) * (v - r.mean);
    r.sd = values.size() > 1 ? std::sqrt(ss / (values.size() - 1)) : 0.0;
    std::sort(values.begin(), values.end());
    r.q5 = quantile_sorted(values, 0.05);
    r.q50 = quantile_sorted(values, 0.50);
    r.q95 = quantile_sorted(values, 0.95);
  }
  return rows;
}

template std::vector<parameter_summary> summarize_draws<float>(const float*, std::size_t, std::size_t, std::size_t,
                                                               const std::vector<std::string>&);
template std::vector<parameter_summary> summarize_draws<double>(const double*, std::size_t, std::size_t,
                                                                std::size_t, const std::vector<std::string>&);

void print_summary_table(std::ostream& os, const std::vector<parameter_summary>& rows) {
  const auto any = [&](auto member) {
    return std::any_of(rows.begin(), rows.end(), [&](const parameter_summary& r) { return (r.*member).has_value(); });
  };
  const bool mcse = any(&parameter_summary::mcse_mean), bulk = any(&parameter_summary::ess_bulk),
             tail = any(&parameter_summary::ess_tail), rhat = any(&parameter_summary::rhat),
             nested = any(&parameter_summary::rhat_nested);
  std::size_t width = 9;
  for (const auto& r : rows) width = std::max(width, r.name.size());
  std::string head = fmt::format("{:<{}} {:>11} {:>11}", "parameter", width, "mean", "sd");
  if (mcse) head += fmt::format(" {:>10}", "mcse_mean");
  head += fmt::format(" {:>11} {:>11} {:>11}", "5%", "50%", "95%");
  if (bulk) head += fmt::format(" {:>9}", "ess_bulk");
  if (tail) head += fmt::format(" {:>9}", "ess_tail");
  if (rhat) head += fmt::format(" {:>7}", "rhat");
  if (nested) head += fmt::format(" {:>7}", "nrhat");
  os << head << '\n';
  const auto opt = [](const std::optional<double>& v, const char* f, int w) {
    return v ? fmt::format(fmt::runtime(f), *v) : fmt::format("{:>{}}", "-", w);
  };
  for (const auto& r : rows) {
    std::string line = fmt::format("{:<{}} {:>11.4g} {:>11.4g}", r.name, width, r.mean, r.sd);
    if (mcse) line += " " + opt(r.mcse_mean, "{:>10.2g}", 10);
    line += fmt::format(" {:>11.4g} {:>11.4g} {:>11.4g}", r.q5, r.q50, r.q95);
    if (bulk) line += " " + opt(r.ess_bulk, "{:>9.0f}", 9);
    if (tail) line += " " + opt(r.ess_tail, "{:>9.0f}", 9);
    if (rhat) line += " " + opt(r.rhat, "{:>7.3f}", 7);
    if (nested) line += " " + opt(r.rhat_nested, "{:>7.3f}", 7);
    os << line << '\n';
  }
}

nlohmann::json summary_json(const std::vector<parameter_summary>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j = {{"name", r.name}, {"mean", r.mean}, {"sd", r.sd},
                        {"q5", r.q5},     {"q50", r.q50},   {"q95", r.q95}};
    if (r.mcse_mean) j["mcse_mean"] = *r.mcse_mean;
    if (r.ess_bulk) j["ess_bulk"] = *r.ess_bulk;
    if (r.ess_tail) j["ess_tail"] = *r.ess_tail;
    if (r.rhat) j["rhat"] = *r.rhat;
    if (r.rhat_nested) j["rhat_nested"] = *r.rhat_nested;
    out.push_back(j);
  }
  return out;
}

}  // namespace manychains
