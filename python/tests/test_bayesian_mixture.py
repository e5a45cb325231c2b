"""manychains.BayesianGaussianMixture against scikit-learn: the same fit from the same initial
responsibilities (to 1e-8) for every covariance type and weight prior, on synthetic data and iris;
its estimator checks; one-line errors."""
import warnings

import numpy as np
import pytest

import manychains as mc

sklearn = pytest.importorskip("sklearn")
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import BayesianGaussianMixture as SkBayesianGaussianMixture  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
WEIGHT_PRIORS = ["dirichlet_process", "dirichlet_distribution"]


@parametrize_with_checks([mc.BayesianGaussianMixture(device="cpu")])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def synthetic():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(0, 1, (200, 3)), rng.normal(3, 0.5, (150, 3)), rng.normal(-3, 2, (100, 3))])


def iris():
    return load_iris().data


def sklearn_start(X, K, init_params, seed):
    """The responsibilities scikit-learn's _initialize_parameters computes for init_params and an
    int random_state (its "random": uniform rows, normalised; its "kmeans": one KMeans run's labels)."""
    if init_params == "random":
        r = np.random.RandomState(seed).uniform(size=(len(X), K))
        return r / r.sum(axis=1, keepdims=True)
    labels = KMeans(n_clusters=K, n_init=1, random_state=seed).fit(X).labels_
    return np.eye(K)[labels]


def assert_close(ours, ref, name):
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("weight_prior", WEIGHT_PRIORS)
@pytest.mark.parametrize("dataset, K, init_params", [(synthetic, 5, "random"), (iris, 4, "kmeans")])
def test_fit_equals_sklearn_from_the_same_start(covariance_type, weight_prior, dataset, K, init_params):
    X = dataset()
    kw = dict(n_components=K, covariance_type=covariance_type, weight_concentration_prior_type=weight_prior,
              max_iter=300)
    ref = SkBayesianGaussianMixture(init_params=init_params, random_state=3, **kw)
    ref_labels = ref.fit_predict(X)
    ours = mc.BayesianGaussianMixture(resp_init=sklearn_start(X, K, init_params, 3), device="cpu", **kw)
    labels = ours.fit_predict(X)
    assert (ours.n_iter_, ours.converged_) == (ref.n_iter_, True)
    assert ref.converged_
    for attr in ("weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_", "mean_precision_",
                 "degrees_of_freedom_", "weight_concentration_prior_", "mean_precision_prior_", "mean_prior_",
                 "degrees_of_freedom_prior_", "covariance_prior_"):
        assert np.shape(getattr(ours, attr)) == np.shape(getattr(ref, attr)), attr
        assert_close(getattr(ours, attr), getattr(ref, attr), attr)
    if weight_prior == "dirichlet_process":
        assert isinstance(ours.weight_concentration_, tuple)
        for ours_part, ref_part in zip(ours.weight_concentration_, ref.weight_concentration_):
            assert_close(ours_part, ref_part, "weight_concentration_")
    else:
        assert_close(ours.weight_concentration_, ref.weight_concentration_, "weight_concentration_")
    assert_close(ours.lower_bounds_, np.ravel(ref.lower_bounds_), "lower_bounds_")
    assert ours.lower_bound_ == pytest.approx(float(np.ravel(ref.lower_bound_)[0]), rel=1e-10)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-10)
    assert ours.score(X) == pytest.approx(ref.score(X), rel=1e-10)


def test_given_priors_equal_sklearn():
    X = synthetic()
    kw = dict(n_components=4, covariance_type="full", weight_concentration_prior_type="dirichlet_distribution",
              weight_concentration_prior=1e-2, mean_precision_prior=0.5, mean_prior=[1.0, 0.0, -1.0],
              degrees_of_freedom_prior=5.0, covariance_prior=np.diag([1.0, 2.0, 0.5]), tol=0.0, max_iter=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SkBayesianGaussianMixture(init_params="random", random_state=7, **kw).fit(X)
        ours = mc.BayesianGaussianMixture(resp_init=sklearn_start(X, 4, "random", 7), device="cpu", **kw).fit(X)
    assert (ours.n_iter_, ours.converged_) == (ref.n_iter_, ref.converged_) == (15, False)
    for attr in ("weights_", "means_", "covariances_", "weight_concentration_", "lower_bounds_"):
        assert_close(getattr(ours, attr), np.ravel(getattr(ref, attr)) if attr == "lower_bounds_"
                     else getattr(ref, attr), attr)


def test_unneeded_components_get_little_weight():
    X = synthetic()  # three clusters
    vb = mc.BayesianGaussianMixture(n_components=8, weight_concentration_prior=1e-3, random_state=0, max_iter=500,
                                    device="cpu").fit(X)
    assert vb.converged_
    assert np.sum(vb.weights_ > 0.05) == 3
    np.testing.assert_allclose(np.sort(vb.means_[vb.weights_ > 0.05, 0]), [-3, 0, 3], atol=0.5)
    x, labels = vb.sample(500)
    assert x.shape == (500, 3) and np.all(np.diff(labels) >= 0)


def test_warm_start_continues():
    X = synthetic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vb = mc.BayesianGaussianMixture(n_components=3, max_iter=3, warm_start=True, random_state=0,
                                        device="cpu").fit(X)
        first = vb.lower_bound_
        vb.fit(X)
    assert vb.lower_bound_ > first


@pytest.mark.parametrize("params, X, message", [
    (dict(n_components=5), np.zeros((3, 2)), "n_samples >= n_components"),
    (dict(covariance_type="nosuch"), None, "covariance_type must be one of"),
    (dict(weight_concentration_prior_type="dirichlet"), None, "weight_concentration_prior_type must be one of"),
    (dict(weight_concentration_prior=0.0), None, "'weight_concentration_prior' parameter"),
    (dict(degrees_of_freedom_prior=1.5), None, "degrees-of-freedom prior must be greater than"),
    (dict(mean_prior=[0.0, 1.0]), None, "'mean_prior' should have the shape of \\(3,\\)"),
    (dict(covariance_prior=np.eye(2)), None, "'full covariance_prior' should have the shape of \\(3, 3\\)"),
    (dict(covariance_prior=-np.eye(3)), None, "positive definite"),
    (dict(covariance_type="diag", covariance_prior=[1.0, -1.0, 1.0]), None, "positive"),
    (dict(n_components=2, resp_init=np.ones((10, 2))), None, "'resp_init' should have the shape of \\(450, 2\\)"),
    (dict(n_components=2, resp_init=-np.ones((450, 2))), None, "non-negative"),
])
def test_bad_input_raises_one_line(params, X, message):
    with pytest.raises(ValueError, match=message) as raised:
        mc.BayesianGaussianMixture(device="cpu", **params).fit(synthetic() if X is None else X)
    assert "\n" not in str(raised.value)
