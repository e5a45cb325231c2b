"""manychains.BayesianGaussianMixture: scikit-learn's BayesianGaussianMixture, fitted by manychains'
coordinate-ascent variational inference (CPU or GPU)."""
import numbers
import warnings

import numpy as np

from . import _core
from ._checks import choice
from ._mixture_base import NOT_CONVERGED, ConvergenceWarning, MixtureBase, precisions_from_cholesky

__all__ = ["BayesianGaussianMixture"]

_WEIGHT_PRIORS = ("dirichlet_process", "dirichlet_distribution")


class BayesianGaussianMixture(MixtureBase):
    """A Bayesian Gaussian mixture fitted by variational inference, with scikit-learn's
    ``BayesianGaussianMixture`` parameters, methods (fit, fit_predict, predict, predict_proba,
    score_samples, score, sample) and fitted attributes (``weights_``, ``means_``, ``covariances_``,
    ``precisions_``, ``precisions_cholesky_``, ``weight_concentration_``, ``mean_precision_``,
    ``degrees_of_freedom_``, the resolved priors ``*_prior_``, ``converged_``, ``n_iter_``,
    ``lower_bound_``, ``lower_bounds_``, ``n_features_in_``).

    The loop, its stopping rule and the lower bound are scikit-learn's, so from the same initial
    responsibilities the fit equals scikit-learn's to rounding (1e-8 is tested). ``init_params``
    uses manychains' own k-means++ / random starts, which differ from scikit-learn's for the same
    ``random_state``; ``resp_init`` (an (n_samples, n_components) array of non-negative
    responsibilities, used by every restart) gives the start scikit-learn's ``_initialize`` would
    compute from the same array. ``warm_start`` continues from the responsibilities of the last fit
    (one M-step from them, then the iterations). Extra parameters: ``resp_init``, ``device``
    ("auto": a GPU when usable, "cpu", "cuda") and ``precision`` ("double", "float").
    """

    def __init__(self, *, n_components=1, covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100, n_init=1,
                 init_params="kmeans", weight_concentration_prior_type="dirichlet_process",
                 weight_concentration_prior=None, mean_precision_prior=None, mean_prior=None,
                 degrees_of_freedom_prior=None, covariance_prior=None, random_state=None, warm_start=False, verbose=0,
                 verbose_interval=10, resp_init=None, device="auto", precision="double"):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.resp_init = resp_init
        self.device = device
        self.precision = precision

    def fit_predict(self, X, y=None):
        """Fits, then returns the most probable component of each row of X."""
        X = self._validate(X, reset=True)
        self._check_parameters(X)
        opts = self._common_options()
        opts["weight_concentration_prior_type"] = self.weight_concentration_prior_type
        for name in ("weight_concentration_prior", "mean_precision_prior", "degrees_of_freedom_prior"):
            if getattr(self, name) is not None:
                opts[name] = float(getattr(self, name))
        if self.mean_prior is not None:
            opts["mean_prior"] = _array("mean_prior", self.mean_prior, (X.shape[1],))
        if self.covariance_prior is not None:
            opts["covariance_prior"] = self._covariance_prior(X.shape[1])
        if self.warm_start and hasattr(self, "converged_"):
            opts.update(n_init=1, resp_init=np.ravel(self.predict_proba(X)))
        elif self.resp_init is not None:
            opts["resp_init"] = _array("resp_init", self.resp_init, (X.shape[0], self.n_components))
        fit = _core.bayesian_mixture_fit(X, opts, self._verbose_callback("lower bound"))
        self._set_fitted(fit)
        if not self.converged_:
            warnings.warn(NOT_CONVERGED, ConvergenceWarning)
        return self._labels(X)

    # ---- helpers --------------------------------------------------------------------------------

    def _set_fitted(self, fit):
        tied = self.covariance_type == "tied"
        self.weights_ = fit["weights"]
        self.means_ = fit["means"]
        self.covariances_ = fit["covariances"]
        self.precisions_cholesky_ = fit["precisions_cholesky"]
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, self.covariance_type)
        a = fit["weight_concentration"]
        self.weight_concentration_ = (a, fit["weight_concentration_b"]) if "weight_concentration_b" in fit else a
        self.mean_precision_ = fit["mean_precision"]
        # scikit-learn keeps one number of degrees of freedom for the shared tied precision.
        self.degrees_of_freedom_ = float(fit["degrees_of_freedom"][0]) if tied else fit["degrees_of_freedom"]
        priors = fit["priors"]
        self.weight_concentration_prior_ = priors["weight_concentration_prior"]
        self.mean_precision_prior_ = priors["mean_precision_prior"]
        self.mean_prior_ = priors["mean_prior"]
        self.degrees_of_freedom_prior_ = priors["degrees_of_freedom_prior"]
        self.covariance_prior_ = priors["covariance_prior"]
        self.converged_ = bool(fit["converged"])
        self.n_iter_ = int(fit["n_iter"])
        self.lower_bounds_ = list(fit["trace"])
        self.lower_bound_ = float(self.lower_bounds_[-1])
        self.device_ = fit["device"]

    def _core_evaluate(self, what, X):
        process = isinstance(self.weight_concentration_, tuple)
        a, b = self.weight_concentration_ if process else (self.weight_concentration_, None)
        dof = np.broadcast_to(np.asarray(self.degrees_of_freedom_, dtype=np.float64), np.shape(a))
        return _core.bayesian_mixture_evaluate(
            what, X, self.covariance_type, "dirichlet_process" if process else "dirichlet_distribution", np.ravel(a),
            None if b is None else np.ravel(b), np.ravel(self.mean_precision_), np.ravel(dof), np.ravel(self.means_),
            np.ravel(self.covariances_))

    def _check_parameters(self, X):
        super()._check_parameters(X)
        choice("weight_concentration_prior_type", self.weight_concentration_prior_type, _WEIGHT_PRIORS)
        for name in ("weight_concentration_prior", "mean_precision_prior", "degrees_of_freedom_prior"):
            self._check_real(name, 0.0, closed=False, allow_none=True)
        if X.shape[0] < 2:
            raise ValueError(f"Expected n_samples >= 2 (the default priors need the data's covariance) but got "
                             f"n_samples = {X.shape[0]}")

    def _covariance_prior(self, d):
        """covariance_prior in the covariance type's shape: full and tied (d, d), diag (d,), spherical a number."""
        shape = {"full": (d, d), "tied": (d, d), "diag": (d,), "spherical": ()}[self.covariance_type]
        if shape == ():
            v = self.covariance_prior
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise ValueError(f"covariance_prior must be a positive number for covariance_type 'spherical', "
                                 f"not {v!r}")
            return np.array([float(v)])
        return _array(f"{self.covariance_type} covariance_prior", self.covariance_prior, shape)


def _array(name, value, shape):
    """value as a flat float64 array, or ValueError naming it when its shape is not `shape`."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers of shape {shape}") from None
    if a.shape != tuple(shape):
        raise ValueError(f"The parameter '{name}' should have the shape of {tuple(shape)}, but got {a.shape}")
    return np.ravel(a)
