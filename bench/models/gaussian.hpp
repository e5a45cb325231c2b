// An independent standard normal in D dimensions, the built-in `gaussian:dim=D` target written as a
// model file: forward-mode AD costs ceil(D / 16) passes of 16 tangents, so this shows its growth with D.
#include "manychains/model/model.hpp"

struct gaussian {
  struct data {
    int D;
  };
  static void declare(manychains::model::declaration<data>& m) {
    m.data("D", &data::D);
    m.param("x", "D");
  }
  template <class S>
  MC_HD static S log_density(const S* x, const data& d) {
    S lp = 0;
    for (int j = 0; j < d.D; ++j) lp -= 0.5 * x[j] * x[j];
    return lp;
  }
};

MANYCHAINS_MODEL(gaussian)
