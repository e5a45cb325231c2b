// Effective sample size: the host autocovariance source (lazy direct lag sums, then one FFT) and
// the combine step, Geyer's initial positive + monotone sequence exactly as ArviZ's `_ess`.
#include <algorithm>
#include <cmath>

#include "diagnostics/internal.hpp"
#include "manychains/diagnostics.hpp"
#include "manychains/diagnostics/chain_partials.hpp"
#include "manychains/error.hpp"

namespace manychains {
namespace {

/// Radix-2 FFT of length m (a power of two) on split real/imaginary arrays, with its twiddle
/// table computed once (plain arithmetic: std::complex's operator* calls a slow NaN-safe routine).
class fft_plan {
 public:
  explicit fft_plan(std::size_t m) : m_(m), cos_(m / 2), sin_(m / 2), rev_(m) {
    const double pi = 3.14159265358979323846;
    for (std::size_t k = 0; k < m / 2; ++k) {
      cos_[k] = std::cos(2 * pi * double(k) / double(m));
      sin_[k] = -std::sin(2 * pi * double(k) / double(m));
    }
    for (std::size_t i = 1, j = 0; i < m; ++i) {
      std::size_t bit = m >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      rev_[i] = j;
    }
  }

  /// Forward (e^{-2 pi i jk/m}) or inverse (unscaled) transform in place.
  void run(double* re, double* im, bool inverse) const {
    for (std::size_t i = 1; i < m_; ++i)
      if (i < rev_[i]) {
        std::swap(re[i], re[rev_[i]]);
        std::swap(im[i], im[rev_[i]]);
      }
    const double sign = inverse ? -1.0 : 1.0;
    for (std::size_t len = 2; len <= m_; len <<= 1) {
      const std::size_t half = len / 2, step = m_ / len;
      for (std::size_t i = 0; i < m_; i += len)
        for (std::size_t k = 0; k < half; ++k) {
          const double wr = cos_[k * step], wi = sign * sin_[k * step];
          const std::size_t a = i + k, b = a + half;
          const double vr = re[b] * wr - im[b] * wi, vi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - vr;
          im[b] = im[a] - vi;
          re[a] += vr;
          im[a] += vi;
        }
    }
  }

 private:
  std::size_t m_;
  std::vector<double> cos_, sin_;
  std::vector<std::size_t> rev_;
};

/// Chain-averaged autocovariances of a host (chains, n) array: direct sums for the first lags
/// (Geyer's truncation usually stops after a few), all lags by FFT once more are asked for.
class host_autocov_source final : public autocov_source {
 public:
  host_autocov_source(const double* x, std::size_t chains, std::size_t n, const double* means)
      : x_(x), chains_(chains), n_(n), means_(means) {}

  void mean_autocov(std::size_t lag_begin, std::size_t lag_end, double* out) override {
    if (lag_end > direct_lag_limit && fft_.empty()) fft_ = fft_all();
    if (!fft_.empty()) {
      std::copy(fft_.begin() + lag_begin, fft_.begin() + lag_end, out);
      return;
    }
    // Chain-major: each chain's draws stay in cache for all lags of the block.
    std::fill(out, out + (lag_end - lag_begin), 0.0);
    for (std::size_t c = 0; c < chains_; ++c)
      for (std::size_t t = lag_begin; t < lag_end; ++t) out[t - lag_begin] += chain_autocov(x_ + c * n_, n_, means_[c], t);
    for (std::size_t t = lag_begin; t < lag_end; ++t) out[t - lag_begin] /= static_cast<double>(chains_);
  }

 private:
  // Lags past this come from one FFT of every chain (direct sums cost chains * n per lag, the FFT
  // about as much as ~30 lags; needing more than 8 usually means needing many more).
  static constexpr std::size_t direct_lag_limit = 8;

  std::vector<double> fft_all() const {
    std::size_t m = 1;
    while (m < 2 * n_) m <<= 1;
    const fft_plan plan(m);
    // Two real chains per complex FFT: |A_k|^2 + |B_k|^2 = (|Z_k|^2 + |Z_{m-k}|^2) / 2 for
    // z = a + i b, so the chain-summed power spectrum needs chains/2 forward FFTs and one inverse.
    std::vector<double> power(m, 0.0), re(m), im(m);
    for (std::size_t c = 0; c < chains_; c += 2) {
      const bool pair = c + 1 < chains_;
      std::fill(re.begin() + n_, re.end(), 0.0);
      std::fill(im.begin() + n_, im.end(), 0.0);
      for (std::size_t i = 0; i < n_; ++i) {
        re[i] = x_[c * n_ + i] - means_[c];
        im[i] = pair ? x_[(c + 1) * n_ + i] - means_[c + 1] : 0.0;
      }
      plan.run(re.data(), im.data(), false);
      for (std::size_t k = 0; k < m; ++k) {
        const std::size_t l = (m - k) & (m - 1);
        power[k] += 0.5 * (re[k] * re[k] + im[k] * im[k] + re[l] * re[l] + im[l] * im[l]);
      }
    }
    std::fill(im.begin(), im.end(), 0.0);
    plan.run(power.data(), im.data(), true);
    std::vector<double> acov(n_);
    const double scale = 1.0 / (static_cast<double>(m) * static_cast<double>(n_) * static_cast<double>(chains_));
    for (std::size_t t = 0; t < n_; ++t) acov[t] = power[t] * scale;
    return acov;
  }

  const double* x_;
  std::size_t chains_, n_;
  const double* means_;
  std::vector<double> fft_;
};

}  // namespace

namespace diagnostics_detail {

bool is_constant(const double* x, std::size_t size) {
  if (size == 0) return true;
  const auto mm = std::minmax_element(x, x + size);
  return (*mm.second - *mm.first) < 1e-15;
}

void check_finite(const double* x, std::size_t chains, std::size_t draws, const char* what) {
  for (std::size_t i = 0; i < chains * draws; ++i)
    if (!std::isfinite(x[i]))
      throw input_error(std::string("parameter ") + what + " has a " + (std::isnan(x[i]) ? "NaN" : "infinite") +
                        " draw (chain " + std::to_string(i / draws) + ", draw " + std::to_string(i % draws) +
                        "); diagnostics need finite draws");
}

void check_min_draws(std::size_t chains, std::size_t draws, const char* statistic) {
  if (chains < 1 || draws < 4)
    throw input_error(std::string(statistic) + " needs at least 1 chain of at least 4 draws, got " +
                      std::to_string(chains) + " chains of " + std::to_string(draws) + " draws");
}

}  // namespace diagnostics_detail

double ess_plain(const double* x, std::size_t chains, std::size_t n) {
  if (diagnostics_detail::is_constant(x, chains * n)) return static_cast<double>(chains * n);
  std::vector<double> means(chains);
  for (std::size_t c = 0; c < chains; ++c) means[c] = chain_mean(x + c * n, n);
  host_autocov_source src(x, chains, n, means.data());
  return ess_combine(means.data(), chains, n, false, src);
}

std::vector<double> mean_autocov_fft(const double* x, std::size_t chains, std::size_t n) {
  std::vector<double> means(chains);
  for (std::size_t c = 0; c < chains; ++c) means[c] = chain_mean(x + c * n, n);
  host_autocov_source src(x, chains, n, means.data());
  std::vector<double> out(n);
  src.mean_autocov(0, n, out.data());  // n > 8 lags: the FFT path
  return out;
}

}  // namespace manychains
