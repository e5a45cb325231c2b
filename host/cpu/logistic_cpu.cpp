#include "cpu/logistic_cpu.hpp"

#include <algorithm>

#include "manychains/targets/logit.hpp"

namespace manychains {

template <class T>
logistic_cpu_batch<T>::logistic_cpu_batch(const logistic_target& target)
    : dim_(target.info.dim),
      design_(Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                  target.design.data(), target.rows, target.info.dim)
                  .template cast<T>()),
      response_(Eigen::Map<const Eigen::VectorXd>(target.response.data(), target.rows).template cast<T>()),
      inv_prior_var_(T(1.0 / (target.prior_scale * target.prior_scale))) {}

template <class T>
void logistic_cpu_batch<T>::evaluate(const T* positions, std::size_t chains, T* logp, T* grad) const {
  const std::size_t rows = static_cast<std::size_t>(design_.rows());
  // Chains in blocks, so that the rows × block intermediate stays near 128 MB (fewer blocks: each
  // block packs the whole design matrix twice for its two products).
  const std::size_t block = std::max<std::size_t>(1, std::min(chains, (std::size_t(16) << 20) / std::max<std::size_t>(rows, 1)));
  for (std::size_t start = 0; start < chains; start += block) {
    const std::size_t n = std::min(block, chains - start);
    Eigen::Map<const matrix> beta(positions + start * dim_, n, dim_);
    Eigen::Map<matrix> g(grad + start * dim_, n, dim_);
    // rows × n, column-major: each chain's column is contiguous, and chains go to threads whole,
    // so every chain's sum runs over the rows in order whatever the thread count.
    // Kept between calls (a fresh 32 MB matrix a step costs page faults); grows only.
    if (eta_.rows() != design_.rows() || eta_.cols() < static_cast<Eigen::Index>(block)) eta_.resize(design_.rows(), block);
    auto eta = eta_.leftCols(n);
    eta.noalias() = design_ * beta.transpose();
    Eigen::Matrix<T, Eigen::Dynamic, 1> lp(n);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t cc = 0; cc < static_cast<std::ptrdiff_t>(n); ++cc) {
      T* column = eta.col(cc).data();
      T sum = 0;
      for (std::size_t i = 0; i < rows; ++i) {
        T residual;
        sum += logit_row_loglik(column[i], response_[i], &residual);
        column[i] = residual;  // η's storage reused for the residual
      }
      lp[cc] = sum;
    }
    g.noalias() = eta.transpose() * design_;
    g -= inv_prior_var_ * beta;
    for (std::size_t c = 0; c < n; ++c)
      logp[start + c] = lp[c] - T(0.5) * inv_prior_var_ * beta.row(c).squaredNorm();
  }
}

template class logistic_cpu_batch<float>;
template class logistic_cpu_batch<double>;

}  // namespace manychains
