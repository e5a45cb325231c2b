#include "manychains/score/score_targets.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "manychains/error.hpp"
#include "target_spec.hpp"

namespace manychains {
namespace {

const char* const name = "noisy-mixture";

std::string where(const std::string& key) { return std::string("target '") + name + "': " + key; }

/// One covariance per component from `covs` (1 number: v I; d numbers: a diagonal; d² numbers:
/// a full row-major matrix) or from `scales` (one sd per component: s² I).
std::vector<Eigen::MatrixXd> component_covariances(const target_spec& spec, std::size_t k, std::size_t d) {
  std::vector<Eigen::MatrixXd> covs;
  if (spec.has("covs")) {
    const auto items = spec.vectors("covs");
    if (items.size() != k)
      throw input_error(where("covs") + " has " + std::to_string(items.size()) + " components but means has " +
                        std::to_string(k));
    for (const auto& v : items) {
      Eigen::MatrixXd c = Eigen::MatrixXd::Zero(d, d);
      if (v.size() == 1) {
        c = Eigen::MatrixXd::Identity(d, d) * v[0];
      } else if (v.size() == d) {
        for (std::size_t j = 0; j < d; ++j) c(j, j) = v[j];
      } else if (v.size() == d * d) {
        for (std::size_t i = 0; i < d; ++i)
          for (std::size_t j = 0; j < d; ++j) c(i, j) = v[i * d + j];
        if ((c - c.transpose()).cwiseAbs().maxCoeff() > 1e-12 * (1 + c.cwiseAbs().maxCoeff()))
          throw input_error(where("covs") + ": a covariance is not symmetric");
      } else {
        throw input_error(where("covs") + " needs 1 (v I), " + std::to_string(d) + " (a diagonal) or " +
                          std::to_string(d * d) + " (row-major) numbers per component, separated by ';'");
      }
      covs.push_back(c);
    }
    return covs;
  }
  std::vector<double> scales(k, 1.0);
  if (spec.has("scales")) {
    const auto items = spec.vectors("scales");
    if (items.size() != k) throw input_error(where("scales") + " needs one number per component (as many as means)");
    for (std::size_t c = 0; c < k; ++c) {
      if (items[c].size() != 1) throw input_error(where("scales") + " takes one number per component");
      scales[c] = items[c][0];
    }
  }
  for (double s : scales) {
    if (!(s > 0)) throw input_error(where("scales") + " must be positive");
    covs.push_back(Eigen::MatrixXd::Identity(d, d) * s * s);
  }
  return covs;
}

}  // namespace

bool is_score_target(const std::string& spec_text) { return target_spec(spec_text).name() == name; }

any_score_target make_score_target(const std::string& spec_text) {
  const target_spec spec(spec_text);
  if (spec.name() != name) throw input_error("unknown score target '" + spec.name().substr(0, 40) + "'; valid: " + name);
  spec.allow_only({"dim", "weights", "means", "scales", "covs"});
  if (spec.has("scales") && spec.has("covs")) throw input_error(where("scales") + " and covs are alternatives: give one");
  const std::size_t d = spec.count_or("dim", 2);
  if (d > 10000) throw input_error(where("dim") + " is at most 10000 (the covariances are d x d)");
  std::vector<std::vector<double>> means =
      spec.has("means") ? spec.vectors("means") : std::vector<std::vector<double>>{{-4.0}, {4.0}};
  const std::size_t k = means.size();
  std::vector<double> weights(k, 1.0);
  if (spec.has("weights")) {
    const auto items = spec.vectors("weights");
    if (items.size() != k) throw input_error(where("weights") + " needs one number per component (as many as means)");
    for (std::size_t c = 0; c < k; ++c) weights[c] = items[c].size() == 1 ? items[c][0] : -1;
  } else if (k == 2) {
    weights = {0.8, 0.2};  // the default shows what annealing is for: unequal, well-separated modes
  }
  double total = 0;
  for (double w : weights) {
    if (!(w > 0)) throw input_error(where("weights") + " must be positive, one number per component");
    total += w;
  }
  for (auto& m : means) {
    if (m.size() == 1) m.assign(d, m[0]);
    if (m.size() != d) throw input_error(where("means") + ": each mean needs 1 or " + std::to_string(d) + " coordinates");
  }
  const std::vector<Eigen::MatrixXd> covs = component_covariances(spec, k, d);

  target_info info;
  info.spec = spec.text();
  info.dim = d;
  for (std::size_t j = 0; j < d; ++j) info.parameter_names.push_back("x[" + std::to_string(j) + "]");
  std::vector<double> mean(d, 0.0), second(d, 0.0);
  double extent = 0;
  for (std::size_t c = 0; c < k; ++c) {
    weights[c] /= total;
    for (std::size_t j = 0; j < d; ++j) {
      mean[j] += weights[c] * means[c][j];
      second[j] += weights[c] * (covs[c](j, j) + means[c][j] * means[c][j]);
    }
  }
  info.true_mean = mean;
  info.true_sd = std::vector<double>(d);
  for (std::size_t j = 0; j < d; ++j) {
    (*info.true_sd)[j] = std::sqrt(std::max(0.0, second[j] - mean[j] * mean[j]));
    for (std::size_t c = 0; c < k; ++c)
      extent = std::max(extent, std::abs(means[c][j] - mean[j]) + 2 * std::sqrt(covs[c](j, j)));
  }
  info.init_center = mean;
  info.init_radius.assign(d, extent);  // score-only ULA starts spread over every mode

  std::vector<double> params(weights);
  for (const auto& m : means) params.insert(params.end(), m.begin(), m.end());
  const bool isotropic = !spec.has("covs");
  if (isotropic) {
    for (const auto& c : covs) params.push_back(c(0, 0));
    return noisy_isotropic_mixture_target{{info, params, k}};
  }
  std::vector<double> eigenvalues;
  for (std::size_t c = 0; c < k; ++c) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(covs[c]);
    if (eig.info() != Eigen::Success || !(eig.eigenvalues().minCoeff() > 0))
      throw input_error(where("covs") + ": covariance " + std::to_string(c + 1) + " is not positive definite");
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j) params.push_back(eig.eigenvectors()(i, j));
    for (std::size_t j = 0; j < d; ++j) eigenvalues.push_back(eig.eigenvalues()(j));
  }
  params.insert(params.end(), eigenvalues.begin(), eigenvalues.end());
  return noisy_mixture_target{{info, params, k}};
}

