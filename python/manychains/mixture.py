"""manychains.GaussianMixture: scikit-learn's GaussianMixture, fitted by manychains' EM (CPU or GPU)."""
import numbers
import sys
import warnings

import numpy as np

from . import _core
from ._checks import choice

try:  # scikit-learn's estimator machinery when it is installed (clone, pipelines, estimator checks)
    from sklearn.base import BaseEstimator, DensityMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.validation import check_is_fitted, validate_data

    _HAVE_SKLEARN = True
except ImportError:  # a minimal stand-in: get_params / set_params and plain input checks
    _HAVE_SKLEARN = False

    class ConvergenceWarning(UserWarning):
        pass

    class DensityMixin:
        pass

    class BaseEstimator:
        def get_params(self, deep=True):
            import inspect

            names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
            return {n: getattr(self, n) for n in names}

        def set_params(self, **params):
            for k, v in params.items():
                if k not in self.get_params():
                    raise ValueError(f"Invalid parameter {k!r} for estimator {type(self).__name__}")
                setattr(self, k, v)
            return self

        def __repr__(self):
            return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

__all__ = ["GaussianMixture"]

_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_INITS = ("kmeans", "k-means++", "random", "random_from_data")


class GaussianMixture(DensityMixin, BaseEstimator):
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

    def fit(self, X, y=None):
        """Estimates the parameters by EM (n_init starts, the best kept); returns self."""
        self.fit_predict(X, y)
        return self

    def fit_predict(self, X, y=None):
        """Fits, then returns the most probable component of each row of X."""
        X = self._validate(X, reset=True)
        self._check_parameters(X)
        opts = dict(n_components=int(self.n_components), covariance_type=self.covariance_type, tol=float(self.tol),
                    reg_covar=float(self.reg_covar), max_iter=int(self.max_iter), n_init=int(self.n_init),
                    init_params="kmeans" if self.init_params == "kmeans" else self.init_params,
                    seed=self._seed(), device=self.device, precision=self.precision)
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
        fit = _core.mixture_fit(X, opts, self._verbose_callback())
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
        self.precisions_ = _precisions(self.precisions_cholesky_, self.covariance_type)
        self.converged_ = bool(converged)
        self.n_iter_ = int(n_iter)
        self.lower_bound_ = float(lower_bound)
        self.device_ = fit["device"]
        if not self.converged_ and self.max_iter > 0:
            warnings.warn("Best performing initialization did not converge. Try different init parameters, or "
                          "increase max_iter, tol, or check for degenerate data.", ConvergenceWarning)
        return self._labels(X)

    # ---- prediction -----------------------------------------------------------------------------

    def predict_proba(self, X):
        """Responsibilities: the probability of each component for each row of X, (n, K)."""
        return self._evaluate("proba", X)

    def predict(self, X):
        """The most probable component of each row of X."""
        return self._labels(self._validate(X, reset=False))

    def score_samples(self, X):
        """log p(x) of each row of X."""
        return self._evaluate("score_samples", X)

    def score(self, X, y=None):
        """The mean log-likelihood per row of X."""
        return float(self.score_samples(X).mean())

    def bic(self, X):
        """Bayesian information criterion on X (lower is better)."""
        return float(self._evaluate("bic", X))

    def aic(self, X):
        """Akaike information criterion on X (lower is better)."""
        return float(self._evaluate("aic", X))

    def sample(self, n_samples=1):
        """n_samples draws from the fitted mixture: (X, component labels), grouped by component as
        scikit-learn orders them."""
        self._check_fitted()
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"Invalid value for 'n_samples': {n_samples} . The sampling requires at least one sample.")
        x, labels = _core.mixture_sample(int(n_samples), self._seed(), self.covariance_type, *self._params())
        order = np.argsort(labels, kind="stable")
        return x[order], labels[order].astype(np.int64)

    # ---- helpers --------------------------------------------------------------------------------

    def _labels(self, X):
        return self._core_evaluate("proba", X).argmax(axis=1)

    def _evaluate(self, what, X):
        return self._core_evaluate(what, self._validate(X, reset=False))

    def _core_evaluate(self, what, X):
        return _core.mixture_evaluate(what, X, self.covariance_type, *self._params())

    def _params(self):
        return np.ravel(self.weights_), np.ravel(self.means_), np.ravel(self.covariances_)

    def _check_fitted(self):
        if _HAVE_SKLEARN:
            check_is_fitted(self, "means_")
        elif not hasattr(self, "means_"):
            raise AttributeError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' first.")

    def _validate(self, X, reset):
        if not reset:
            self._check_fitted()
        if _HAVE_SKLEARN:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=1)
        else:
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"Expected 2D array, got {X.ndim}D array instead")
            if not np.all(np.isfinite(X)):
                raise ValueError("Input X contains NaN or infinity.")
            if reset:
                self.n_features_in_ = X.shape[1]
            elif X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                                 f"{self.n_features_in_} features as input.")
        return np.ascontiguousarray(X, dtype=np.float64)

    def _check_parameters(self, X):
        choice("covariance_type", self.covariance_type, _COVARIANCE_TYPES)
        choice("init_params", self.init_params, _INITS)
        choice("device", self.device, ("auto", "cpu", "cuda"))
        choice("precision", self.precision, ("double", "float"))
        for name, low in (("n_components", 1), ("max_iter", 1), ("n_init", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be an int in the range "
                                 f"[{low}, inf). Got {v!r} instead.")
        for name in ("tol", "reg_covar"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v >= 0:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be a float in the range "
                                 f"[0.0, inf). Got {v!r} instead.")
        if X.shape[0] < self.n_components:
            raise ValueError(f"Expected n_samples >= n_components but got n_components = {self.n_components}, "
                             f"n_samples = {X.shape[0]}")

    def _seed(self):
        rs = self.random_state
        if rs is None:
            return int(np.random.default_rng().integers(2**63))
        if isinstance(rs, numbers.Integral):
            return int(rs) % 2**64
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(np.iinfo(np.int32).max))
        if isinstance(rs, np.random.Generator):
            return int(rs.integers(2**63))
        raise ValueError(f"random_state must be None, an int, a RandomState or a Generator, not {rs!r}")

    def _verbose_callback(self):
        if not self.verbose:
            return None
        every = max(1, int(self.verbose_interval))

        def report(restart, iteration, mean_ll, change):
            if iteration % every == 0 or self.verbose >= 2:
                print(f"  Iteration {iteration} (init {restart + 1}): mean log-likelihood {mean_ll:.6f}, "
                      f"change {change:.3g}", file=sys.stderr)

        return report

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _inverse(precisions, covariance_type):
    """Covariances from precisions (precisions_init), in the covariance type's shape."""
    if covariance_type in ("full", "tied"):
        return np.linalg.inv(precisions)
    return 1.0 / precisions


def _precisions(prec_chol, covariance_type):
    """precisions_ from the upper-triangular factors U (precision = U Uᵀ) or 1/σ."""
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if covariance_type == "tied":
        return prec_chol @ prec_chol.T
    return prec_chol**2
