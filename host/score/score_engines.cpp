// The built-in score targets' engines, compiled once here (with the host library's
// -fno-math-errno, which lets exp/log inline) rather than in every caller.
#include "manychains/score/score_backends.hpp"

namespace manychains {

template <class T>
std::unique_ptr<score_engine<T>> make_score_engine(device_choice choice, const any_score_target& target,
                                                   std::size_t n_chains, std::uint64_t seed) {
  return std::visit([&](const auto& t) { return make_score_engine_for<T>(choice, t, n_chains, seed); }, target);
}

template std::unique_ptr<score_engine<float>> make_score_engine<float>(device_choice, const any_score_target&,
                                                                       std::size_t, std::uint64_t);
template std::unique_ptr<score_engine<double>> make_score_engine<double>(device_choice, const any_score_target&,
                                                                         std::size_t, std::uint64_t);

}  // namespace manychains
