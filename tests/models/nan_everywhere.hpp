// A log-density that is NaN wherever the chains may start (model_cli_test: one clear line, exit 2).
#include "manychains/model/model.hpp"

struct nan_everywhere {
  struct data {};
  static void declare(manychains::model::declaration<data>& m) { m.param("x", 2); }
  template <class S>
  MC_HD static S log_density(const S* p, const data&) {
    using namespace manychains::ad;
    return log(-(p[0] * p[0]) - 1.0);  // log of a negative number
  }
};

MANYCHAINS_MODEL(nan_everywhere)
