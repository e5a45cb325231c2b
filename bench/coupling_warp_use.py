"""How much of a warp a one-pair-per-thread coupling kernel would use: meeting times from the CPU
backend (the same per-pair streams the GPU draws), grouped 32 pairs to a warp as the CUDA kernel
lays them out. A warp kept until its slowest pair meets does sum(tau) useful lane-steps out of
32 * max(tau); one launch for all pairs lasts max(tau) over every pair. The CUDA backend runs
segments of 32, 64, ..., 1024 steps and packs the unfinished pairs (in index order) between them:
its column simulates that schedule's lane use (launch and packing costs left out).

    PYTHONPATH=build/dev/python python bench/coupling_warp_use.py [--pairs 8192]
"""
import argparse

import numpy as np

import manychains as mc

TARGETS = ["gaussian:dim=10", "gaussian:dim=100", "oring", "funnel:dim=10", "mixture", "rosenbrock"]


def segmented_use(t, first=32, longest=1024):
    """Useful share of lane-steps when pairs run in segments, the unfinished packed between them."""
    left = t.copy()
    spent, budget = 0.0, first
    while left.size:
        pad = (-left.size) % 32
        w = np.concatenate([left, np.zeros(pad)]).reshape(-1, 32)
        spent += 32 * np.minimum(w.max(axis=1), budget).sum()
        left = left - budget
        left = left[left > 0]
        budget = min(2 * budget, longest)
    return t.sum() / spent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=8192)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    print("| target | met | mean tau | median | max | useful lane-steps, warps to their slowest | one launch to the slowest | segments, packed |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for spec in TARGETS:
        r = mc.converge(spec, pairs=a.pairs, seed=a.seed, device="cpu")
        t = np.asarray(r["meeting_times"], dtype=float)
        w = t[: len(t) // 32 * 32].reshape(-1, 32)
        warps = w.sum() / (32 * w.max(axis=1)).sum()
        print(f"| {spec} | {np.mean(r['met']):.3f} | {t.mean():.1f} | {np.median(t):.0f} | {t.max():.0f} | "
              f"{warps:.3f} | {t.mean() / t.max():.3f} | {segmented_use(t):.3f} |")


if __name__ == "__main__":
    main()
