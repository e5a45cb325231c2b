/// \file score_targets.hpp
/// The built-in noise-conditional score targets: a Gaussian mixture convolved with N(0, σ² I),
/// whose score is exact at every noise level. Like the built-in targets of targets.hpp each owns
/// its parameters as double (`params`) and makes a trivially copyable ref over a copy in the
/// backend's precision (`ref<T>`), so target_ref.hpp's binding hands them to both backends.
/// Built by make_score_target from a spec `noisy-mixture:…`.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "manychains/score/noisy_full_mixture.hpp"
#include "manychains/score/noisy_mixture.hpp"
#include "manychains/targets.hpp"

namespace manychains {

/// What both forms own: the target's description, its parameters as double, K.
struct noisy_mixture_tables {
  target_info info;
  std::vector<double> params;
  std::size_t components = 0;
};

/// Isotropic components Σ_k = v_k I: params = weights (K), means (K×d), variances (K).
struct noisy_isotropic_mixture_target : noisy_mixture_tables {
  template <class T>
  noisy_gaussian_mixture<T> ref(const T* p) const {
    const std::size_t k = components, d = info.dim;
    return {p, p + k, p + k + k * d, k, d};
  }
};

/// Full covariances Σ_k = U_k Λ_k U_kᵀ: params = weights (K), means (K×d), U (K×d×d), Λ (K×d).
struct noisy_mixture_target : noisy_mixture_tables {
  template <class T>
  noisy_full_mixture<T> ref(const T* p) const {
    const std::size_t k = components, d = info.dim;
    return {p, p + k, p + k + k * d, p + k + k * d + k * d * d, k, d};
  }
};

using any_score_target = std::variant<noisy_isotropic_mixture_target, noisy_mixture_target>;

inline const target_info& info_of(const any_score_target& t) {
  return std::visit([](const auto& v) -> const target_info& { return v.info; }, t);
}

/// Whether the spec names a score-only target (one that gives s(x, σ) and no log-density).
bool is_score_target(const std::string& spec_text);

/// Parses `noisy-mixture:dim=…,weights=…,means=…,scales=…|covs=…`; input_error for a bad spec,
/// naming the key (host/score/score_targets.cpp).
any_score_target make_score_target(const std::string& spec_text);

/// The noise-free mixture's marginal quantile functions quantile(j, p), for marginal_tv_exact
/// (diagnostics/tv.hpp): the marginal of x_j is Σ_k w_k N(μ_kj, (Σ_k)_jj), inverted by bisection.
std::function<double(std::size_t, double)> exact_marginal_quantiles(const any_score_target& target);

/// The score targets' lines of `--target` help.
std::string score_target_help();

}  // namespace manychains
