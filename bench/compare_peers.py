#!/usr/bin/env python3
"""MALA throughput and ESS/s of manychains against peers, same target, same step count, one script.

Peers (each skipped, and said so, when not installed): a vectorised NumPy MALA, the same in
PyTorch (on the GPU when there is one), BlackJAX MALA vmapped over chains on JAX, and NumPyro HMC
with one leapfrog step (which is MALA) vectorised over chains. Every sampler runs in the same
`--precision` (JAX with x64 enabled for double; its default is float32). All run `warmup` steps then `draws` steps at the same fixed step size on the same target,
from the same N(0, I) start; ESS is ArviZ's bulk ESS of the slowest coordinate on the kept draws.
Timings exclude JIT compilation (reported apart). Usage:

  python3 bench/compare_peers.py --manychains build/bench/manychains --chains 1024 --dim 100
  python3 bench/compare_peers.py --manychains build/bench/manychains --target logistic --rows 100000 \
      --dim 100 --chains 64 --steps 40
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np


class GaussianTarget:
    """Equicorrelated N(0, R): R^-1 = (I - c 11^T)/(1 - rho), c = rho / (1 - rho + d rho)."""

    def __init__(self, dim, rho):
        self.dim, self.rho = dim, rho
        self.c = rho / (1 - rho + dim * rho)
        self.spec = f"gaussian:dim={dim},rho={rho}"
        self.title = f"gaussian dim={dim} rho={rho}"
        self.eps = 1.3 * dim ** (-1 / 6) * (0.3 if rho > 0 else 1.0)  # near MALA's optimal scaling

    def logp_grad(self, x, xp=np):  # batched over chains; xp is numpy or torch
        g = -(x - self.c * x.sum(-1, keepdims=True)) / (1 - self.rho) if xp is np else \
            -(x - self.c * x.sum(-1, keepdim=True)) / (1 - self.rho)
        return 0.5 * (g * x).sum(-1), g

    def jax_logdensity(self, dtype):
        return lambda x: -0.5 * (x @ x - self.c * x.sum() ** 2) / (1 - self.rho)


class LogisticTarget:
    """Bayesian logistic regression on synthetic data, the model of manychains' `logistic` target:
    log p(b) = sum_i [y_i eta_i - softplus(eta_i)] - |b|^2 / (2 s^2), eta = X b, no intercept."""

    def __init__(self, rows, dim, seed, folder, prior_scale=2.5):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((rows, dim)) / np.sqrt(dim)
        beta = rng.standard_normal(dim)
        self.y = (rng.random(rows) < 1 / (1 + np.exp(-self.X @ beta))).astype(np.float64)
        self.dim, self.s2, self._data = dim, prior_scale ** 2, {}
        path = os.path.join(folder, "logistic.csv")
        np.savetxt(path, np.column_stack([self.X, self.y]), delimiter=",", fmt="%.17g",
                   header=",".join([f"x{j}" for j in range(dim)] + ["y"]), comments="")
        self.spec = f"logistic:data={path},intercept=0,prior_scale={prior_scale}"
        self.title = f"logistic rows={rows} dim={dim}"
        # Posterior sd is at least 1/sqrt(sum_i x_ij^2 / 4): scale MALA's step to the tightest one.
        self.eps = 1.3 * dim ** (-1 / 6) / np.sqrt((self.X ** 2).sum(0).max() / 4)

    def data(self, b, xp):  # X and y in b's precision (and device), converted once
        key = (str(b.dtype), str(getattr(b, "device", "cpu")))
        if key not in self._data:
            convert = (lambda a: np.asarray(a, dtype=b.dtype)) if xp is np else \
                (lambda a: xp.as_tensor(a, dtype=b.dtype, device=b.device))
            self._data[key] = convert(self.X), convert(self.y)
        return self._data[key]

    def logp_grad(self, b, xp=np):
        X, y = self.data(b, xp)
        eta = b @ X.T  # chains x rows
        softplus = np.logaddexp(0, eta) if xp is np else xp.nn.functional.softplus(eta)
        lp = (eta * y).sum(-1) - softplus.sum(-1) - 0.5 * (b * b).sum(-1) / self.s2
        resid = y - (1 / (1 + np.exp(-eta)) if xp is np else xp.sigmoid(eta))
        return lp, resid @ X - b / self.s2

    def jax_logdensity(self, dtype):
        import jax.numpy as jnp
        X, y, s2 = jnp.asarray(self.X, dtype=dtype), jnp.asarray(self.y, dtype=dtype), self.s2
        return lambda b: jnp.dot(y, X @ b) - jnp.logaddexp(0, X @ b).sum() - 0.5 * (b @ b) / s2


def numpy_mala(target, chains, eps, steps, seed, dtype, keep=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((chains, target.dim), dtype=dtype)
    eps = dtype(eps)
    lp, g = target.logp_grad(x)
    out = np.empty((steps if keep else 1, chains, target.dim), dtype=dtype)
    t0 = time.perf_counter()
    for t in range(steps):
        z = rng.standard_normal((chains, target.dim), dtype=dtype)
        y = x + 0.5 * eps**2 * g + eps * z
        lpy, gy = target.logp_grad(y)
        rev = x - y - 0.5 * eps**2 * gy
        log_a = lpy - lp - 0.5 * (rev**2).sum(-1) / eps**2 + 0.5 * (z**2).sum(-1)
        acc = np.log(rng.random(chains, dtype=dtype)) < log_a
        x = np.where(acc[:, None], y, x)
        lp = np.where(acc, lpy, lp)
        g = np.where(acc[:, None], gy, g)
        out[t if keep else 0] = x
    return time.perf_counter() - t0, 0.0, out.transpose(1, 0, 2)


def blackjax_mala(target, chains, eps, steps, seed, dtype, keep=True):
    import jax, jax.numpy as jnp, blackjax
    logdensity = target.jax_logdensity(dtype)
    # BlackJAX's step_size τ proposes x + τ ∇ + sqrt(2τ) z: our ε corresponds to τ = ε²/2.
    mala = blackjax.mala(logdensity, eps**2 / 2)
    key = jax.random.PRNGKey(seed)
    x0 = jax.random.normal(key, (chains, target.dim), dtype=dtype)
    states = jax.vmap(mala.init)(x0)

    @jax.jit
    def run(states, key):
        def one(states, k):
            keys = jax.random.split(k, chains)
            states, _ = jax.vmap(mala.step)(keys, states)
            return states, states.position if keep else None
        return jax.lax.scan(one, states, jax.random.split(key, steps))

    t0 = time.perf_counter(); jax.block_until_ready(run(states, key)); compile_and_run = time.perf_counter() - t0
    t0 = time.perf_counter(); last, pos = jax.block_until_ready(run(states, jax.random.PRNGKey(seed + 1))); t = time.perf_counter() - t0
    pos = pos if keep else last.position[None]
    return t, compile_and_run - t, np.asarray(pos).transpose(1, 0, 2)


def numpyro_hmc1(target, chains, eps, steps, seed, dtype, keep=True):
    import jax, jax.numpy as jnp
    from numpyro.infer import HMC, MCMC
    logdensity = target.jax_logdensity(dtype)
    potential = lambda x: -logdensity(x)
    kernel = HMC(potential_fn=potential, step_size=eps, trajectory_length=eps, adapt_step_size=False,
                 adapt_mass_matrix=False)
    mcmc = MCMC(kernel, num_warmup=0, num_samples=steps, num_chains=chains, chain_method="vectorized",
                progress_bar=False, thinning=1 if keep else steps)
    x0 = np.random.default_rng(seed).standard_normal((chains, target.dim)).astype(dtype)
    t0 = time.perf_counter(); mcmc.run(jax.random.PRNGKey(seed), init_params=jnp.asarray(x0)); first = time.perf_counter() - t0
    t0 = time.perf_counter(); mcmc.run(jax.random.PRNGKey(seed + 1), init_params=jnp.asarray(x0)); t = time.perf_counter() - t0
    return t, first - t, np.asarray(mcmc.get_samples(group_by_chain=True))


def torch_mala(target, chains, eps, steps, seed, dtype, keep=True):
    import torch
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    gen = torch.Generator(device=dev).manual_seed(seed)
    dim = target.dim
    logp_grad = lambda x: target.logp_grad(x, xp=torch)

    def run():
        x = torch.randn(chains, dim, generator=gen, device=dev, dtype=tdt)
        lp, g = logp_grad(x)
        out = torch.empty(steps if keep else 1, chains, dim, device=dev, dtype=tdt)
        for t in range(steps):
            z = torch.randn(chains, dim, generator=gen, device=dev, dtype=tdt)
            y = x + 0.5 * eps**2 * g + eps * z
            lpy, gy = logp_grad(y)
            rev = x - y - 0.5 * eps**2 * gy
            log_a = lpy - lp - 0.5 * (rev**2).sum(-1) / eps**2 + 0.5 * (z**2).sum(-1)
            acc = torch.log(torch.rand(chains, generator=gen, device=dev, dtype=tdt)) < log_a
            x = torch.where(acc[:, None], y, x)
            lp = torch.where(acc, lpy, lp)
            g = torch.where(acc[:, None], gy, g)
            out[t if keep else 0] = x
        if dev == "cuda":
            torch.cuda.synchronize()
        return out

    run()  # warm-up (CUDA context, allocator)
    t0 = time.perf_counter(); out = run(); t = time.perf_counter() - t0
    return t, 0.0, out.permute(1, 0, 2).cpu().numpy()


def manychains_mala(binary, target, chains, eps, steps, seed, device, precision, keep_draws=True):
    """The CLI; its "seconds" include writing every kept draw to draws.npy on disk. Without
    keep_draws only the last step is kept and no TV curve is recorded: the sampler alone."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [binary, "sample", "--target", target.spec, "--chains", str(chains),
               "--warmup", "0", "--draws", str(steps), "--step-size", str(eps), "--seed", str(seed),
               "--device", device, "--precision", precision, "--quiet", "--out", out]
        if not keep_draws:
            cmd += ["--thin", str(steps), "--tv-every", "0"]
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        run = json.load(open(os.path.join(out, "run.json")))
        return run["seconds"], 0.0, np.load(os.path.join(out, "draws.npy")), run["device"]


