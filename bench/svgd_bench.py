#!/usr/bin/env python3
"""SVGD iterations per second: `manychains ensemble --method svgd` on the CPU (or --device cuda on
a GPU machine) at n = 4096 / 16384 (/ 65536 with --large) particles in d = 2 and d = 50 on a
standard Gaussian, against BlackJAX's SVGD on the same machine where it fits in memory, and against
the FLOP count of the pairwise interaction.

    python3 bench/svgd_bench.py --cli build/ens/manychains [--device cpu] [--large] [--no-blackjax]

Ours: the time of the SVGD loop reported in run.json (bandwidth by the median heuristic on the
first 1000 particles each iteration, no KSD), divided by the iterations. The interaction costs
about 7d + 20 floating-point operations per ordered pair (distance 3d, kernel ~20 for exp, φ
update 4d), so the pair rate is n² / time per iteration and the FLOP rate ≈ n² (7d + 20) / time.

BlackJAX (blackjax.svgd with optax.sgd, its median heuristic and RBF kernel, the same
exp(-|x-y|²/h), h = med²/log n): its jitted step vmaps the kernel gradient over all pairs and so
materialises n × n (× d) arrays; runs needing more than --blackjax-gib GiB for them are skipped.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time


def ours(cli, n, d, iterations, device):
    with tempfile.TemporaryDirectory() as out:
        cmd = [cli, "ensemble", "--method", "svgd", "--target", f"gaussian:dim={d}", "--particles", str(n),
               "--iterations", str(iterations), "--tolerance", "0", "--ksd-every", "0", "--seed", "1",
               "--device", device, "--quiet", "--out", out]
        subprocess.run(cmd, check=True)
        run = json.load(open(os.path.join(out, "run.json")))
        return run["seconds"] / run["iterations_done"], run["device"]


def blackjax_time(n, d, iterations):
    import jax
    import jax.numpy as jnp
    import optax
    import blackjax

    def logdensity(x):
        return -0.5 * jnp.sum(x * x)

    svgd = blackjax.svgd(jax.grad(logdensity), optax.sgd(0.1))
    x0 = jax.random.normal(jax.random.PRNGKey(0), (n, d)) * 2.0
    state = svgd.init(x0, {"length_scale": 1.0})
    step = svgd.step

    @jax.jit
    def one(state):
        return step(blackjax.vi.svgd.update_median_heuristic(state))

    state = one(state)
    jax.block_until_ready(state.particles)
    t0 = time.perf_counter()
    for _ in range(iterations):
        state = one(state)
    jax.block_until_ready(state.particles)
    return (time.perf_counter() - t0) / iterations


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/ens/manychains")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--large", action="store_true", help="also n = 65536")
    ap.add_argument("--no-blackjax", action="store_true")
    ap.add_argument("--blackjax-gib", type=float, default=1.0)
    ap.add_argument("--out", default=None, help="write the rows as JSON here")
    args = ap.parse_args()
    sizes = [4096, 16384] + ([65536] if args.large else [])
    rows = []
    print(f"{'n':>7} {'d':>4} {'ours s/it':>10} {'it/s':>9} {'Gpair/s':>8} {'GFLOP/s':>8} {'blackjax s/it':>14}")
    for d in (2, 50):
        for n in sizes:
            pairs = float(n) * n
            # Aim for a few seconds per point on a 2-core CPU.
            iters = max(2, min(20, int(4e9 / (pairs * (7 * d + 20)))))
            t, device = ours(args.cli, n, d, iters, args.device)
            bj = None
            need_gib = pairs * (d + 2) * 4 / 2**30
            if not args.no_blackjax and need_gib <= args.blackjax_gib:
                try:
                    bj = blackjax_time(n, d, max(2, iters // 2))
                except Exception as e:  # noqa: BLE001 - report and go on
                    bj = f"failed: {type(e).__name__}"
            elif not args.no_blackjax:
                bj = f"skipped (needs ~{need_gib:.0f} GiB for n x n x d)"
            row = {"n": n, "d": d, "iterations": iters, "device": device, "seconds_per_iteration": t,
                   "iterations_per_second": 1 / t, "pairs_per_second": pairs / t,
                   "gflops": pairs * (7 * d + 20) / t / 1e9, "blackjax_seconds_per_iteration": bj}
            rows.append(row)
            bj_text = f"{bj:.4g}" if isinstance(bj, float) else str(bj)
            print(f"{n:>7} {d:>4} {t:>10.4g} {1 / t:>9.3g} {pairs / t / 1e9:>8.3g} {row['gflops']:>8.3g} {bj_text:>14}",
                  flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
