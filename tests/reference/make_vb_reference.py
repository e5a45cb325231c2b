#!/usr/bin/env python3
"""Reference values for tests/vb_test.cpp and tests/vb_cli_test.cpp from scikit-learn's
BayesianGaussianMixture (run once with /work/venv/bin/python; outputs checked in under
tests/data/vb/).

Data: a synthetic 3-component mixture in 3-D offset from the origin (synthetic.csv), and Fisher's
iris measurements as shipped with scikit-learn (sklearn.datasets.load_iris, iris.csv). Each data set
gets random initial responsibilities (init_resp_<data>.npy, rows normalised), which are handed to
sklearn in place of its own initialisation, so both fits start from the same place.

Cases: every covariance type with both weight priors (dirichlet_distribution and
dirichlet_process) at sklearn's default priors, and every covariance type with priors given
explicitly; tol = 0 and ITERS iterations. Each case records the lower bound after every
iteration (sklearn's `lower_bounds_`) and the fitted variational parameters.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "vb")
os.makedirs(OUT, exist_ok=True)
ITERS = 30
REG_COVAR = 1e-6
rng = np.random.default_rng(20261203)

# Synthetic: 3 overlapping clusters fitted with K = 4 (one more than there are), offset by +5.
n, d = 300, 3
true_means = np.array([[0.0, 0.0, 0.0], [3.0, 1.0, -1.0], [-2.0, 2.5, 1.0]]) + 5.0
labels = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
A = rng.normal(size=(3, d, d)) * 0.4 + np.eye(d)
synthetic = np.stack([true_means[k] + A[k] @ rng.normal(size=d) for k in labels])
iris = load_iris().data.astype(np.float64)

datasets = {"synthetic": (synthetic, 4, "a,b,c"),
            "iris": (iris, 5, "sepal_length,sepal_width,petal_length,petal_width")}


def explicit_priors(X, kind):
    """Priors unlike sklearn's defaults, in the shape each covariance type takes."""
    dd = X.shape[1]
    B = rng.normal(size=(dd, dd)) * 0.2
    full = B @ B.T + 0.8 * np.eye(dd)
    cov = {"full": full, "tied": full, "diag": np.diag(full).copy(), "spherical": float(np.trace(full) / dd)}[kind]
    return {"weight_concentration_prior": 0.05, "mean_precision_prior": 0.3,
            "mean_prior": (X.mean(axis=0) + 0.5).tolist(), "degrees_of_freedom_prior": dd + 1.5,
            "covariance_prior": cov}


def tolist(v):
    return np.asarray(v, dtype=np.float64).tolist()


cases = []
for name, (X, K, header) in datasets.items():
    np.savetxt(os.path.join(OUT, f"{name}.csv"), X, delimiter=",", header=header, comments="", fmt="%.17g")
    resp0 = rng.random(size=(X.shape[0], K))
    resp0 /= resp0.sum(axis=1, keepdims=True)
    np.save(os.path.join(OUT, f"init_resp_{name}.npy"), resp0)
    for kind in ["full", "tied", "diag", "spherical"]:
        variants = [("dirichlet_distribution", None), ("dirichlet_process", None)]
        if name == "synthetic":
            variants.append(("dirichlet_distribution", explicit_priors(X, kind)))
        for prior_type, priors in variants:
            kwargs = dict(priors or {})
            if "covariance_prior" in kwargs:
                kwargs["covariance_prior"] = np.asarray(kwargs["covariance_prior"]) if kind != "spherical" \
                    else kwargs["covariance_prior"]
            bgm = BayesianGaussianMixture(n_components=K, covariance_type=kind, tol=0.0, max_iter=ITERS,
                                          reg_covar=REG_COVAR, weight_concentration_prior_type=prior_type, **kwargs)
            # sklearn's own initialisation replaced by the given responsibilities.
            bgm._initialize_parameters = lambda X_, random_state, xp=None, b=bgm, r=resp0: b._initialize(X_, r)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                bgm.fit(X)
            wc = bgm.weight_concentration_
            case = {
                "data": name,
                "covariance_type": kind,
                "weight_concentration_prior_type": prior_type,
                "n_components": K,
                "iterations": ITERS,
                "reg_covar": REG_COVAR,
                "priors": None if priors is None else {k: (v if not isinstance(v, np.ndarray) else v.tolist())
                                                       for k, v in priors.items()},
                "resolved_priors": {
                    "weight_concentration_prior": float(bgm.weight_concentration_prior_),
                    "mean_precision_prior": float(bgm.mean_precision_prior_),
                    "mean_prior": tolist(bgm.mean_prior_),
                    "degrees_of_freedom_prior": float(bgm.degrees_of_freedom_prior_),
                    "covariance_prior": tolist(bgm.covariance_prior_),
                },
                "lower_bounds": [np.asarray(v).item() for v in bgm.lower_bounds_],
                "weights": tolist(bgm.weights_),
                "weight_concentration": [tolist(wc[0]), tolist(wc[1])] if isinstance(wc, tuple) else tolist(wc),
                "mean_precision": tolist(bgm.mean_precision_),
                "means": tolist(bgm.means_),
                "degrees_of_freedom": tolist(bgm.degrees_of_freedom_),
                "covariances": tolist(bgm.covariances_),
                "precisions_cholesky": tolist(bgm.precisions_cholesky_),
                "predict_proba_head": tolist(bgm.predict_proba(X[:10])),
            }
            cases.append(case)
            print(name, kind, prior_type, "explicit" if priors else "default", case["lower_bounds"][-1],
                  np.round(bgm.weights_, 3))

with open(os.path.join(OUT, "reference.json"), "w") as f:
    json.dump({"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
               "generator": "tests/reference/make_vb_reference.py", "cases": cases}, f, indent=1)
