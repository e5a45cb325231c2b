/// \file backend.hpp
/// The passes over the data one EM iteration needs, behind one interface for the CPU (OpenMP) and
/// CUDA backends. The host orchestrates: E-step sums, new means, scatter, factorisation.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "manychains/devices.hpp"
#include "manychains/em/params.hpp"

namespace manychains {

/// Holds the (centred) data and the responsibilities of the last E-step.
template <class T>
class em_backend {
 public:
  virtual ~em_backend() = default;
  /// E-step at `params`: keeps the responsibilities and returns Σ_n log p(x_n); fills nk (K) and
  /// sx = Σ_n r_nk x_n (K×d).
  virtual double e_step(const gmm_arrays<T>& params, std::vector<double>& nk, std::vector<double>& sx) = 0;
  /// Scatter of the kept responsibilities around `means` (K×d); em_scatter_size values.
  virtual void scatter(const std::vector<double>& means, std::vector<double>& out) = 0;
  /// Σ_n Σ_k r_nk log r_nk over the kept responsibilities (0 log 0 = 0): the entropy term of the
  /// variational lower bound (manychains/vb.hpp).
  virtual double sum_r_log_r() = 0;
  /// A short description, e.g. "cpu (2 threads)" or "cuda: NVIDIA H100".
  virtual std::string device_name() const = 0;
  /// The last e_step's per-block sums, block after block (K values of nk, K×d of sx, then
  /// Σ log p), or empty where the backend sums otherwise (CUDA). Adding them in block order onto
  /// zeros gives e_step's totals; rows split over processes in whole blocks add up, process after
  /// process, to one process's totals bit for bit (rows.hpp).
  virtual const std::vector<double>& e_step_partials() const { return no_partials(); }
  /// The last scatter's per-block sums (em_scatter_size values each), likewise.
  virtual const std::vector<double>& scatter_partials() const { return no_partials(); }

 private:
  static const std::vector<double>& no_partials() {
    static const std::vector<double> none;
    return none;
  }
};

/// The CPU backend over a row-major n×d copy of `data`, in blocks of `block_rows` points (0:
/// em_block_rows(n); a process holding some rows of a larger data set gives the whole's).
template <class T>
std::unique_ptr<em_backend<T>> make_em_cpu_backend(const double* data, std::size_t n, int d, int K,
                                                   covariance_type type, std::size_t block_rows = 0);

/// The CUDA backend; throws device_error when this build or machine has no usable CUDA device.
template <class T>
std::unique_ptr<em_backend<T>> make_em_cuda_backend(const double* data, std::size_t n, int d, int K,
                                                    covariance_type type);

/// The backend `choice` selects (select_device: a usable CUDA device for `automatic`, else the CPU).
/// `total_rows`: every process's rows when the data are split over processes (the CPU backend's
/// blocks are sized by it, so that sums do not depend on the split); 0 means n.
template <class T>
std::unique_ptr<em_backend<T>> make_em_backend(device_choice choice, const double* data, std::size_t n, int d, int K,
                                               covariance_type type, std::size_t total_rows = 0);

}  // namespace manychains
