#!/usr/bin/env python3
"""The Python package against the libraries its users would otherwise call, same data, same machine:
manychains.diagnostics.summary vs arviz.summary, and manychains.GaussianMixture vs
sklearn.mixture.GaussianMixture (the same initial parameters, tol = 0, fixed iterations).

    PYTHONPATH=build/dev/python python3 bench/python_vs_peers.py [--threads 1] [--out FILE.md]

Times are the best of --repeats runs, wall and CPU (all threads of the process); the numbers of
both sides are compared too (they must agree: summary to 1e-10 relative unrounded, the mixtures'
means to 1e-8). --threads sets OMP/OpenBLAS threads before numpy loads (default: the libraries'
own defaults). Writes a markdown table (with machine, date, commit) to --out, or prints it.
"""
import argparse
import os
import platform
import subprocess
import sys
import time
import warnings

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS and OPENBLAS_NUM_THREADS (default: unset)")
parser.add_argument("--repeats", type=int, default=3)
parser.add_argument("--params", type=int, nargs="+", default=[10, 100, 1000], help="summary: parameters")
parser.add_argument("--chains", type=int, default=4)
parser.add_argument("--draws", type=int, default=1000)
parser.add_argument("--n", type=int, nargs="+", default=[20000, 200000], help="mixture: data rows")
parser.add_argument("--out", help="append the markdown table to this file")
args = parser.parse_args()
if args.threads:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402

import arviz as az  # noqa: E402
import manychains as mc  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import GaussianMixture as SkGaussianMixture  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def best(fn):
    """(best wall s, best CPU s, the last result) over the repeats."""
    walls, cpus = [], []
    for _ in range(args.repeats):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), result


def ar1_draws(k, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(args.chains, args.draws, k))
    x = np.empty_like(z)
    x[:, 0] = z[:, 0]
    for t in range(1, args.draws):
        x[:, t] = 0.7 * x[:, t - 1] + np.sqrt(1 - 0.49) * z[:, t]
    return x


rows = []
for k in args.params:
    idata = az.from_dict(posterior={"theta": ar1_draws(k)})
    wa, ca, ref = best(lambda: az.summary(idata))
    wm, cm, ours = best(lambda: mc.diagnostics.summary(idata))
    diff = np.max(np.abs(mc.diagnostics.summary(idata, round_to="none").values
                         - az.summary(idata, round_to="none").values)
                  / np.maximum(1e-300, np.abs(az.summary(idata, round_to="none").values)))
    rows.append((f"summary, {args.chains} chains x {args.draws} draws x {k} parameters", wa, wm, ca, cm,
                 f"max rel diff {diff:.1e}"))


def mixture_data(n, d=8, k=8, seed=1):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + rng.normal(size=(n, d))
    init = dict(weights_init=np.full(k, 1.0 / k), means_init=x[rng.choice(n, k, replace=False)],
                precisions_init=np.stack([np.eye(d) / 4.0] * k))
    return x, init


for n in args.n:
    x, init = mixture_data(n)
    kw = dict(n_components=8, covariance_type="full", tol=0.0, max_iter=20, **init)
    wa, ca, ref = best(lambda: SkGaussianMixture(**kw).fit(x))
    wm, cm, ours = best(lambda: mc.GaussianMixture(device="cpu", **kw).fit(x))
    diff = np.max(np.abs(ours.means_ - ref.means_))
    rows.append((f"GaussianMixture.fit, n = {n}, d = 8, K = 8 full, 20 iterations", wa, wm, ca, cm,
                 f"max abs diff of means {diff:.1e}"))

commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
           platform.processor())
load = open("/proc/loadavg").read().split()[:3]
lines = [
    f"## threads: {args.threads or 'library defaults'}",
    "",
    f"Machine: {cpu}, {os.cpu_count()} cores, load average {' '.join(load)} at the end; "
    f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit {commit}; Python {platform.python_version()}, "
    f"numpy {np.__version__}, ArviZ {az.__version__}, scikit-learn {sklearn.__version__}, manychains {mc.__version__} "
    f"(device cpu). Best of {args.repeats}.",
    "",
    "| case | peer wall s | manychains wall s | wall ratio | peer CPU s | manychains CPU s | CPU ratio | check |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
]
for name, wa, wm, ca, cm, check in rows:
    lines.append(f"| {name} | {wa:.4f} | {wm:.4f} | {wa / wm:.1f}x | {ca:.4f} | {cm:.4f} | {ca / cm:.1f}x | {check} |")
text = "\n".join(lines) + "\n"
if args.out:
    with open(args.out, "a") as f:
        f.write(text + "\n")
print(text, file=sys.stdout)
