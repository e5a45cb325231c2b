"""Reads a `manychains sample` run folder as ArviZ does and checks it against the run's own files.

usage: arviz_check.py RUN_DIR DIAGNOSE_JSON [--gaussian]
Exits 0 when every check passes; prints what differs otherwise. --gaussian: the run's target is
a standard Gaussian, so lp + |x|^2 / 2 must be one constant (an independent check of lp).
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")
import arviz as az  # noqa: E402
import numpy as np  # noqa: E402

run_dir, diagnose_json = sys.argv[1], sys.argv[2]
gaussian = "--gaussian" in sys.argv[3:]
failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)


idata = az.from_netcdf(f"{run_dir}/posterior.nc")
run = json.load(open(f"{run_dir}/run.json"))
draws = np.load(f"{run_dir}/draws.npy")
chains, n, dim = draws.shape
post = idata.posterior
expect(dict(post.sizes)["chain"] == chains and dict(post.sizes)["draw"] == n, f"posterior sizes {dict(post.sizes)}")

# The posterior's variables, flattened in order, are draws.npy; their names are run.json's.
flat, names = [], []
for name, var in post.data_vars.items():
    expect(var.dims[:2] == ("chain", "draw"), f"{name} dims {var.dims}")
    values = var.values.reshape(chains, n, -1)
    flat.append(values)
    k = values.shape[2]
    names += [name] if var.ndim == 2 else [f"{name}[{i}]" for i in range(k)]
flat = np.concatenate(flat, axis=2)
expect(np.array_equal(flat, draws), "posterior values differ from draws.npy")
expect(names == run["parameter_names"], f"names {names} != run.json {run['parameter_names']}")

# sample_stats as ArviZ names them.
stats = idata.sample_stats
for key in ("lp", "acceptance_rate", "diverging", "step_size"):
    expect(key in stats, f"sample_stats lacks {key}")
expect(stats["diverging"].dtype == bool, f"diverging is {stats['diverging'].dtype}")
acc = stats["acceptance_rate"].values
expect(np.all((acc >= 0) & (acc <= 1)), "acceptance_rate outside [0, 1]")
expect(abs(acc.mean() - run["accept_rate"]) < 1e-9 * max(1, run["accept_rate"]), "mean acceptance != run.json")
expect(int(stats["diverging"].values.sum()) <= run["divergences"], "more diverging draws than divergences")
expect(np.allclose(stats["step_size"].values, run["step_size"], rtol=1e-12), "step_size != run.json")
expect(np.all(np.isfinite(stats["lp"].values)), "lp not finite")
if gaussian:
    c = stats["lp"].values + 0.5 * (draws**2).sum(axis=2)
    eps = np.finfo(draws.dtype).eps  # lp is computed in the run's precision
    expect(np.ptp(c) < 64 * eps * max(1.0, (draws**2).sum(axis=2).max()), f"lp + |x|^2/2 varies by {np.ptp(c)}")
if run["settings"].get("save_warmup"):
    w = idata.warmup_posterior
    expect(dict(w.sizes)["draw"] == run["warmup_steps_done"], f"warmup draws {dict(w.sizes)}")
    expect("lp" in idata.warmup_sample_stats, "warmup_sample_stats lacks lp")

# arviz.summary's numbers are `manychains diagnose`'s, to rounding.
summary = az.summary(idata, round_to="none")
rows = {r["name"]: r for r in json.load(open(diagnose_json))["summary"]}
# A float32 run: ArviZ sums in float32 and manychains in double, so means and sds agree to float32
# rounding of the sum (pairwise summation: well within 2^-17 of |mean| + sd); ESS and R-hat are
# computed in double by both.
single = post[list(post.data_vars)[0]].dtype == np.float32
sd_of = {label: float(row["sd"]) for label, row in summary.iterrows()}
columns = {"mean": "mean", "sd": "sd", "mcse_mean": "mcse_mean", "ess_bulk": "ess_bulk", "ess_tail": "ess_tail",
           "r_hat": "rhat"}
for label, row in summary.iterrows():
    mine = rows.get(label)
    expect(mine is not None, f"diagnose has no row {label} (it has {list(rows)})")
    if mine is None:
        continue
    for theirs, ours in columns.items():
        a, b = float(row[theirs]), float(mine[ours])
        if single and theirs in ("mean", "sd", "mcse_mean"):
            tol = 2.0**-17 * (abs(a) + sd_of[label])
        else:
            tol = 1e-8 * max(1.0, abs(a))
        expect(abs(a - b) <= tol, f"{label} {theirs}: arviz {a!r} vs manychains {b!r}")

print(summary.to_string())
if failures:
    print("\n".join(["FAILED:"] + failures))
    sys.exit(1)
print("arviz_check: all checks passed")
