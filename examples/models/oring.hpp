// The Challenger O-ring model (Dalal, Fowlkes & Hoadley 1989) as a model file: the same density
// as the built-in `oring` target, so with the same seed its draws equal the built-in's to rounding.
//   failure_i ~ Bernoulli(logistic(alpha + beta * temp_i)),  e^alpha ~ Exponential(mean e^log_b),
//   flat prior on beta.
#include "manychains/model/model.hpp"

struct oring {
  struct data {
    int N;
    const double* temp;  // [N], launch temperature (°F)
    const double* fail;  // [N], 1 if an O-ring incident
    double log_b;
  };

  static void declare(manychains::model::declaration<data>& m) {
    m.data("N", &data::N);
    m.data("temp", &data::temp, "N");
    m.data("fail", &data::fail, "N");
    m.data("log_b", &data::log_b);
    // The built-in target's start region: its posterior mode ± 2 Laplace sds (a start far above
    // the mode meets gradients of order e^(alpha - log_b) that no Langevin step survives).
    m.param("alpha", manychains::model::start(15.60996513055262, 1.9928709138123855));
    m.param("beta", manychains::model::start(-0.24045782781806238, 0.03343928366332001));
  }

  template <class S>
  MC_HD static S log_density(const S* p, const data& d) {
    using namespace manychains::ad;
    const S alpha = p[0], beta = p[1];
    S lp = alpha - exp(alpha - d.log_b);  // log p(alpha) up to a constant
    for (int i = 0; i < d.N; ++i) lp += bernoulli_logit_lpmf(d.fail[i], alpha + beta * d.temp[i]);
    return lp;
  }
};

MANYCHAINS_MODEL(oring)
