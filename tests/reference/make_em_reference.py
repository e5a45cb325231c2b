#!/usr/bin/env python3
"""Reference values for tests/em_test.cpp and tests/em_cli_test.cpp from scikit-learn's
GaussianMixture (run once; the outputs are checked in under tests/data/em/).

For each covariance type: the same data, the same initial weights/means/covariances, tol = 0, and
the mean log-likelihood per sample at the initial parameters and after each of ITERS iterations
(sklearn's `score` after fitting with max_iter = n), plus the final parameters.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "em")
ITERS = 12
rng = np.random.default_rng(20261125)

# Overlapping 3-component mixture in 3-D, offset from the origin so centring matters.
n, d, K = 240, 3, 3
true_means = np.array([[0.0, 0.0, 0.0], [2.0, 1.0, -1.0], [-1.5, 2.0, 1.0]]) + 5.0
labels = rng.integers(0, K, size=n)
A = rng.normal(size=(K, d, d)) * 0.5 + np.eye(d)
X = np.stack([true_means[k] + A[k] @ rng.normal(size=d) for k in labels])
np.savetxt(os.path.join(OUT, "ref_data.csv"), X, delimiter=",", header="a,b,c", comments="", fmt="%.17g")

# Deliberately poor starting values, so EM moves for many iterations.
w0 = np.array([0.5, 0.3, 0.2])
m0 = X[[0, 1, 2]] + rng.normal(size=(K, d)) * 0.3
B = rng.normal(size=(K, d, d)) * 0.3 + np.eye(d)
cov_full = np.einsum("kij,klj->kil", B, B) + 0.5 * np.eye(d)
inits = {
    "full": cov_full,
    "tied": cov_full[0],
    "diag": np.stack([np.diag(c) for c in cov_full]),
    "spherical": np.array([np.trace(c) / d for c in cov_full]),
}


def precisions(kind, cov):
    if kind in ("full",):
        return np.linalg.inv(cov)
    if kind == "tied":
        return np.linalg.inv(cov)
    return 1.0 / cov


np.save(os.path.join(OUT, "ref_init_weights.npy"), w0)
np.save(os.path.join(OUT, "ref_init_means.npy"), m0)
for kind, cov in inits.items():
    np.save(os.path.join(OUT, f"ref_init_covariances_{kind}.npy"), cov)
    trace = []
    for it in range(1, ITERS + 1):
        gm = GaussianMixture(n_components=K, covariance_type=kind, tol=0.0, max_iter=it, reg_covar=1e-6,
                             weights_init=w0, means_init=m0, precisions_init=precisions(kind, cov))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(X)
        if it == 1:
            trace.append(float(gm.lower_bound_))  # the E-step at the initial parameters
        trace.append(float(gm.score(X)))
    ref = {
        "sklearn_version": sklearn.__version__,
        "covariance_type": kind,
        "n_components": K,
        "iterations": ITERS,
        "reg_covar": 1e-6,
        "log_likelihood_trace": trace,
        "weights": gm.weights_.tolist(),
        "means": gm.means_.tolist(),
        "covariances": np.asarray(gm.covariances_).tolist(),
        "bic": float(gm.bic(X)),
        "aic": float(gm.aic(X)),
        "predict": gm.predict(X[:10]).tolist(),
        "score_samples": gm.score_samples(X[:10]).tolist(),
    }
    with open(os.path.join(OUT, f"ref_{kind}.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(kind, trace[0], trace[-1])
