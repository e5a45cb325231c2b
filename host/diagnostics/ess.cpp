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
/// tables computed once (plain arithmetic: std::complex's operator* calls a slow NaN-safe routine).
/// Each stage's twiddles lie contiguous, so the butterflies of a stage run in vector lanes.
class fft_plan {
 public:
  explicit fft_plan(std::size_t m) : m_(m), tw_re_(m), tw_im_(m), rev_(m) {
    const double pi = 3.14159265358979323846;
    std::vector<double> cos_m(m / 2), sin_m(m / 2);
    for (std::size_t k = 0; k < m / 2; ++k) {
      cos_m[k] = std::cos(2 * pi * double(k) / double(m));
      sin_m[k] = -std::sin(2 * pi * double(k) / double(m));
    }
    // Stage of half-length h: twiddle k at [h + k], e^{-2 pi i k / (2h)} = entry k · m / (2h).
    for (std::size_t h = 1; h < m; h <<= 1)
      for (std::size_t k = 0; k < h; ++k) {
        tw_re_[h + k] = cos_m[k * (m / (2 * h))];
        tw_im_[h + k] = sin_m[k * (m / (2 * h))];
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
    // The inverse is the forward transform of the conjugate, conjugated.
    if (inverse)
      for (std::size_t i = 0; i < m_; ++i) im[i] = -im[i];
    for (std::size_t half = 1; half < m_; half <<= 1) {
      const double* wr = tw_re_.data() + half;
      const double* wi = tw_im_.data() + half;
      for (std::size_t i = 0; i < m_; i += 2 * half) {
        double* are = re + i;
        double* aim = im + i;
        double* bre = re + i + half;
        double* bim = im + i + half;
#pragma omp simd
        for (std::size_t k = 0; k < half; ++k) {
          const double vr = bre[k] * wr[k] - bim[k] * wi[k], vi = bre[k] * wi[k] + bim[k] * wr[k];
          bre[k] = are[k] - vr;
          bim[k] = aim[k] - vi;
          are[k] += vr;
          aim[k] += vi;
        }
      }
    }
    if (inverse)
      for (std::size_t i = 0; i < m_; ++i) im[i] = -im[i];
  }

 private:
  std::size_t m_;
  std::vector<double> tw_re_, tw_im_;
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
    // Chain-major: each chain's centred draws stay in cache for all lags of the block.
    std::fill(out, out + (lag_end - lag_begin), 0.0);
    std::vector<double> centred(n_);
    double sums[lane_lags];
    for (std::size_t c = 0; c < chains_; ++c) {
      for (std::size_t i = 0; i < n_; ++i) centred[i] = x_[c * n_ + i] - means_[c];
      for (std::size_t t0 = lag_begin; t0 < lag_end; t0 += lane_lags) {
        const std::size_t count = std::min(lane_lags, lag_end - t0);
        lag_sums(centred.data(), n_, t0, count, sums);
        for (std::size_t t = 0; t < count; ++t) out[t0 + t - lag_begin] += sums[t] / static_cast<double>(n_);
      }
    }
    for (std::size_t t = lag_begin; t < lag_end; ++t) out[t - lag_begin] /= static_cast<double>(chains_);
  }

 private:
  // Lags past this come from one FFT of every chain. Direct sums take one pass over the draws
  // per 8 lags (vector lanes); the FFT costs about as much as 80 lags: Geyer's truncation
  // usually stops well before 64 lags, and when it does not it needs many more.
  static constexpr std::size_t direct_lag_limit = 64;
  static constexpr std::size_t lane_lags = 8;

  /// s[t] = sum over i + t0 + t < n of d_i d_{i+t0+t}, t < count <= 8: the lags side by side in
  /// vector lanes, each summed in the order of i (as chain_autocov does).
  static void lag_sums(const double* d, std::size_t n, std::size_t t0, std::size_t count, double* s) {
    double acc[lane_lags] = {};
    std::size_t i = 0;
    for (; i + t0 + lane_lags <= n; ++i) {
      const double di = d[i];
      const double* dj = d + i + t0;
#pragma omp simd
      for (std::size_t t = 0; t < lane_lags; ++t) acc[t] += di * dj[t];
    }
    for (; i + t0 < n; ++i)
      for (std::size_t t = 0; t < count && i + t0 + t < n; ++t) acc[t] += d[i] * d[i + t0 + t];
    for (std::size_t t = 0; t < count; ++t) s[t] = acc[t];
  }

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
  double lo = x[0], hi = x[0];
#pragma omp simd reduction(min : lo) reduction(max : hi)
  for (std::size_t i = 0; i < size; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  return diagnostics_formula::is_constant_range(lo, hi);
}

double host_chain_mean(const double* x, std::size_t n) {
  const double x0 = x[0];
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += x[i] - x0;
  return x0 + s / static_cast<double>(n);
}

chain_sums host_chain_sums(const double* x, std::size_t chains, std::size_t n) {
  chain_sums out{std::vector<double>(chains), std::vector<double>(chains)};
  for (std::size_t c = 0; c < chains; ++c) {
    const double* xc = x + c * n;
    const double m = host_chain_mean(xc, n);
    double q = 0;
#pragma omp simd reduction(+ : q)
    for (std::size_t i = 0; i < n; ++i) q += (xc[i] - m) * (xc[i] - m);
    out.mean[c] = m;
    out.m2[c] = q;
  }
  return out;
}

double host_ess(const double* x, std::size_t chains, std::size_t n, std::optional<bool> constant) {
  if (constant ? *constant : is_constant(x, chains * n)) return static_cast<double>(chains * n);
  std::vector<double> means(chains);
  for (std::size_t c = 0; c < chains; ++c) means[c] = host_chain_mean(x + c * n, n);
  host_autocov_source src(x, chains, n, means.data());
  return ess_combine(means.data(), chains, n, false, src);
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
  return diagnostics_detail::host_ess(x, chains, n, std::nullopt);
}

std::vector<double> mean_autocov_fft(const double* x, std::size_t chains, std::size_t n) {
  std::vector<double> means(chains);
  for (std::size_t c = 0; c < chains; ++c) means[c] = diagnostics_detail::host_chain_mean(x + c * n, n);
  host_autocov_source src(x, chains, n, means.data());
  std::vector<double> out(n);
  src.mean_autocov(0, n, out.data());  // n > 64 lags: the FFT path
  return out;
}

}  // namespace manychains
