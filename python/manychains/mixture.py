"""manychains.GaussianMixture: scikit-learn's GaussianMixture, fitted by manychains' EM (CPU or GPU)."""
import warnings

import numpy as np

from . import _core
from ._mixture_base import NOT_CONVERGED, ConvergenceWarning, MixtureBase, precisions_from_cholesky

__all__ = ["GaussianMixture"]


class GaussianMixture(MixtureBase):
    """A Gaussian mixture fitted by EM, with scikit-learn's ``GaussianMixture`` parameters,
    methods and fitted attributes (``weights_``, ``means_``, ``covariances_``, ``precisions_``,
    ``precisions_cholesky_``, ``converged_``, ``n_iter_``, ``lower_bound_``, ``n_features_in_``).

    From the same initial parameters (``weights_init``, ``means_init``, ``precisions_init``) the
    fit equals scikit-learn's to rounding (1e-8 is tested), including when it stops: ``tol`` on the
    change of the mean log-likelihood, ``n_iter_`` and ``lower_bound_`` as scikit-learn counts
    them. ``init_params`` "kmeans" seeds by k-means++ and a few Lloyd steps of manychains' own,
    so from the same ``random_state`` the starts differ from scikit-learn's. Extra parameters:
    ``device`` ("auto": a GPU when usable, "cpu", "cuda") and ``precision`` ("double", "float").
    """

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100, n_init=1,
                 init_params="kmeans", weights_init=None, means_init=None, precisions_init=None, random_state=None,
                 warm_start=False, verbose=0, verbose_interval=10, device="auto", precision="double"):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.device = device
        self.precision = precision

    # ---- fitting --------------------------------------------------------------------------------

    def fit_predict(self, X, y=None):
        """Fits, then returns the most probable component of each row of X."""
        X = self._validate(X, reset=True)
        self._check_parameters(X)
        opts = self._common_options()
        if self.warm_start and hasattr(self, "converged_"):
            opts.update(n_init=1, weights_init=self.weights_, means_init=self.means_, covariances_init=self.covariances_)
        else:
            if self.weights_init is not None:
                opts["weights_init"] = np.asarray(self.weights_init, dtype=np.float64)
            if self.means_init is not None:
                opts["means_init"] = np.asarray(self.means_init, dtype=np.float64)
            if self.precisions_init is not None:
                opts["covariances_init"] = _inverse(np.asarray(self.precisions_init, dtype=np.float64),
                                                    self.covariance_type)
        for key in ("weights_init", "means_init", "covariances_init"):
            if key in opts:
                opts[key] = np.ravel(opts[key])
        fit = _core.mixture_fit(X, opts, self._verbose_callback("mean log-likelihood"))
        trace = fit["trace"]
        converged, n_iter = fit["converged"], fit["n_iter"]
        # scikit-learn's loop tests the change of the bound one E-step later than the library's: the
        # library stops at the parameters whose log-likelihood barely changed, scikit-learn after
        # one more M-step from them, with that log-likelihood as lower_bound_.
        if converged and n_iter < self.max_iter:
            lower_bound = trace[-1]
            fit = _core.mixture_fit(X, dict(opts, n_init=1, max_iter=1, tol=0.0, weights_init=np.ravel(fit["weights"]),
                                            means_init=np.ravel(fit["means"]),
                                            covariances_init=np.ravel(fit["covariances"])), None)
            n_iter += 1
        else:
            converged = False
            lower_bound = trace[-2] if len(trace) >= 2 else trace[-1]
        self.weights_ = fit["weights"]
        self.means_ = fit["means"]
        self.covariances_ = fit["covariances"]
        self.precisions_cholesky_ = fit["precisions_cholesky"]
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, self.covariance_type)
        self.converged_ = bool(converged)
        self.n_iter_ = int(n_iter)
        self.lower_bound_ = float(lower_bound)
        self.device_ = fit["device"]
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(NOT_CONVERGED, ConvergenceWarning)
        return self._labels(X)

    # ---- prediction (the rest in MixtureBase) ----------------------------------------------------

    def bic(self, X):
        """Bayesian information criterion on X (lower is better)."""
        return float(self._evaluate("bic", X))

    def aic(self, X):
        """Akaike information criterion on X (lower is better)."""
        return float(self._evaluate("aic", X))

    # ---- helpers --------------------------------------------------------------------------------

    def _core_evaluate(self, what, X):
        return _core.mixture_evaluate(what, X, self.covariance_type, *self._params())

    def _params(self):
        return np.ravel(self.weights_), np.ravel(self.means_), np.ravel(self.covariances_)


def _inverse(precisions, covariance_type):
    """Covariances from precisions (precisions_init), in the covariance type's shape."""
    if covariance_type in ("full", "tied"):
        return np.linalg.inv(precisions)
    return 1.0 / precisions
