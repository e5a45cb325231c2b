// Logistic regression as the built-in `logistic` target defines it: y[i] ~ Bernoulli(logistic(X[i] · beta)),
// beta[k] ~ N(0, prior_scale) (up to a constant). With the same data and seed its draws match the
// built-in's (--target logistic:data=FILE.csv, whose intercept column is part of X here).
#include "manychains/model/model.hpp"

struct logistic {
  struct data {
    int N, K;
    const double* X;  // [N, K], row-major: row i is the i-th case's predictors
    const int* y;     // [N], 0 or 1
    double prior_scale;
  };

  static void declare(manychains::model::declaration<data>& m) {
    m.data("N", &data::N);
    m.data("K", &data::K);
    m.data("X", &data::X, "N", "K");
    m.data("y", &data::y, "N");
    m.data("prior_scale", &data::prior_scale);
    m.param("beta", "K");
  }

  template <class S>
  MC_HD static S log_density(const S* beta, const data& d) {
    using namespace manychains::ad;
    S lp = 0;
    for (int k = 0; k < d.K; ++k) lp -= 0.5 * beta[k] * beta[k] / (d.prior_scale * d.prior_scale);
    for (int i = 0; i < d.N; ++i) {
      S eta = 0;
      for (int k = 0; k < d.K; ++k) eta += d.X[i * d.K + k] * beta[k];
      lp += bernoulli_logit_lpmf(double(d.y[i]), eta);
    }
    return lp;
  }
};

MANYCHAINS_MODEL(logistic)
