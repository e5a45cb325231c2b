// manychains._core.bayesian_mixture_*: Bayesian Gaussian mixtures by variational inference
// (bayesian_gaussian_mixture). As for EM, the Python estimator (manychains.BayesianGaussianMixture)
// keeps the variational parameters as numpy arrays and rebuilds the C++ model from them for each
// prediction.
#include "manychains/vb.hpp"
#include "mixture_arrays.hpp"

namespace manychains::python {
namespace {

nb::dict priors_dict(const vb_prior& p, covariance_type type) {
  const std::size_t d = p.mean.size();
  nb::dict out;
  out["weight_concentration_prior"] = p.weight_concentration;
  out["mean_precision_prior"] = p.mean_precision;
  out["mean_prior"] = to_numpy(std::vector<double>(p.mean), {d});
  out["degrees_of_freedom_prior"] = p.degrees_of_freedom;
  if (type == covariance_type::spherical)
    out["covariance_prior"] = p.covariance.at(0);
  else if (type == covariance_type::diag)
    out["covariance_prior"] = to_numpy(std::vector<double>(p.covariance), {d});
  else
    out["covariance_prior"] = to_numpy(std::vector<double>(p.covariance), {d, d});
  return out;
}

/// Fits by CAVI with the GIL released; `on_iteration(restart, iteration, lower bound, change)`
/// (verbose) takes it back for each iteration.
nb::dict fit(matrix x, nb::dict opts, nb::object on_iteration) {
  const options o(opts);
  bayesian_gaussian_mixture_options b;
  b.n_components = o.get<int>("n_components", 1);
  b.covariance = parse_covariance_type(o.get<std::string>("covariance_type", "full"));
  b.tol = o.get<double>("tol", b.tol);
  b.reg_covar = o.get<double>("reg_covar", b.reg_covar);
  b.max_iter = o.get<int>("max_iter", b.max_iter);
  b.n_init = o.get<int>("n_init", b.n_init);
  b.init_params = parse_em_init(o.get<std::string>("init_params", "kmeans"));
  b.seed = o.get<std::uint64_t>("seed", 0);
  b.device = parse_device_choice(o.get<std::string>("device", "auto"));
  b.precision = single_precision(o) ? em_precision::float32 : em_precision::float64;
  if (o.optional<nb::object>("resp_init")) b.resp_init = flat(opts["resp_init"]);
  vb_prior_options& p = b.prior;
  p.weight_type = parse_weight_prior_type(o.get<std::string>("weight_concentration_prior_type", "dirichlet_process"));
  p.weight_concentration = o.optional<double>("weight_concentration_prior");
  p.mean_precision = o.optional<double>("mean_precision_prior");
  p.degrees_of_freedom = o.optional<double>("degrees_of_freedom_prior");
  if (o.optional<nb::object>("mean_prior")) p.mean = flat(opts["mean_prior"]);
  if (o.optional<nb::object>("covariance_prior")) p.covariance = flat(opts["covariance_prior"]);
  if (!on_iteration.is_none())
    b.on_iteration = [&on_iteration](const vb_iteration_info& i) {
      nb::gil_scoped_acquire gil;
      on_iteration(i.restart, i.iteration, i.lower_bound, i.change);
    };
  bayesian_gaussian_mixture vb(b);
  {
    nb::gil_scoped_release nogil;
    vb.fit(view(x));
  }
  const vb_params& q = vb.params();
  const std::size_t K = q.weight_concentration.size();
  nb::dict out = params_dict(q.gaussian);
  out["weight_concentration"] = to_numpy(std::vector<double>(q.weight_concentration), {K});
  if (q.weight_type == weight_prior_type::dirichlet_process)
    out["weight_concentration_b"] = to_numpy(std::vector<double>(q.weight_concentration_b), {K});
  out["mean_precision"] = to_numpy(std::vector<double>(q.mean_precision), {K});
  out["degrees_of_freedom"] = to_numpy(std::vector<double>(q.degrees_of_freedom), {K});
  out["priors"] = priors_dict(vb.prior(), q.gaussian.type);
  out["converged"] = vb.converged();
  out["n_iter"] = vb.n_iter();
  out["trace"] = vb.lower_bound_trace();
  out["device"] = vb.device_name();
  out["seconds"] = vb.timings().total;
  return out;
}

/// "proba" (n×K) or "score_samples" (n) of data under the given variational parameters
/// (weight_concentration_b None for the Dirichlet distribution; degrees_of_freedom K values).
nb::object evaluate(const std::string& what, matrix x, const std::string& type, const std::string& weight_type,
                    nb::object weight_concentration, nb::object weight_concentration_b, nb::object mean_precision,
                    nb::object degrees_of_freedom, nb::object means, nb::object covariances) {
  vb_params q;
  q.weight_type = parse_weight_prior_type(weight_type);
  q.weight_concentration = flat(weight_concentration);
  q.weight_concentration_b = flat(weight_concentration_b);
  q.mean_precision = flat(mean_precision);
  q.degrees_of_freedom = flat(degrees_of_freedom);
  q.gaussian.type = parse_covariance_type(type);
  q.gaussian.means = flat(means);
  q.gaussian.covariances = flat(covariances);
  const bayesian_gaussian_mixture vb(std::move(q));
  const std::size_t n = x.shape(0), K = std::size_t(vb.params().gaussian.components);
  std::vector<double> out;
  {
    nb::gil_scoped_release nogil;
    out = what == "proba" ? vb.predict_proba(view(x)) : vb.score_samples(view(x));
  }
  return what == "proba" ? to_numpy(std::move(out), {n, K}) : to_numpy(std::move(out), {n});
}

}  // namespace

void register_bayesian_mixture(nb::module_& m) {
  m.def("bayesian_mixture_fit", &fit, nb::arg("x"), nb::arg("options"), nb::arg("on_iteration").none());
  m.def("bayesian_mixture_evaluate", &evaluate, nb::arg("what"), nb::arg("x"), nb::arg("covariance_type"),
        nb::arg("weight_concentration_prior_type"), nb::arg("weight_concentration"),
        nb::arg("weight_concentration_b").none(), nb::arg("mean_precision"), nb::arg("degrees_of_freedom"),
        nb::arg("means"), nb::arg("covariances"));
}

}  // namespace manychains::python
