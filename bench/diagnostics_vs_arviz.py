#!/usr/bin/env python3
"""Times `manychains diagnose` against ArviZ on the same (chains, draws, params) array.

ArviZ side: rhat (rank) + ess(bulk) + ess(tail, prob=(0.05, 0.95)) + mcse(mean), the columns
`diagnose` prints. The manychains side is the whole CLI run (reading the .npy included) with
--device cpu (or --device cuda with --cuda). Values are compared too (max relative difference).

    python3 bench/diagnostics_vs_arviz.py --cli build/diag/manychains --chains 4096 --draws 1000 --params 10
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

warnings.filterwarnings("ignore")
import arviz as az  # noqa: E402


def make_draws(chains, draws, params, seed):
    """AR(1) chains, rho rising from 0 to 0.9 over the parameters, chain offsets of 0.02 sd."""
    rng = np.random.default_rng(seed)
    x = np.empty((chains, draws, params))
    rho = np.linspace(0.0, 0.9, params)
    v = rng.standard_normal((chains, params))
    for i in range(draws):
        v = rho * v + np.sqrt(1 - rho**2) * rng.standard_normal((chains, params))
        x[:, i, :] = v
    return x + 0.02 * rng.standard_normal((chains, 1, params))


def run_arviz(x):
    ds = az.convert_to_dataset({"x": x})
    t0, c0 = time.perf_counter(), time.process_time()
    rhat = az.rhat(ds)["x"].values
    ess_bulk = az.ess(ds, method="bulk")["x"].values
    ess_tail = az.ess(ds, method="tail", prob=(0.05, 0.95))["x"].values
    mcse = az.mcse(ds, method="mean")["x"].values
    return time.perf_counter() - t0, time.process_time() - c0, {"rhat": rhat, "ess_bulk": ess_bulk, "ess_tail": ess_tail, "mcse_mean": mcse}


def run_cli(cli, path, device, out_json):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([cli, "diagnose", path, "--quiet", "--device", device, "--json", out_json], check=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(out_json) as fh:
        rows = json.load(fh)["summary"]
    return elapsed, cpu, {k: np.array([r[k] for r in rows]) for k in ("rhat", "ess_bulk", "ess_tail", "mcse_mean")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="build/manychains")
    ap.add_argument("--chains", type=int, default=4096)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--params", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cuda", action="store_true", help="time --device cuda instead of cpu")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the CLI this many times and report the median wall and CPU time (ArviZ runs once)")
    args = ap.parse_args()

    x = make_draws(args.chains, args.draws, args.params, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "draws.npy")
        np.save(path, x)
        runs = [run_cli(args.cli, path, "cuda" if args.cuda else "cpu", os.path.join(tmp, "d.json"))
                for _ in range(max(1, args.repeat))]
        t_cli = float(np.median([r[0] for r in runs]))
        c_cli = float(np.median([r[1] for r in runs]))
        v_cli = runs[0][2]
    t_az, c_az, v_az = run_arviz(x)
    worst = max(float(np.max(np.abs(v_cli[k] - v_az[k]) / np.abs(v_az[k]))) for k in v_az)
    print(f"shape {x.shape}, {x.nbytes / 2**20:.0f} MiB float64, {os.cpu_count()} CPUs, arviz {az.__version__}")
    print(f"manychains diagnose ({'cuda' if args.cuda else 'cpu'}, whole CLI run incl. reading the .npy, "
          f"median of {len(runs)}): {t_cli:.2f} s wall, {c_cli:.2f} s CPU "
          f"(CPU per run: {', '.join(f'{r[1]:.2f}' for r in runs)})")
    print(f"arviz rhat + ess(bulk) + ess(tail) + mcse(mean): {t_az:.2f} s wall, {c_az:.2f} s CPU")
    print(f"speed-up: {t_az / t_cli:.1f}x wall, {c_az / c_cli:.1f}x CPU time; "
          f"max relative difference of the values: {worst:.2e}")


if __name__ == "__main__":
    main()
