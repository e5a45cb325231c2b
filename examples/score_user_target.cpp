// Sampling from a score alone (score_ring.hpp): annealed Langevin (Song & Ermon 2019) through
// ten noise levels puts about an eighth of the chains in each of the ring's eight modes, while
// score-only ULA at the smallest noise keeps each chain near the mode it started closest to, so
// the occupancy follows the start. Either backend, through score_backends.hpp's factory.
//
//   score_user_target [auto|cpu|cuda]   (default auto: the GPU where one can be used)
#include <cmath>
#include <cstdio>
#include <vector>

#include "manychains/error.hpp"
#include "manychains/philox.hpp"
#include "manychains/random_variates.hpp"
#include "manychains/score/score_backends.hpp"
#include "score_ring.hpp"

namespace {

/// Starts off-centre, N((6, 0), I): close to mode 0, far from the others.
std::vector<double> lopsided_start(std::size_t n) {
  std::vector<double> x(2 * n);
  manychains::philox_stream rng{1, 1u << 30, 0};
  for (std::size_t i = 0; i < x.size(); i += 4) {
    double z[4];
    manychains::normal4<double>(rng, z);
    for (int j = 0; j < 4; ++j) x[i + j] = z[j] + (j % 2 == 0 ? 6.0 : 0.0);
  }
  return x;
}

void print_occupancy(const char* what, const std::vector<double>& x) {
  std::vector<double> count(score_ring::modes, 0.0);
  for (std::size_t i = 0; i < x.size(); i += 2) {
    const double angle = std::atan2(x[i + 1], x[i]);
    const int k = int(std::lround(angle / (2 * M_PI / score_ring::modes)) + score_ring::modes) % score_ring::modes;
    count[k] += 1;
  }
  std::printf("%-40s", what);
  for (double c : count) std::printf(" %5.3f", c / double(x.size() / 2));
  std::printf("   (exact: 0.125 each)\n");
}

int run(manychains::device_choice device) {
  using namespace manychains;
  const std::size_t chains = 8192;
  const score_ring ring{};
  auto engine = make_score_engine_for<double>(device, ring, chains, 42);

  const annealed_schedule<double> schedule{10.0, 0.05, 10, 100, 0.2 * 0.05 * 0.05};
  engine->initialize(lopsided_start(chains));
  engine->run_levels(schedule, 0, schedule.levels);
  std::printf("on %s, %zu chains, fraction in each of the 8 modes:\n", engine->device_name().c_str(), chains);
  print_occupancy("annealed Langevin (10 levels x 100):", engine->positions());

  engine->initialize(lopsided_start(chains));
  engine->run_ula(0.1, 1000);
  print_occupancy("score-only ULA (1000 steps, h = 0.1):", engine->positions());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(manychains::parse_device_choice(argc > 1 ? argv[1] : "auto"));
  } catch (const manychains::error& e) {
    std::fprintf(stderr, "score_user_target: %s\n", e.what());
    return 2;
  }
}
