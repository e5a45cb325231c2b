#!/usr/bin/env python3
"""Variational Bayes per-iteration time: scikit-learn BayesianGaussianMixture against
`manychains vb`, same data, same initial responsibilities, fixed iterations (tol = 0).

    python3 bench/vb_vs_sklearn.py --cli build/dev/manychains --n 100000 --n 1000000 [--iters 3]

Both start from the same responsibilities (an .npy file handed to sklearn in place of its own
initialisation), so neither's initialisation is timed. scikit-learn's per-iteration time is the
difference of two fits with different max_iter divided by the difference of iterations;
manychains' is its vb.json per_iteration_s (E-step, Σ r log r, scatter and M-step wall time over the
fit divided by the iterations), and also the same difference of two runs' wall times. CPU seconds
per iteration (all threads) are reported too: on a shared machine wall times mislead. The last
lower bounds of the two agree (float64), which the rows show.
"""
import argparse
import json
import os
import resource
import subprocess
import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture


def make_data(n, d, k, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + rng.normal(size=(n, d)) * rng.uniform(0.5, 1.5, size=(k, 1))[labels]
    resp = rng.random(size=(n, k))
    resp /= resp.sum(axis=1, keepdims=True)
    return x, resp


def sklearn_fit(x, resp, iters, weight_type):
    b = BayesianGaussianMixture(n_components=resp.shape[1], covariance_type="full", tol=0.0, max_iter=iters,
                                reg_covar=1e-6, weight_concentration_prior_type=weight_type)
    b._initialize_parameters = lambda X, random_state, xp=None: b._initialize(X, resp)
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b.fit(x)
    return time.perf_counter() - t, time.process_time() - c, b


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli_fit(args, paths, iters, out):
    cmd = [args.cli, "vb", paths["data"], "--components", str(args.k), "--tol", "0", "--max-iter", str(iters),
           "--init-responsibilities", paths["resp"], "--weight-prior-type", args.weight_prior_type,
           "--device", args.device, "--precision", args.precision, "--quiet", "--out", out]
    t, c = time.perf_counter(), children_cpu()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t, children_cpu() - c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/dev/manychains")
    ap.add_argument("--n", type=int, action="append")
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="double")
    ap.add_argument("--weight-prior-type", default="dirichlet_distribution")
    args = ap.parse_args()
    rows = []
    for n in args.n or [100000]:
        x, resp = make_data(n, args.d, args.k, 1)
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, a in dict(data=x, resp=resp).items():
                paths[name] = os.path.join(tmp, name + ".npy")
                np.save(paths[name], a)
            t_short, c_short, _ = sklearn_fit(x, resp, 1, args.weight_prior_type)
            t_long, c_long, b = sklearn_fit(x, resp, 1 + args.iters, args.weight_prior_type)
            sk_iter = (t_long - t_short) / args.iters
            sk_cpu = (c_long - c_short) / args.iters
            out = os.path.join(tmp, "out")
            w_short, mc_c_short = cli_fit(args, paths, 1, out)
            w_long, mc_c_long = cli_fit(args, paths, 1 + args.iters, out)
            with open(os.path.join(out, "vb.json")) as f:
                res = json.load(f)
        mc_iter = res["timings"]["per_iteration_s"]
        mc_wall_iter = (w_long - w_short) / args.iters
        mc_cpu = (mc_c_long - mc_c_short) / args.iters
        row = dict(n=n, d=args.d, k=args.k, iterations=args.iters, weight_prior_type=args.weight_prior_type,
                   sklearn_s_per_iter=sk_iter, manychains_s_per_iter=mc_iter, speedup=sk_iter / mc_iter,
                   manychains_wall_diff_s_per_iter=mc_wall_iter,
                   sklearn_cpu_s_per_iter=sk_cpu, manychains_cpu_s_per_iter=mc_cpu, cpu_speedup=sk_cpu / mc_cpu,
                   device=res["device"], precision=args.precision,
                   lower_bound_sklearn=float(np.asarray(b.lower_bounds_[-1]).item()),
                   lower_bound_manychains=res["lower_bound_trace"][-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    main()