def min_bulk_ess(draws, burn):
    import arviz as az
    kept = np.asarray(draws[:, burn:, :], dtype=np.float64)
    if kept.shape[1] < 4:
        return float("nan")
    return min(float(az.ess(kept[:, :, j], method="bulk")) for j in range(kept.shape[2]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manychains", default="build/dev/manychains")
    ap.add_argument("--chains", type=int, default=1024)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--rho", type=float, default=0.0)
    ap.add_argument("--target", default="gaussian", choices=["gaussian", "logistic"],
                    help="gaussian (--dim, --rho) or logistic regression on synthetic data (--rows x --dim)")
    ap.add_argument("--rows", type=int, default=100000, help="data rows of the logistic target")
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="double", choices=["float", "double"],
                    help="of every sampler: manychains, NumPy, PyTorch, and JAX (x64 enabled for double)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--no-draws", action="store_true",
                    help="keep no draws anywhere (only each sampler's last state; no ESS): the samplers alone, "
                         "at chain counts whose draws would not fit in memory")
    ap.add_argument("--peers", default="numpy,pytorch,blackjax,numpyro",
                    help="comma-separated peers to run: numpy, pytorch, blackjax, numpyro")
    a = ap.parse_args()
    dtype = np.float64 if a.precision == "double" else np.float32
    try:
        import jax
        jax.config.update("jax_enable_x64", a.precision == "double")
        jax_device = jax.default_backend()
    except ImportError:
        jax_device = "-"
    folder = tempfile.TemporaryDirectory()
    target = GaussianTarget(a.dim, a.rho) if a.target == "gaussian" else LogisticTarget(a.rows, a.dim, 7, folder.name)
    eps = target.eps
    burn = a.steps // 4
    rows = []
    keep = not a.no_draws
    if keep:
        t, _, draws, dev = manychains_mala(a.manychains, target, a.chains, eps, a.steps, 1, a.device, a.precision)
        rows.append(("manychains", dev, t, 0.0, draws))
    t, _, _, dev = manychains_mala(a.manychains, target, a.chains, eps, a.steps, 1, a.device, a.precision,
                                   keep_draws=False)
    rows.append(("manychains, no draws kept", dev, t, 0.0, None))
    chosen = set(a.peers.split(","))
    for key, name, fn, dev in [("numpy", "numpy (vectorised)", numpy_mala, "cpu"),
                               ("pytorch", "pytorch (vectorised)", torch_mala, "torch"),
                               ("blackjax", "blackjax mala (vmap, jit)", blackjax_mala, jax_device),
                               ("numpyro", "numpyro HMC L=1 (vectorized)", numpyro_hmc1, jax_device)]:
        if key not in chosen:
            continue
        try:
            t, compile_s, draws = fn(target, a.chains, eps, a.steps, 1, dtype, keep)
            draws = draws if keep else None
            if dev == "torch":
                import torch
                dev = "cuda" if torch.cuda.is_available() else "cpu"
            rows.append((name, dev, t, compile_s, draws))
        except ImportError as e:
            print(f"# {name}: skipped ({e})", file=sys.stderr)
    cli, engine = rows[0], rows[1 if keep else 0]
    steps = a.chains * a.steps
    print(f"# MALA, {target.title}, {a.chains} chains x {a.steps} steps, eps={eps:.3g}, {a.precision}")
    print("# x CLI / x engine: the row's seconds over manychains' (CLI with draws on disk / sampler alone); "
          ">1 means manychains is faster")
    print(f"{'sampler':32} {'device':22} {'seconds':>9} {'chain-steps/s':>14} {'min ESS/s':>10} {'x CLI':>7} "
          f"{'x engine':>8} {'ESS/s x CLI':>11} {'compile s':>9}")
    results = []
    cli_ess_rate = min_bulk_ess(cli[4], burn) / cli[2] if keep else float("nan")
    for name, dev, t, compile_s, draws in rows:
        ess_rate = min_bulk_ess(draws, burn) / t if draws is not None else float("nan")
        print(f"{name:32} {dev[:22]:22} {t:9.3f} {steps / t:14.3g} {ess_rate:10.3g} {t / cli[2]:7.2f} "
              f"{t / engine[2]:8.2f} {cli_ess_rate / ess_rate:11.2f} {compile_s:9.2f}")
        results.append(dict(sampler=name, device=dev, seconds=t, chain_steps_per_s=steps / t, min_ess_per_s=ess_rate,
                            compile_seconds=compile_s))
    if a.json:
        json.dump(dict(settings=vars(a), eps=eps, results=results), open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
