#!/usr/bin/env python3
"""Wall time to a minimum bulk ESS (default 1,000) with R-hat <= 1.01, compile and warm-up included,
on real posteriors: manychains `sample` defaults, manychains `--until-ess`, NumPyro NUTS (4 chains,
its defaults) and BlackJAX ChEES-HMC (many chains), on the same machine in the same script.

Posteriors: the O-ring (manychains' `oring`; the same model written in NumPyro/JAX) and logistic
regressions on posteriordb data (../shared/data/posteriordb/<name>/data.csv: predictors, then the
0/1 response), with manychains' `logistic` model everywhere: an intercept, every coefficient
N(0, 2.5²). A method that has not reached the target by the end of its (default-length) run is
reported with the ESS it reached, not extrapolated. ESS and R-hat are ArviZ's (bulk ESS, rank
R-hat), minimised / maximised over parameters, on every method's draws.

  python3 bench/time_to_ess.py --manychains build/cpu/manychains --out bench/results/time_to_ess.md
  python3 bench/time_to_ess.py --posteriors oring,wells_dist --methods manychains,until,numpyro

Each method runs in its own process (sequentially), so that one's threads do not slow another.
"""
import argparse, datetime, json, os, subprocess, sys, tempfile, time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared/data/posteriordb beside the checkout (or beside its parent, for a worktree); --data overrides.
DATA = next((d for d in (os.path.join(REPO, "..", "shared", "data", "posteriordb"),
                         os.path.join(REPO, "..", "..", "shared", "data", "posteriordb")) if os.path.isdir(d)), "")
POSTERIORS = {
    "oring": None,
    "dogs": "dogs-dogs",
    "german_credit": "inference_gym-german_credit_numeric_logistic_regression",
    "wells_dist": "wells_data-wells_dist",
    "wells_dist100": "wells_data-wells_dist100_model",
    "wells_dae": "wells_data-wells_dae_model",
}
CHALLENGER = [(66, 0), (70, 1), (69, 0), (68, 0), (67, 0), (72, 0), (73, 0), (70, 0), (57, 1), (63, 1), (70, 1),
              (78, 0), (67, 0), (53, 1), (67, 0), (75, 0), (70, 0), (81, 0), (76, 0), (79, 0), (75, 1), (76, 0),
              (58, 1)]


def oring_log_b():
    """manychains' oring prior: e^alpha ~ Exponential(mean b), log b = MLE intercept + Euler's gamma."""
    t = np.array([c[0] for c in CHALLENGER], float)
    y = np.array([c[1] for c in CHALLENGER], float)
    X = np.column_stack([np.ones_like(t), t])
    theta = np.zeros(2)
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ theta))
        step = np.linalg.solve((X * (p * (1 - p))[:, None]).T @ X, X.T @ (y - p))
        theta += step
        if np.linalg.norm(step) < 1e-12 * (1 + np.linalg.norm(theta)):
            break
    return theta[0] + 0.5772156649015329


def load_logistic(folder):
    path = os.path.join(DATA, folder, "data.csv")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    X, y = table[:, :-1], table[:, -1]
    if not np.all(X == 1.0, axis=0).any():
        X = np.column_stack([np.ones(len(y)), X])
    return path, X, y


def jax_logdensity(name):
    """The posterior's log-density as a JAX function of a flat vector, and its dimension."""
    import jax.numpy as jnp
    if name == "oring":
        t = jnp.array([c[0] for c in CHALLENGER], dtype=jnp.float64)
        y = jnp.array([c[1] for c in CHALLENGER], dtype=jnp.float64)
        log_b = oring_log_b()

        def logp(x):
            eta = x[0] + x[1] * t
            return x[0] - jnp.exp(x[0] - log_b) + jnp.sum(y * eta - jnp.logaddexp(0.0, eta))
        return logp, 2
    _, X, y = load_logistic(POSTERIORS[name])
    X, y = jnp.asarray(X), jnp.asarray(y)

    def logp(b):
        eta = X @ b
        return jnp.dot(y, eta) - jnp.logaddexp(0.0, eta).sum() - 0.5 * jnp.dot(b, b) / 2.5 ** 2
    return logp, X.shape[1]


def arviz_summary(draws):
    """min bulk ESS and max rank R-hat of (chains, draws, dim)."""
    import arviz as az
    ds = az.convert_to_dataset({"x": np.asarray(draws, dtype=np.float64)})
    ess = float(az.ess(ds, method="bulk")["x"].values.min())
    rhat = float(az.rhat(ds, method="rank")["x"].values.max())
    return ess, rhat


# ---- the methods; each returns a dict and runs in a child process -----------------------------------

def run_manychains(binary, name, until, seed, target_ess):
    spec = "oring" if name == "oring" else "logistic:data=" + load_logistic(POSTERIORS[name])[0]
    with tempfile.TemporaryDirectory() as out:
        cmd = [binary, "sample", "--target", spec, "--seed", str(seed), "--quiet", "--device", "cpu", "--out", out]
        if until:
            cmd += ["--draws", "100", "--until-ess", str(target_ess)]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode not in (0,):
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
        run = json.load(open(os.path.join(out, "run.json")))
        draws = np.load(os.path.join(out, "draws.npy"))
    ess, rhat = arviz_summary(draws)
    return {"wall": wall, "ess": ess, "rhat": rhat, "chains": run["draws_shape"][0], "draws": run["draws_shape"][1],
            "metric": run.get("metric"), "note": run.get("stop_reason", "")}


