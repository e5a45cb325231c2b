#!/usr/bin/env python3
"""Reference values for tests/diagnostics_test.cpp, computed with ArviZ (see ARVIZ_VERSION below).

Writes tests/data/diagnostics/<case>.npy (draws, shape (chains, draws), float32 so that the data stay
small; ArviZ is run on the float64 values of those float32 numbers, which the C++ test reads
exactly) and tests/data/diagnostics/reference.json with, per case, ArviZ's rank R-hat, bulk /
folded / split R-hat, bulk, tail (probabilities given explicitly as 0.05 and 0.95), mean and sd
ESS, mean and sd MCSE, plus nested R-hat from a NumPy transcription of Margossian et al. (2024)
(ArviZ has none) and the spread of the AR(1) ESS estimate used by the closed-form test.

The (4096, 100) case of the issue is kept at full size in float32 (1.6 MB); all data < 2 MB.
Run from the repository root:  python3 tests/reference/make_diagnostics_reference.py
"""
import json
import os
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import arviz as az  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "diagnostics")
SEED = 20261125


def ar1(rng, chains, draws, rho):
    x = np.empty((chains, draws))
    x[:, 0] = rng.standard_normal(chains) / np.sqrt(1 - rho * rho)  # stationary start
    eps = rng.standard_normal((chains, draws))
    for i in range(1, draws):
        x[:, i] = rho * x[:, i - 1] + eps[:, i]
    return x


def cases(rng):
    out = {}
    out["iid_normal"] = rng.standard_normal((4, 1000))
    out["ar1_rho09"] = ar1(rng, 4, 1000, 0.9)
    out["shifted_means"] = rng.standard_normal((4, 1000)) + np.array([0.0, 0.0, 0.5, 1.0])[:, None]
    out["cauchy"] = rng.standard_cauchy((4, 1000))
    out["odd_draws"] = ar1(rng, 4, 999, 0.5)
    out["one_chain"] = ar1(rng, 1, 1000, 0.3)
    out["ties_poisson"] = rng.poisson(3.0, (4, 1000)).astype(float)
    out["shape_1000x20"] = ar1(rng, 1000, 20, 0.5)
    out["shape_4096x100"] = ar1(rng, 4096, 100, 0.2) + 0.01 * rng.standard_normal((4096, 1))
    return out


def nested_rhat(x, superchains):
    """posterior::rhat_nested (Margossian et al. 2024), chains [k*M, (k+1)*M) in superchain k."""
    chains, draws = x.shape
    m = chains // superchains
    g = x.reshape(superchains, m, draws)
    chain_mean = g.mean(axis=2)
    chain_var = g.var(axis=2, ddof=1) if draws > 1 else np.zeros_like(chain_mean)
    super_mean = chain_mean.mean(axis=1)
    b_chain = chain_mean.var(axis=1, ddof=1) if m > 1 else np.zeros(superchains)
    w_chain = chain_var.mean(axis=1)
    b_super = super_mean.var(ddof=1)
    w_super = np.mean(w_chain + b_chain)
    return float(np.sqrt(1 + b_super / w_super))


def arviz_values(x):
    ds = az.convert_to_dataset({"x": x})
    f = lambda r: float(r["x"].values)  # noqa: E731
    v = {
        "rhat_rank": f(az.rhat(ds, method="rank")),
        "rhat_bulk": f(az.rhat(ds, method="z_scale")),
        "rhat_folded": f(az.rhat(ds, method="folded")),
        "rhat_split": f(az.rhat(ds, method="split")),
        "ess_bulk": f(az.ess(ds, method="bulk")),
        "ess_tail": f(az.ess(ds, method="tail", prob=(0.05, 0.95))),
        "ess_q05": f(az.ess(ds, method="quantile", prob=0.05)),
        "ess_q95": f(az.ess(ds, method="quantile", prob=0.95)),
        "ess_mean": f(az.ess(ds, method="mean")),
        "ess_sd": f(az.ess(ds, method="sd")),
        "mcse_mean": f(az.mcse(ds, method="mean")),
        "mcse_sd": f(az.mcse(ds, method="sd")),
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)),
        "q5": float(np.quantile(x, 0.05)),
        "q50": float(np.quantile(x, 0.50)),
        "q95": float(np.quantile(x, 0.95)),
    }
    # ArviZ leaves R-hat of one chain undefined (NaN); JSON null, the test skips it.
    return {k: (None if np.isnan(val) else val) for k, val in v.items()}


def ar1_ess_spread(rng, chains, draws, rho, reps):
    """Relative spread of ArviZ's bulk and mean ESS of AR(1) draws around n (1 - rho) / (1 + rho)."""
    truth = chains * draws * (1 - rho) / (1 + rho)
    r_mean = []
    for _ in range(reps):
        x = ar1(rng, chains, draws, rho)
        r_mean.append(az.ess(az.convert_to_dataset({"x": x}), method="mean")["x"].values / truth)
    r_mean = np.array(r_mean, dtype=float)
    return {"chains": chains, "draws": draws, "rho": rho, "reps": reps, "truth": truth,
            "ratio_mean": float(r_mean.mean()), "ratio_sd": float(r_mean.std(ddof=1))}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    ref = {"arviz_version": az.__version__, "numpy_version": np.__version__, "seed": SEED,
           "tail_prob": [0.05, 0.95], "cases": {}}
    for name, x in cases(rng).items():
        x32 = np.ascontiguousarray(x, dtype=np.float32)
        np.save(os.path.join(OUT, name + ".npy"), x32)
        xd = x32.astype(np.float64)
        v = arviz_values(xd)
        chains = xd.shape[0]
        for k in (2, 4):
            if chains % k == 0 and chains >= k:
                v[f"rhat_nested_k{k}"] = nested_rhat(xd, k)
        v["shape"] = list(xd.shape)
        ref["cases"][name] = v
        print(name, xd.shape, {k: v[k] for k in ("rhat_rank", "ess_bulk", "ess_tail", "mcse_mean")})
    ref["ar1_closed_form"] = ar1_ess_spread(np.random.default_rng(SEED + 1), 64, 2000, 0.9, 200)
    print("ar1", ref["ar1_closed_form"])
    with open(os.path.join(OUT, "reference.json"), "w") as fh:
        json.dump(ref, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
