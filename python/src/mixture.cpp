// manychains._core.mixture_*: Gaussian mixtures by EM (gaussian_mixture). The Python estimator
// (manychains.GaussianMixture) keeps the fitted parameters as numpy arrays and rebuilds the C++
// model from them for each prediction, so that it pickles and clones as scikit-learn expects.
#include <fmt/format.h>

#include "mixture_arrays.hpp"

namespace manychains::python {
namespace {

/// Fits by EM with the GIL released; `on_iteration(restart, iteration, mean log-likelihood, change)`
/// (verbose) takes it back for each iteration.
nb::dict fit(matrix x, nb::dict opts, nb::object on_iteration) {
  const options o(opts);
  gaussian_mixture_options g;
  g.n_components = o.get<int>("n_components", 1);
  g.covariance = parse_covariance_type(o.get<std::string>("covariance_type", "full"));
  g.tol = o.get<double>("tol", g.tol);
  g.reg_covar = o.get<double>("reg_covar", g.reg_covar);
  g.max_iter = o.get<int>("max_iter", g.max_iter);
  g.n_init = o.get<int>("n_init", g.n_init);
  g.init_params = parse_em_init(o.get<std::string>("init_params", "kmeans"));
  g.seed = o.get<std::uint64_t>("seed", 0);
  g.device = parse_device_choice(o.get<std::string>("device", "auto"));
  g.precision = o.get<std::string>("precision", "double") == "float" ? em_precision::float32 : em_precision::float64;
  if (o.optional<nb::object>("weights_init")) g.weights_init = flat(opts["weights_init"]);
  if (o.optional<nb::object>("means_init")) g.means_init = flat(opts["means_init"]);
  if (o.optional<nb::object>("covariances_init")) g.covariances_init = flat(opts["covariances_init"]);
  if (!on_iteration.is_none())
    g.on_iteration = [&on_iteration](const em_iteration_info& i) {
      nb::gil_scoped_acquire gil;
      on_iteration(i.restart, i.iteration, i.mean_log_likelihood, i.change);
    };
  gaussian_mixture gm(g);
  {
    nb::gil_scoped_release nogil;
    gm.fit(view(x));
  }
  nb::dict out = params_dict(gm.params());
  out["converged"] = gm.converged();
  out["n_iter"] = gm.n_iter();
  out["trace"] = gm.log_likelihood_trace();
  out["device"] = gm.device_name();
  out["seconds"] = gm.timings().total;
  return out;
}

gaussian_mixture model(const std::string& type, nb::object weights, nb::object means, nb::object covariances) {
  gmm_params p;
  p.type = parse_covariance_type(type);
  p.weights = flat(weights);
  p.means = flat(means);
  p.covariances = flat(covariances);
  p.components = int(p.weights.size());
  MC_EXPECTS(p.components >= 1, "the model has no components");
  p.dim = int(p.means.size() / p.weights.size());
  return gaussian_mixture(std::move(p));
}

/// "proba" (n×K), "score_samples" (n), "bic", "aic" of data under the given parameters.
nb::object evaluate(const std::string& what, matrix x, const std::string& type, nb::object weights, nb::object means,
                    nb::object covariances) {
  const gaussian_mixture gm = model(type, weights, means, covariances);
  const std::size_t n = x.shape(0), K = std::size_t(gm.params().components);
  if (what == "bic") return nb::float_(gm.bic(view(x)));
  if (what == "aic") return nb::float_(gm.aic(view(x)));
  std::vector<double> out;
  {
    nb::gil_scoped_release nogil;
    out = what == "proba" ? gm.predict_proba(view(x)) : gm.score_samples(view(x));
  }
  return what == "proba" ? to_numpy(std::move(out), {n, K}) : to_numpy(std::move(out), {n});
}

nb::tuple sample(std::size_t n, std::uint64_t seed, const std::string& type, nb::object weights, nb::object means,
                 nb::object covariances) {
  const gaussian_mixture gm = model(type, weights, means, covariances);
  std::vector<int> labels;
  std::vector<double> x = gm.sample(n, seed, &labels);
  const std::size_t d = std::size_t(gm.params().dim);
  return nb::make_tuple(to_numpy(std::move(x), {n, d}), to_numpy(std::move(labels), {n}));
}

}  // namespace

void register_mixture(nb::module_& m) {
  m.def("mixture_fit", &fit, nb::arg("x"), nb::arg("options"), nb::arg("on_iteration").none());
  m.def("mixture_evaluate", &evaluate, nb::arg("what"), nb::arg("x"), nb::arg("covariance_type"), nb::arg("weights"),
        nb::arg("means"), nb::arg("covariances"));
  m.def("mixture_sample", &sample, nb::arg("n"), nb::arg("seed"), nb::arg("covariance_type"), nb::arg("weights"),
        nb::arg("means"), nb::arg("covariances"));
}

}  // namespace manychains::python
