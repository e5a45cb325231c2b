// A model with a compile error on line 16 (model_cli_test checks the message names it).
#include "manychains/model/model.hpp"

struct broken {
  struct data {};

  static void declare(manychains::model::declaration<data>& m) { m.param("x"); }

  template <class S>
  MC_HD static S log_density(const S* p, const data&) {
    using namespace manychains::ad;
    S lp = 0;
    lp += normal_lpdf(p[0], 0.0, 1.0);
    // the next line misspells a function
    lp +=
        normal_lpfd(p[0], 0.0, 1.0);
    return lp;
  }
};

MANYCHAINS_MODEL(broken)
