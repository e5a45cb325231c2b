#!/usr/bin/env python3
"""EM per-iteration time: scikit-learn GaussianMixture against `manychains em`, same data, same
initial parameters, fixed iterations (tol = 0).

    python3 bench/em_vs_sklearn.py --cli build/em/manychains --n 100000 [--n 1000000] [--device cpu]

Both start from the same weights/means/covariances (.npy files), so neither's initialisation is
timed. scikit-learn's per-iteration time is the difference of two fits with different max_iter
divided by the difference of iterations; manychains' is its gmm.json per_iteration_s (E-step and
M-step wall time over the fit divided by the iterations). On a shared, oversubscribed machine
wall times mislead, so the script also reports CPU seconds per iteration (all threads), from the
difference of two runs of each tool with different iteration counts.
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
from sklearn.mixture import GaussianMixture


def make_data(n, d, k, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + rng.normal(size=(n, d)) * rng.uniform(0.5, 1.5, size=(k, 1))[labels]
    init_idx = rng.choice(n, size=k, replace=False)
    return x, np.full(k, 1.0 / k), x[init_idx].copy(), np.stack([np.eye(d) * 4.0] * k)


def sklearn_fit(x, w, m, c, iters):
    gm = GaussianMixture(n_components=len(w), covariance_type="full", tol=0.0, max_iter=iters,
                         init_params="random", weights_init=w, means_init=m,
                         precisions_init=np.linalg.inv(c), reg_covar=1e-6)
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(x)
    return time.perf_counter() - t, time.process_time() - c, gm


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cli_fit(args, paths, iters, out):
    cmd = [args.cli, "em", paths["data"], "--components", str(args.k), "--tol", "0", "--max-iter", str(iters),
           "--init-weights", paths["w"], "--init-means", paths["m"], "--init-covariances", paths["c"],
           "--device", args.device, "--precision", args.precision, "--quiet", "--out", out]
    t, c = time.perf_counter(), children_cpu()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t, children_cpu() - c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/em/manychains")
    ap.add_argument("--n", type=int, action="append")
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="double")
    args = ap.parse_args()
    rows = []
    for n in args.n or [100000]:
        x, w, m, c = make_data(n, args.d, args.k, 1)
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, a in dict(data=x, w=w, m=m, c=c).items():
                paths[name] = os.path.join(tmp, name + ".npy")
                np.save(paths[name], a)
            t_short, c_short, _ = sklearn_fit(x, w, m, c, 2)
            t_long, c_long, gm = sklearn_fit(x, w, m, c, 2 + args.iters)
            sk_iter = (t_long - t_short) / args.iters
            sk_cpu = (c_long - c_short) / args.iters
            out = os.path.join(tmp, "out")
            _, mc_c_short = cli_fit(args, paths, 2, out)
            wall, mc_c_long = cli_fit(args, paths, 2 + args.iters, out)
            mc_cpu = (mc_c_long - mc_c_short) / args.iters
            with open(os.path.join(out, "gmm.json")) as f:
                res = json.load(f)
        mc_iter = res["timings"]["per_iteration_s"]
        # Same start, same iterations: the final log-likelihoods agree (float64).
        ll_sk = gm.score(x)
        row = dict(n=n, d=args.d, k=args.k, iterations=args.iters, sklearn_s_per_iter=sk_iter,
                   manychains_s_per_iter=mc_iter, speedup=sk_iter / mc_iter, manychains_wall_s=wall,
                   sklearn_cpu_s_per_iter=sk_cpu, manychains_cpu_s_per_iter=mc_cpu, cpu_speedup=sk_cpu / mc_cpu,
                   device=res["device"], precision=args.precision,
                   ll_sklearn=ll_sk, ll_manychains=res["mean_log_likelihood"])
        rows.append(row)
        print(json.dumps(row))
    return rows


if __name__ == "__main__":
    main()
