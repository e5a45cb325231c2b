#!/usr/bin/env python3
"""Chain-steps per second of annealed Langevin: `manychains sample --sampler annealed` on the CPU
(or --device cuda on a GPU machine) against the same algorithm written in NumPy (vectorised over
chains) and in JAX (jit, lax.scan over steps, vectorised over chains), on the same machine and the
same target: the 1-D mixture 0.8 N(-4, 1) + 0.2 N(4, 1) (and a 2-component mixture in d = 10),
convolved with N(0, sigma^2) at each level, L levels from sigma_max = 10 to sigma_min = 0.1,
T steps per level, alpha_i = epsilon sigma_i^2 / sigma_min^2 (epsilon = 0.01).

    python3 bench/annealed_bench.py --cli build/dev/manychains [--device cpu] [--chains 65536]

Ours: the sampling loop's time from run.json (seconds), chain-steps = chains x L x T. Each row
also prints the fraction of chains in the small mode (x_0 > ln(4)/8; exact 0.2) as a check that
all three ran the same algorithm.
"""
import argparse
import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np

SIGMA_MAX, SIGMA_MIN, EPSILON = 10.0, 0.1, 0.01
BOUNDARY = math.log(4.0) / 8.0


def target_spec(d):
    return f"noisy-mixture:dim={d},means=-4/4,weights=0.8/0.2"


def ours(cli, chains, d, levels, steps, device):
    with tempfile.TemporaryDirectory() as out:
        cmd = [cli, "sample", "--target", target_spec(d), "--sampler", "annealed", "--levels", str(levels),
               "--sigma-max", str(SIGMA_MAX), "--sigma-min", str(SIGMA_MIN), "--steps-per-level", str(steps),
               "--epsilon", str(EPSILON), "--chains", str(chains), "--seed", "1", "--device", device, "--quiet",
               "--out", out]
        subprocess.run(cmd, check=True)
        run = json.load(open(os.path.join(out, "run.json")))
        x = np.load(os.path.join(out, "draws.npy"))[:, 0, 0]
        return run["seconds"], float(np.mean(x > BOUNDARY)), run["device"]


def sigmas(levels):
    return [SIGMA_MAX * (SIGMA_MIN / SIGMA_MAX) ** (i / (levels - 1)) for i in range(levels)]


def score_np(x, s2):  # x (n, d); components at -4·1 and 4·1, unit variance
    v = 1.0 + s2
    la = math.log(0.8) - 0.5 * np.sum((x + 4) ** 2, axis=1) / v
    lb = math.log(0.2) - 0.5 * np.sum((x - 4) ** 2, axis=1) / v
    m = np.maximum(la, lb)
    ra, rb = np.exp(la - m), np.exp(lb - m)
    r = (ra / (ra + rb))[:, None]
    return (r * (-4 - x) + (1 - r) * (4 - x)) / v


def numpy_run(chains, d, levels, steps):
    rng = np.random.default_rng(1)
    x = SIGMA_MAX * rng.standard_normal((chains, d))
    start = time.perf_counter()
    for s in sigmas(levels):
        alpha = EPSILON * s * s / SIGMA_MIN ** 2
        h = math.sqrt(alpha)
        for _ in range(steps):
            x = x + 0.5 * alpha * score_np(x, s * s) + h * rng.standard_normal(x.shape)
    return time.perf_counter() - start, float(np.mean(x[:, 0] > BOUNDARY))


def jax_run(chains, d, levels, steps):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    def score(x, s2):
        v = 1.0 + s2
        la = jnp.log(0.8) - 0.5 * jnp.sum((x + 4) ** 2, axis=1) / v
        lb = jnp.log(0.2) - 0.5 * jnp.sum((x - 4) ** 2, axis=1) / v
        r = jax.nn.sigmoid(la - lb)[:, None]
        return (r * (-4 - x) + (1 - r) * (4 - x)) / v

    sig = jnp.array(sigmas(levels))

    @jax.jit
    def run(key, x):
        def level(carry, s):
            def step(c, _):
                x, key = c
                key, sub = jax.random.split(key)
                alpha = EPSILON * s * s / SIGMA_MIN ** 2
                x = x + 0.5 * alpha * score(x, s * s) + jnp.sqrt(alpha) * jax.random.normal(sub, x.shape)
                return (x, key), None
            carry, _ = jax.lax.scan(step, carry, None, length=steps)
            return carry, None
        (x, _), _ = jax.lax.scan(level, (x, key), sig)
        return x

    key = jax.random.PRNGKey(1)
    x0 = SIGMA_MAX * jax.random.normal(key, (chains, d))
    run(key, x0).block_until_ready()  # compile
    start = time.perf_counter()
    x = run(key, x0).block_until_ready()
    return time.perf_counter() - start, float(jnp.mean(x[:, 0] > BOUNDARY))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", default="build/dev/manychains")
    p.add_argument("--device", default="cpu")
    p.add_argument("--chains", type=int, default=65536)
    p.add_argument("--levels", type=int, default=10)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--no-jax", action="store_true")
    a = p.parse_args()
    print(f"| d | chains | L x T | who | seconds | chain-steps/s | ratio to ours | small-mode fraction (exact 0.2) |")
    print("|---|---|---|---|---|---|---|---|")
    for d in (1, 10):
        work = a.chains * a.levels * a.steps
        t0, f0, dev = ours(a.cli, a.chains, d, a.levels, a.steps, a.device)
        rows = [(f"manychains ({dev})", t0, f0)]
        rows.append(("NumPy (vectorised)",) + numpy_run(a.chains, d, a.levels, a.steps))
        if not a.no_jax:
            rows.append(("JAX (jit, CPU)",) + jax_run(a.chains, d, a.levels, a.steps))
        for who, t, f in rows:
            print(f"| {d} | {a.chains} | {a.levels} x {a.steps} | {who} | {t:.3f} | {work / t:.3g} | "
                  f"{t / t0:.2f} | {f:.4f} |")


if __name__ == "__main__":
    main()
