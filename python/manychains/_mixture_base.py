"""What manychains' scikit-learn mixtures (GaussianMixture, BayesianGaussianMixture) share: input
and parameter checks with scikit-learn's messages, seeds, progress lines, prediction through the
C++ model rebuilt from the fitted arrays, and draws from the fitted mixture."""
import numbers
import sys

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

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INITS = ("kmeans", "k-means++", "random", "random_from_data")
NOT_CONVERGED = ("Best performing initialization did not converge. Try different init parameters, or increase "
                 "max_iter, tol, or check for degenerate data.")


class MixtureBase(DensityMixin, BaseEstimator):
    """The methods both mixtures share; a subclass provides fit_predict and _core_evaluate(what, X)."""

    def fit(self, X, y=None):
        """Estimates the parameters (n_init starts, the best kept); returns self."""
        self.fit_predict(X, y)
        return self

    # ---- prediction -----------------------------------------------------------------------------

    def predict_proba(self, X):
        """Responsibilities: the probability of each component for each row of X, (n, K)."""
        return self._evaluate("proba", X)

    def predict(self, X):
        """The most probable component of each row of X."""
        return self._labels(self._validate(X, reset=False))

    def score_samples(self, X):
        """The log of the responsibilities' normaliser of each row of X (log p(x) for EM)."""
        return self._evaluate("score_samples", X)

    def score(self, X, y=None):
        """The mean of score_samples over the rows of X."""
        return float(self.score_samples(X).mean())

    def sample(self, n_samples=1):
        """n_samples draws from the mixture (weights_, means_, covariances_): (X, component labels),
        grouped by component as scikit-learn orders them."""
        self._check_fitted()
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"Invalid value for 'n_samples': {n_samples} . The sampling requires at least one sample.")
        x, labels = _core.mixture_sample(int(n_samples), self._seed(), self.covariance_type,
                                         np.ravel(self.weights_), np.ravel(self.means_), np.ravel(self.covariances_))
        order = np.argsort(labels, kind="stable")
        return x[order], labels[order].astype(np.int64)

    # ---- helpers --------------------------------------------------------------------------------

    def _labels(self, X):
        return self._core_evaluate("proba", X).argmax(axis=1)

    def _evaluate(self, what, X):
        return self._core_evaluate(what, self._validate(X, reset=False))

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
        choice("covariance_type", self.covariance_type, COVARIANCE_TYPES)
        choice("init_params", self.init_params, INITS)
        choice("device", self.device, ("auto", "cpu", "cuda"))
        choice("precision", self.precision, ("double", "float"))
        for name, low in (("n_components", 1), ("max_iter", 1), ("n_init", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
                raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be an int in the range "
                                 f"[{low}, inf). Got {v!r} instead.")
        for name in ("tol", "reg_covar"):
            self._check_real(name, 0.0, closed=True)
        if X.shape[0] < self.n_components:
            raise ValueError(f"Expected n_samples >= n_components but got n_components = {self.n_components}, "
                             f"n_samples = {X.shape[0]}")

    def _check_real(self, name, low, closed, allow_none=False):
        v = getattr(self, name)
        if v is None and allow_none:
            return
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (v >= low if closed else v > low):
            kind = "None or a float" if allow_none else "a float"
            raise ValueError(f"The '{name}' parameter of {type(self).__name__} must be {kind} in the range "
                             f"{'[' if closed else '('}{low}, inf). Got {v!r} instead.")

    def _common_options(self):
        """The options of _core's fits that both mixtures take."""
        return dict(n_components=int(self.n_components), covariance_type=self.covariance_type, tol=float(self.tol),
                    reg_covar=float(self.reg_covar), max_iter=int(self.max_iter), n_init=int(self.n_init),
                    init_params=self.init_params, seed=self._seed(), device=self.device, precision=self.precision)

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

    def _verbose_callback(self, quantity):
        """Prints `quantity` (what the fit maximises) every verbose_interval iterations."""
        if not self.verbose:
            return None
        every = max(1, int(self.verbose_interval))

        def report(restart, iteration, value, change):
            if iteration % every == 0 or self.verbose >= 2:
                print(f"  Iteration {iteration} (init {restart + 1}): {quantity} {value:.6f}, change {change:.3g}",
                      file=sys.stderr)

        return report

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def precisions_from_cholesky(prec_chol, covariance_type):
    """precisions_ from the upper-triangular factors U (precision = U Uᵀ) or 1/σ."""
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if covariance_type == "tied":
        return prec_chol @ prec_chol.T
    return prec_chol**2
