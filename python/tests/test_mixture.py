"""manychains.GaussianMixture against scikit-learn: its estimator checks, and the same fit from the
same initial parameters (to 1e-8; rounding differs only in summation order)."""
import warnings

import numpy as np
import pytest

import manychains as mc

sklearn = pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import GaussianMixture as SkGaussianMixture  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


@parametrize_with_checks([mc.GaussianMixture(device="cpu")])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def data():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(0, 1, (200, 3)), rng.normal(3, 0.5, (150, 3)), rng.normal(-3, 2, (100, 3))])


def initial(X, covariance_type):
    """Initial weights, means and precisions, from a one-step scikit-learn fit (any valid ones do)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = SkGaussianMixture(3, covariance_type=covariance_type, max_iter=1, random_state=1).fit(X)
    return dict(weights_init=[0.3, 0.3, 0.4], means_init=X[[0, 250, 420]], precisions_init=start.precisions_)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("tol, max_iter", [(0.0, 25), (1e-3, 200)])
def test_fit_equals_sklearn_from_the_same_start(covariance_type, tol, max_iter):
    X = data()
    init = initial(X, covariance_type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SkGaussianMixture(3, covariance_type=covariance_type, tol=tol, max_iter=max_iter, **init).fit(X)
        ours = mc.GaussianMixture(3, covariance_type=covariance_type, tol=tol, max_iter=max_iter, device="cpu",
                                  **init).fit(X)
    assert (ours.n_iter_, ours.converged_) == (ref.n_iter_, ref.converged_)
    for attr in ("weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(ref, attr), rtol=1e-8, atol=1e-10, err_msg=attr)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-10)
    assert ours.score(X) == pytest.approx(ref.score(X), rel=1e-10)
    assert ours.bic(X) == pytest.approx(ref.bic(X), rel=1e-10)
    assert ours.aic(X) == pytest.approx(ref.aic(X), rel=1e-10)


def test_kmeans_start_finds_the_clusters_and_samples():
    X = data()
    gm = mc.GaussianMixture(3, random_state=0, n_init=2, device="cpu").fit(X)
    assert gm.converged_
    np.testing.assert_allclose(np.sort(gm.means_[:, 0]), [-3, 0, 3], atol=0.5)
    ref = SkGaussianMixture(3, random_state=0, n_init=2).fit(X)
    assert gm.score(X) == pytest.approx(ref.score(X), abs=1e-3)  # the same optimum
    x, labels = gm.sample(1000)
    assert x.shape == (1000, 3) and set(labels) <= {0, 1, 2} and np.all(np.diff(labels) >= 0)


def test_warm_start_continues():
    X = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = mc.GaussianMixture(3, random_state=0, max_iter=2, warm_start=True, device="cpu").fit(X)
        first = a.lower_bound_
        a.fit(X)
    assert a.lower_bound_ >= first - 1e-12


def test_bad_input():
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        mc.GaussianMixture(5).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        mc.GaussianMixture(covariance_type="nosuch").fit(data())
    with pytest.raises(ValueError, match="initial weights"):
        mc.GaussianMixture(3, weights_init=[1.0]).fit(data())