std::function<double(std::size_t, double)> exact_marginal_quantiles(const any_score_target& target) {
  // Per dimension j: weights w_k, means μ_kj and variances (Σ_k)_jj of the components.
  struct marginal {
    std::vector<double> w, mu, sd;
  };
  std::vector<marginal> m;
  std::visit(
      [&](const auto& t) {
        const auto ref = t.template ref<double>(t.params.data());
        const std::size_t k = t.components, d = t.info.dim;
        m.assign(d, marginal{});
        for (std::size_t j = 0; j < d; ++j)
          for (std::size_t c = 0; c < k; ++c) {
            double var = 0;
            if constexpr (std::is_same_v<std::decay_t<decltype(t)>, noisy_isotropic_mixture_target>) {
              var = ref.variances[c];
            } else {  // (U Λ Uᵀ)_jj
              for (std::size_t l = 0; l < d; ++l)
                var += ref.basis[c * d * d + j * d + l] * ref.basis[c * d * d + j * d + l] * ref.eigenvalues[c * d + l];
            }
            m[j].w.push_back(ref.weights[c]);
            m[j].mu.push_back(ref.means[c * d + j]);
            m[j].sd.push_back(std::sqrt(var));
          }
      },
      target);
  return [m](std::size_t j, double p) {
    const marginal& mj = m[j];
    const auto cdf = [&](double x) {
      double f = 0;
      for (std::size_t c = 0; c < mj.w.size(); ++c) f += mj.w[c] * 0.5 * std::erfc(-(x - mj.mu[c]) / (mj.sd[c] * M_SQRT2));
      return f;
    };
    double lo = mj.mu[0], hi = mj.mu[0];
    for (std::size_t c = 0; c < mj.w.size(); ++c) {  // every component's ±40 sd: F is 0 and 1 there
      lo = std::min(lo, mj.mu[c] - 40 * mj.sd[c]);
      hi = std::max(hi, mj.mu[c] + 40 * mj.sd[c]);
    }
    for (int it = 0; it < 200 && hi - lo > 1e-12 * (1 + std::abs(lo) + std::abs(hi)); ++it) {
      const double mid = 0.5 * (lo + hi);
      (cdf(mid) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  };
}

std::string score_target_help() {
  return "  noisy-mixture[:dim=2,means=-4/4,weights=0.8/0.2,scales=1/1 | covs=C/C]  (score only: --sampler annealed\n"
         "                                        or ula; C: 1 number (v I), d (diagonal) or d*d (row-major) by ';')";
}

}  // namespace manychains
