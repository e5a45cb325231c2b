#!/usr/bin/env python3
"""Stretch-move steps per second: `manychains ensemble --method stretch` against emcee (3.x,
StretchMove a = 2, vectorised log-density in NumPy) on the same Gaussian, same walkers and steps.

    python3 bench/stretch_bench.py --cli build/ens/manychains

Ours: the run time in run.json (starts, burn-in 0, every step recorded as draws), per step.
Also the throughput of many independent ensembles at once (walker updates per second).
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np


def ours(cli, d, walkers, steps, ensembles=1):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([cli, "ensemble", "--method", "stretch", "--target", f"gaussian:dim={d},rho=0.5",
                        "--particles", str(walkers), "--ensembles", str(ensembles), "--iterations", str(steps),
                        "--burn", "0", "--seed", "1", "--device", "cpu", "--quiet", "--out", out], check=True)
        run = json.load(open(os.path.join(out, "run.json")))
        return run["seconds"], run["acceptance_fraction"]


def emcee_time(d, walkers, steps):
    import emcee
    corr = 0.5 * np.eye(d) + 0.5 * np.ones((d, d))
    prec = np.linalg.inv(corr)

    def log_prob(x):
        return -0.5 * np.einsum("ij,jk,ik->i", x, prec, x)

    p0 = np.random.default_rng(0).uniform(-2, 2, size=(walkers, d))
    sampler = emcee.EnsembleSampler(walkers, d, log_prob, vectorize=True,
                                    moves=emcee.moves.StretchMove(a=2.0, randomize_split=False))
    t0 = time.perf_counter()
    sampler.run_mcmc(p0, steps)
    return time.perf_counter() - t0, float(np.mean(sampler.acceptance_fraction))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/ens/manychains")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = []
    print(f"{'d':>4} {'walkers':>8} {'ens':>5} {'steps':>6} {'ours steps/s':>13} {'emcee steps/s':>14} {'speed-up':>9}"
          f" {'acc ours':>9} {'acc emcee':>9}")
    for d, walkers in ((2, 32), (10, 32), (50, 128)):
        steps = 5000 if d < 50 else 1000
        t, acc = ours(args.cli, d, walkers, steps)
        te, acce = emcee_time(d, walkers, steps)
        rows.append({"d": d, "walkers": walkers, "ensembles": 1, "steps": steps, "ours_steps_per_second": steps / t,
                     "emcee_steps_per_second": steps / te, "ours_acceptance": acc, "emcee_acceptance": acce})
        print(f"{d:>4} {walkers:>8} {1:>5} {steps:>6} {steps / t:>13.4g} {steps / te:>14.4g} {te / t:>9.3g}"
              f" {acc:>9.3f} {acce:>9.3f}", flush=True)
    for d, walkers, ensembles, steps in ((10, 32, 256, 1000),):
        t, acc = ours(args.cli, d, walkers, steps, ensembles)
        rows.append({"d": d, "walkers": walkers, "ensembles": ensembles, "steps": steps,
                     "ours_steps_per_second": steps / t, "walker_updates_per_second": steps * walkers * ensembles / t,
                     "ours_acceptance": acc})
        print(f"{d:>4} {walkers:>8} {ensembles:>5} {steps:>6} {steps / t:>13.4g} {'-':>14} {'-':>9} {acc:>9.3f}"
              f"   ({steps * walkers * ensembles / t:.3g} walker updates/s)", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
