// A user-defined target for the tests of the any-device factories: a 2-D donut whose radius and
// width are members (so a test sees them reach the device), as examples/donut.hpp.
#pragma once

#include <cmath>
#include <cstddef>

#include "manychains/config.hpp"

namespace manychains::testing {

struct test_donut {
  double radius = 3.0, width = 0.3;

  MC_HD std::size_t dim() const { return 2; }

  template <class X, class G>
  MC_HD double logdensity_grad(X x, G grad) const {
    const double norm = std::sqrt(double(x[0]) * double(x[0]) + double(x[1]) * double(x[1]));
    const double excess = norm - radius;
    const double d_norm = -excess / (width * width);
    grad[0] = d_norm * double(x[0]) / norm;
    grad[1] = d_norm * double(x[1]) / norm;
    return -0.5 * excess * excess / (width * width);
  }
};

}  // namespace manychains::testing
