#!/usr/bin/env python3
"""Reference numbers for the stretch move from emcee (tests/ensemble_test.cpp reads them).

Runs emcee's StretchMove(a=2, randomize_split=False) -- the two fixed halves (even/odd walkers)
that manychains uses (first/second half; the same up to relabelling) -- on the same correlated
Gaussian as the test, `runs` times with independent seeds, and stores the mean and standard
deviation over runs of the acceptance fraction (mean over walkers) and of emcee's integrated
autocorrelation time (emcee.autocorr.integrated_time, c = 5) of each coordinate, computed from the
kept steps after burn-in, exactly as the C++ test computes its own.

    python3 tests/reference/make_ensemble_reference.py   # writes tests/data/ensemble/emcee_reference.json
"""
import json
import pathlib

import emcee
import numpy as np

SPEC = "gaussian:dim=3,rho=0.5,mean=1;-1;0,scale=1;2;0.5"
DIM = 3
MEAN = np.array([1.0, -1.0, 0.0])
SCALE = np.array([1.0, 2.0, 0.5])
RHO = 0.5
WALKERS = 32
BURN = 500
STEPS = 2000
RUNS = 32


def main():
    corr = (1 - RHO) * np.eye(DIM) + RHO * np.ones((DIM, DIM))
    cov = np.outer(SCALE, SCALE) * corr
    prec = np.linalg.inv(cov)

    def log_prob(x):  # vectorised over walkers: x is (k, dim)
        d = x - MEAN
        return -0.5 * np.einsum("ij,jk,ik->i", d, prec, d)

    acc, taus = [], []
    for run in range(RUNS):
        rng = np.random.default_rng(1000 + run)
        # The C++ start: center + 2·scale·U(-1, 1).
        p0 = MEAN + 2 * SCALE * rng.uniform(-1, 1, size=(WALKERS, DIM))
        sampler = emcee.EnsembleSampler(WALKERS, DIM, log_prob, vectorize=True,
                                        moves=emcee.moves.StretchMove(a=2.0, randomize_split=False))
        sampler._random.seed(2000 + run)
        state = sampler.run_mcmc(p0, BURN)
        sampler.reset()
        sampler.run_mcmc(state, STEPS)
        acc.append(float(np.mean(sampler.acceptance_fraction)))
        taus.append(emcee.autocorr.integrated_time(sampler.get_chain(), c=5, quiet=True).tolist())
    taus = np.array(taus)
    out = {
        "generator": "tests/reference/make_ensemble_reference.py",
        "emcee_version": emcee.__version__,
        "spec": SPEC,
        "walkers": WALKERS,
        "burn": BURN,
        "steps": STEPS,
        "runs": RUNS,
        "a": 2.0,
        "acceptance_mean": float(np.mean(acc)),
        "acceptance_sd": float(np.std(acc, ddof=1)),
        "tau_mean": taus.mean(axis=0).tolist(),
        "tau_sd": taus.std(axis=0, ddof=1).tolist(),
    }
    path = pathlib.Path(__file__).resolve().parents[1] / "data" / "ensemble" / "emcee_reference.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
