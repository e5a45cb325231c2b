"""Interacting-particle samplers: the affine-invariant stretch move and SVGD, as `manychains ensemble`."""
import numpy as np

from . import _core
from ._checks import MAX_CHAINS, choice, positive, precision_of, seed_of, whole
from ._errors import SamplingInterrupted
from ._progress import progress_bar

__all__ = ["stretch", "svgd"]


def stretch(target="gaussian", *, walkers=None, ensembles=1, iterations=1000, burn=None, a=2.0, seed=None,
            device="auto", precision="double", progress=None):
    """Goodman & Weare's stretch move (emcee's default move) on ``ensembles`` independent ensembles of
    ``walkers`` walkers (even, at least 2 x dim; default max(32, 2 x dim)), ``burn`` steps (default
    min(500, iterations)) then ``iterations`` kept. Returns a dict: "draws" (walkers in all,
    iterations, dim), "particles" (the final positions), "acceptance" (per walker),
    "acceptance_fraction", "integrated_time" (emcee's, per parameter), "summary" (mean, sd,
    quantiles per parameter, and mcse_mean from the spread of 4 or more ensembles' means), ...
    Ctrl-C raises :class:`manychains.SamplingInterrupted` with the completed steps in ``.result``."""
    opts = dict(ensembles=whole("ensembles", ensembles, 1, 2**24), iterations=whole("iterations", iterations, 1),
                a=float(a), seed=seed_of(seed), device=choice("device", device, ("auto", "cpu", "cuda")),
                precision=precision_of(precision))
    if walkers is not None:
        opts["walkers"] = whole("walkers", walkers, 1, MAX_CHAINS)
    if burn is not None:
        opts["burn"] = whole("burn", burn, 0)
    with progress_bar(progress, "stretch") as callback:
        out = _core.stretch(target, opts, callback)
    out["seed"] = opts["seed"]
    return _finish(out)


def svgd(target="gaussian", *, particles=1024, iterations=1000, step_size=None, optimizer="adagrad",
         bandwidth="median", tolerance=1e-3, ksd_every=10, seed=None, device="auto", precision="double",
         progress=None):
    """Stein variational gradient descent (Liu & Wang 2016) with the kernel exp(-|x-y|^2/h), h by the
    median heuristic each iteration or fixed; AdaGrad (default step 0.1) or fixed steps (0.05).
    Stops when the RMS movement falls below tolerance x the particles' RMS spread (0: never).
    Returns a dict: "particles" (n, dim), "trace" (iteration, step_size, bandwidth, movement,
    spread, ksd2), "summary", "converged", "iterations_done", ..."""
    opts = dict(particles=whole("particles", particles, 1, MAX_CHAINS), iterations=whole("iterations", iterations, 1),
                optimizer=choice("optimizer", optimizer, ("adagrad", "fixed")), tolerance=float(tolerance),
                ksd_every=whole("ksd_every", ksd_every, 0), seed=seed_of(seed),
                device=choice("device", device, ("auto", "cpu", "cuda")), precision=precision_of(precision))
    if step_size is not None:
        opts["step_size"] = positive("step_size", step_size)
    if bandwidth != "median":
        opts["bandwidth"] = positive("bandwidth", bandwidth)
    with progress_bar(progress, "svgd") as callback:
        out = _core.svgd(target, opts, callback)
    out["seed"] = opts["seed"]
    return _finish(out)


def _finish(out):
    if out.pop("keyboard_interrupt"):
        raise SamplingInterrupted("interrupted: the completed iterations are in this exception's .result", out)
    return out
