// posteriordb's kidiq-kidscore_interaction (Gelman & Hill 2007): linear regression with an
// interaction, flat priors on beta, sigma ~ half-Cauchy(0, 2.5).
#include "manychains/model/model.hpp"

struct kidscore_interaction {
  struct data {
    int N;
    const double *kid_score, *mom_iq, *mom_hs;  // [N]
  };

  static void declare(manychains::model::declaration<data>& m) {
    using namespace manychains::model;
    m.data("N", &data::N);
    m.data("kid_score", &data::kid_score, "N");
    m.data("mom_iq", &data::mom_iq, "N");
    m.data("mom_hs", &data::mom_hs, "N");
    m.param("beta", 4);
    // Starts with log sigma near the residual scale (kid scores vary by ~20): from U(-2, 2) the
    // gradient at sigma = e^-2 is of order 1e5, and MALA chains stall there.
    m.param("sigma", positive(), start(3, 0.5));
  }

  template <class S>
  MC_HD static S log_density(const S* p, const data& d) {
    using namespace manychains::ad;
    const S sigma = p[4];
    S lp = cauchy_lpdf(sigma, 0.0, 2.5);
    for (int i = 0; i < d.N; ++i) {
      const S mean = p[0] + p[1] * d.mom_hs[i] + p[2] * d.mom_iq[i] + p[3] * d.mom_hs[i] * d.mom_iq[i];
      lp += normal_lpdf(d.kid_score[i], mean, sigma);
    }
    return lp;
  }
};

MANYCHAINS_MODEL(kidscore_interaction)
