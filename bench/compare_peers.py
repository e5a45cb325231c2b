#!/usr/bin/env python3
"""MALA throughput and ESS/s of manychains against peers, same target, same step count, one script.

Peers (each skipped, and said so, when not installed): a vectorised NumPy MALA, the same in
PyTorch (on the GPU when there is one), BlackJAX MALA vmapped over chains on JAX, and NumPyro HMC
with one leapfrog step (which is MALA) vectorised over chains. Every sampler runs in the same
`--precision` (JAX with x64 enabled for double; its default is float32). All run `warmup` steps then `draws` steps at the same fixed step size on the same target,
from the same N(0, I) start; ESS is ArviZ's bulk ESS of the slowest coordinate on the kept draws.
Timings exclude JIT compilation (reported apart). Usage:

  python3 bench/compare_peers.py --manychains build/bench/manychains --chains 1024 --dim 100
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np


def gaussian_logp_grad(x, rho, d):
    # Equicorrelated N(0, R): R^-1 = (I - c 11^T)/(1 - rho), c = rho / (1 - rho + d rho)
    c = rho / (1 - rho + d * rho)
    s = x.sum(-1, keepdims=True)
    g = -(x - c * s) / (1 - rho)
    return 0.5 * (g * x).sum(-1), g


def numpy_mala(chains, dim, rho, eps, steps, seed, dtype):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((chains, dim), dtype=dtype)
    eps = dtype(eps)
    lp, g = gaussian_logp_grad(x, dtype(rho), dim)
    out = np.empty((steps, chains, dim), dtype=dtype)
    t0 = time.perf_counter()
    for t in range(steps):
        z = rng.standard_normal((chains, dim), dtype=dtype)
        y = x + 0.5 * eps**2 * g + eps * z
        lpy, gy = gaussian_logp_grad(y, rho, dim)
        rev = x - y - 0.5 * eps**2 * gy
        log_a = lpy - lp - 0.5 * (rev**2).sum(-1) / eps**2 + 0.5 * (z**2).sum(-1)
        acc = np.log(rng.random(chains, dtype=dtype)) < log_a
        x = np.where(acc[:, None], y, x)
        lp = np.where(acc, lpy, lp)
        g = np.where(acc[:, None], gy, g)
        out[t] = x
    return time.perf_counter() - t0, 0.0, out.transpose(1, 0, 2)


def blackjax_mala(chains, dim, rho, eps, steps, seed, dtype):
    import jax, jax.numpy as jnp, blackjax
    c = rho / (1 - rho + dim * rho)
    logdensity = lambda x: -0.5 * (x @ x - c * x.sum() ** 2) / (1 - rho)
    # BlackJAX's step_size τ proposes x + τ ∇ + sqrt(2τ) z: our ε corresponds to τ = ε²/2.
    mala = blackjax.mala(logdensity, eps**2 / 2)
    key = jax.random.PRNGKey(seed)
    x0 = jax.random.normal(key, (chains, dim), dtype=dtype)
    states = jax.vmap(mala.init)(x0)

    @jax.jit
    def run(states, key):
        def one(states, k):
            keys = jax.random.split(k, chains)
            states, _ = jax.vmap(mala.step)(keys, states)
            return states, states.position
        return jax.lax.scan(one, states, jax.random.split(key, steps))

    t0 = time.perf_counter(); jax.block_until_ready(run(states, key)); compile_and_run = time.perf_counter() - t0
    t0 = time.perf_counter(); _, pos = jax.block_until_ready(run(states, jax.random.PRNGKey(seed + 1))); t = time.perf_counter() - t0
    return t, compile_and_run - t, np.asarray(pos).transpose(1, 0, 2)


def numpyro_hmc1(chains, dim, rho, eps, steps, seed, dtype):
    import jax, jax.numpy as jnp
    from numpyro.infer import HMC, MCMC
    c = rho / (1 - rho + dim * rho)
    potential = lambda x: 0.5 * (x @ x - c * x.sum() ** 2) / (1 - rho)
    kernel = HMC(potential_fn=potential, step_size=eps, trajectory_length=eps, adapt_step_size=False,
                 adapt_mass_matrix=False)
    mcmc = MCMC(kernel, num_warmup=0, num_samples=steps, num_chains=chains, chain_method="vectorized",
                progress_bar=False)
    x0 = np.random.default_rng(seed).standard_normal((chains, dim)).astype(dtype)
    t0 = time.perf_counter(); mcmc.run(jax.random.PRNGKey(seed), init_params=jnp.asarray(x0)); first = time.perf_counter() - t0
    t0 = time.perf_counter(); mcmc.run(jax.random.PRNGKey(seed + 1), init_params=jnp.asarray(x0)); t = time.perf_counter() - t0
    return t, first - t, np.asarray(mcmc.get_samples(group_by_chain=True))


def torch_mala(chains, dim, rho, eps, steps, seed, dtype):
    import torch
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    gen = torch.Generator(device=dev).manual_seed(seed)
    c = rho / (1 - rho + dim * rho)

    def logp_grad(x):
        g = -(x - c * x.sum(-1, keepdim=True)) / (1 - rho)
        return 0.5 * (g * x).sum(-1), g

    def run():
        x = torch.randn(chains, dim, generator=gen, device=dev, dtype=tdt)
        lp, g = logp_grad(x)
        out = torch.empty(steps, chains, dim, device=dev, dtype=tdt)
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
            out[t] = x
        if dev == "cuda":
            torch.cuda.synchronize()
        return out

    run()  # warm-up (CUDA context, allocator)
    t0 = time.perf_counter(); out = run(); t = time.perf_counter() - t0
    return t, 0.0, out.permute(1, 0, 2).cpu().numpy()


def manychains_mala(binary, chains, dim, rho, eps, steps, seed, device, precision, keep_draws=True):
    """The CLI; its wall_seconds include writing every kept draw to draws.npy on disk. Without
    keep_draws only the last step is kept and no TV curve is recorded: the sampler alone."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [binary, "sample", "--target", f"gaussian:dim={dim},rho={rho}", "--chains", str(chains),
               "--warmup", "0", "--draws", str(steps), "--step-size", str(eps), "--seed", str(seed),
               "--device", device, "--precision", precision, "--quiet", "--out", out]
        if not keep_draws:
            cmd += ["--thin", str(steps), "--tv-every", "0"]
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        run = json.load(open(os.path.join(out, "run.json")))
        return run["wall_seconds"], 0.0, np.load(os.path.join(out, "draws.npy")), run["device_used"]


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
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="double", choices=["float", "double"],
                    help="of every sampler: manychains, NumPy, PyTorch, and JAX (x64 enabled for double)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    dtype = np.float64 if a.precision == "double" else np.float32
    try:
        import jax
        jax.config.update("jax_enable_x64", a.precision == "double")
        jax_device = jax.default_backend()
    except ImportError:
        jax_device = "-"
    eps = 1.3 * a.dim ** (-1 / 6) * (0.3 if a.rho > 0 else 1.0)  # near MALA's optimal scaling on N(0, I)
    burn = a.steps // 4
    rows = []
    t, _, draws, dev = manychains_mala(a.manychains, a.chains, a.dim, a.rho, eps, a.steps, 1, a.device, a.precision)
    rows.append(("manychains", dev, t, 0.0, draws))
    t, _, _, dev = manychains_mala(a.manychains, a.chains, a.dim, a.rho, eps, a.steps, 1, a.device, a.precision,
                                   keep_draws=False)
    rows.append(("manychains, no draws kept", dev, t, 0.0, None))
    for name, fn, dev in [("numpy (vectorised)", numpy_mala, "cpu"),
                          ("pytorch (vectorised)", torch_mala, "torch"),
                          ("blackjax mala (vmap, jit)", blackjax_mala, jax_device),
                          ("numpyro HMC L=1 (vectorized)", numpyro_hmc1, jax_device)]:
        try:
            t, compile_s, draws = fn(a.chains, a.dim, a.rho, eps, a.steps, 1, dtype)
            if dev == "torch":
                import torch
                dev = "cuda" if torch.cuda.is_available() else "cpu"
            rows.append((name, dev, t, compile_s, draws))
        except ImportError as e:
            print(f"# {name}: skipped ({e})", file=sys.stderr)
    cli, engine = rows[0], rows[1]
    steps = a.chains * a.steps
    print(f"# MALA, gaussian dim={a.dim} rho={a.rho}, {a.chains} chains x {a.steps} steps, eps={eps:.3f}, {a.precision}")
    print("# x CLI / x engine: the row's seconds over manychains' (CLI with draws on disk / sampler alone); "
          ">1 means manychains is faster")
    print(f"{'sampler':32} {'device':22} {'seconds':>9} {'chain-steps/s':>14} {'min ESS/s':>10} {'x CLI':>7} "
          f"{'x engine':>8} {'ESS/s x CLI':>11} {'compile s':>9}")
    results = []
    cli_ess_rate = min_bulk_ess(cli[4], burn) / cli[2]
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
