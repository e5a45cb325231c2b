// Eight schools (Rubin 1981; Gelman et al., BDA3 §5.5), non-centred: posteriordb's
// eight_schools-eight_schools_noncentered, written as a model file.
//   theta_trans[j] ~ N(0, 1), theta = mu + tau * theta_trans, y[j] ~ N(theta[j], sigma[j]),
//   mu ~ N(0, 5), tau ~ half-Cauchy(0, 5).
#include "manychains/model/model.hpp"

struct eight_schools {
  struct data {
    int J;
    const double* y;      // [J], estimated treatment effects
    const double* sigma;  // [J], their standard errors
  };

  static void declare(manychains::model::declaration<data>& m) {
    using namespace manychains::model;
    m.data("J", &data::J);
    m.data("y", &data::y, "J");
    m.data("sigma", &data::sigma, "J");
    m.param("theta_trans", "J");
    m.param("mu");
    m.param("tau", positive());
  }

  template <class S>
  MC_HD static S log_density(const S* p, const data& d) {
    using namespace manychains::ad;
    const S* theta_trans = p;
    const S mu = p[d.J], tau = p[d.J + 1];
    S lp = normal_lpdf(mu, 0.0, 5.0) + cauchy_lpdf(tau, 0.0, 5.0);
    for (int j = 0; j < d.J; ++j) {
      lp += std_normal_lpdf(theta_trans[j]);
      lp += normal_lpdf(d.y[j], mu + tau * theta_trans[j], d.sigma[j]);
    }
    return lp;
  }
};

MANYCHAINS_MODEL(eight_schools)