def run_numpyro(name, seed):
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS
    logp, dim = jax_logdensity(name)

    def model():
        x = numpyro.sample("x", dist.ImproperUniform(dist.constraints.real_vector, (), (dim,)))
        numpyro.factor("logp", logp(x))
    start = time.perf_counter()
    mcmc = MCMC(NUTS(model), num_warmup=1000, num_samples=1000, num_chains=4, chain_method="sequential",
                progress_bar=False)
    init = {"x": jax.numpy.zeros(dim)}
    if name == "oring":
        init = {"x": jax.numpy.array([15.0, -0.23])}
    mcmc.run(jax.random.PRNGKey(seed), init_params={"x": jax.numpy.tile(init["x"], (4, 1))})
    draws = np.asarray(mcmc.get_samples(group_by_chain=True)["x"])
    wall = time.perf_counter() - start
    ess, rhat = arviz_summary(draws)
    return {"wall": wall, "ess": ess, "rhat": rhat, "chains": 4, "draws": draws.shape[1], "metric": "diag (NUTS)"}


def run_blackjax(name, seed, chains=128, warmup=500, samples=250):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import blackjax
    import optax
    logp, dim = jax_logdensity(name)
    start = time.perf_counter()
    key = jax.random.PRNGKey(seed)
    k_init, k_warm, k_sample = jax.random.split(key, 3)
    center = jnp.array([15.0, -0.23]) if name == "oring" else jnp.zeros(dim)
    init = center + 0.1 * jax.random.normal(k_init, (chains, dim))
    adapt = blackjax.chees_adaptation(logp, chains)
    (states, params), _ = adapt.run(k_warm, init, step_size=0.01, optim=optax.adam(0.025), num_steps=warmup)
    kernel = blackjax.dynamic_hmc(logp, **params)

    @jax.jit
    def one_step(carry, key):
        keys = jax.random.split(key, chains)
        new, _ = jax.vmap(kernel.step)(keys, carry)
        return new, new.position
    _, positions = jax.lax.scan(one_step, states, jax.random.split(k_sample, samples))
    draws = np.asarray(jnp.swapaxes(positions, 0, 1))
    wall = time.perf_counter() - start
    ess, rhat = arviz_summary(draws)
    return {"wall": wall, "ess": ess, "rhat": rhat, "chains": chains, "draws": samples, "metric": "ChEES"}


def child(args):
    if args.child_method == "manychains":
        r = run_manychains(args.manychains, args.child_posterior, False, args.seed, args.target_ess)
    elif args.child_method == "until":
        r = run_manychains(args.manychains, args.child_posterior, True, args.seed, args.target_ess)
    elif args.child_method == "numpyro":
        r = run_numpyro(args.child_posterior, args.seed)
    else:
        r = run_blackjax(args.child_posterior, args.seed)
    print("RESULT " + json.dumps(r))


LABELS = {"manychains": "manychains sample (defaults)", "until": "manychains --until-ess",
          "numpyro": "NumPyro NUTS, 4 chains", "blackjax": "BlackJAX ChEES-HMC, 128 chains"}


def main():
    global DATA
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manychains", default="build/cpu/manychains")
    p.add_argument("--posteriors", default="oring,dogs,german_credit,wells_dist,wells_dist100,wells_dae")
    p.add_argument("--methods", default="manychains,until,numpyro,blackjax")
    p.add_argument("--target-ess", type=float, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default=DATA, help="the posteriordb data folder (default: %(default)s)")
    p.add_argument("--out", help="markdown table to write (also printed)")
    p.add_argument("--json", help="raw results to write")
    p.add_argument("--table-from", nargs="+", metavar="LOG",
                   help="only render the table from the result lines (one JSON object a line) of earlier runs")
    p.add_argument("--child-method", help=argparse.SUPPRESS)
    p.add_argument("--child-posterior", help=argparse.SUPPRESS)
    args = p.parse_args()
    DATA = args.data
    if args.child_method:
        return child(args)

    results = []
    if args.table_from:
        for path in args.table_from:
            results += [json.loads(l) for l in open(path) if l.startswith("{")]
        return write_table(args, results)
    for name in args.posteriors.split(","):
        for method in args.methods.split(","):
            cmd = [sys.executable, __file__, "--child-method", method, "--child-posterior", name,
                   "--manychains", args.manychains, "--seed", str(args.seed), "--target-ess", str(args.target_ess),
                   "--data", args.data]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
            r = json.loads(line[-1][7:]) if line else {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:120]}
            r.update(posterior=name, method=method)
            results.append(r)
            print(json.dumps(r), flush=True)
    write_table(args, results)


def write_table(args, results):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# Time to bulk ESS >= {args.target_ess:g} with R-hat <= 1.01",
             "", f"{datetime.date.today().isoformat()}, commit {commit}, {os.cpu_count()} CPU cores "
             f"(shared: timings are upper bounds), `{' '.join(sys.argv)}`", "",
             "| posterior | method | wall s | chains x draws | min bulk ESS | max R-hat | reached | ESS/s | metric / note |",
             "|---|---|---:|---:|---:|---:|---|---:|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['posterior']} | {LABELS[r['method']]} | - | - | - | - | failed: {r['error']} | - | |")
            continue
        reached = r["ess"] >= args.target_ess and r["rhat"] <= 1.01
        lines.append(f"| {r['posterior']} | {LABELS[r['method']]} | {r['wall']:.1f} | {r['chains']} x {r['draws']} | "
                     f"{r['ess']:.0f} | {r['rhat']:.3f} | {'yes' if reached else 'no'} | {r['ess'] / r['wall']:.3g} | "
                     f"{r.get('metric') or ''} {('; ' + r['note']) if r.get('note') else ''} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        open(args.out, "w").write(table)
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
