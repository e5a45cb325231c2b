// A simplex parameter: category probabilities theta (K of them, summing to 1) with a
// Dirichlet(alpha) prior and multinomial counts. The posterior is Dirichlet(alpha + counts) in
// closed form, so its means and sds check the stick-breaking transform and its log-Jacobian.
#include "manychains/model/model.hpp"

struct dirichlet_multinomial {
  struct data {
    int K;
    const double* alpha;  // [K], prior concentrations
    const int* counts;    // [K], observed counts
  };

  static void declare(manychains::model::declaration<data>& m) {
    using namespace manychains::model;
    m.data("K", &data::K);
    m.data("alpha", &data::alpha, "K");
    m.data("counts", &data::counts, "K");
    m.param("theta", "K", simplex());
  }

  template <class S>
  MC_HD static S log_density(const S* theta, const data& d) {
    using namespace manychains::ad;
    S lp = dirichlet_lpdf(theta, d.alpha, d.K);
    for (int k = 0; k < d.K; ++k) lp += d.counts[k] * log(theta[k]);
    return lp;
  }
};

MANYCHAINS_MODEL(dirichlet_multinomial)
