"""manychains.converge: upper bounds on the TV distance to stationarity from L-lag couplings."""
import numpy as np

from . import _core
from ._checks import MAX_CHAINS, choice, positive, precision_of, seed_of, whole


def converge(target="oring", *, sampler="mala", lag=1, pairs=1024, max_steps=100000, step_size=None,
             threshold=0.01, init_center=None, init_radius=None, from_run=None, seed=None, device="auto",
             precision="double"):
    """Runs ``pairs`` coupled pairs of chains (MALA or RWM) lagged by ``lag`` until they meet and
    returns the bound d_TV(t) <= E[max(0, ceil((tau - lag - t) / lag))] (Biswas, Jacob & Vanetti
    2019) as ``manychains converge`` reports it: a dict with "bound" and "mcse" (per t from 0),
    "meeting_times", "met", "t_below_threshold" (the first t where the bound is below threshold),
    "t_below_threshold_plus_2_mcse", "unmet_pairs", "accept_rate", ...

    ``from_run``: an InferenceData (or dict) from :func:`manychains.sample`, whose adapted step size
    and diagonal preconditioner are coupled (and whose target is used when ``target`` is None).
    """
    opts = dict(sampler=choice("sampler", sampler, ("mala", "rwm")), lag=whole("lag", lag, 1),
                pairs=whole("pairs", pairs, 1, MAX_CHAINS), max_steps=whole("max_steps", max_steps, 1),
                threshold=float(threshold), seed=seed_of(seed), device=choice("device", device, ("auto", "cpu", "cuda")),
                precision=precision_of(precision))
    if from_run is not None:
        attrs = from_run.posterior.attrs if hasattr(from_run, "posterior") else from_run["attrs"]
        opts["step_size"] = float(attrs["step_size"])
        opts["scale"] = [float(v) for v in np.ravel(attrs["inverse_metric_sqrt"])]
        if target is None:
            target = attrs["target"]
    if step_size is not None:
        opts["step_size"] = positive("step_size", step_size)
    for key, value in (("init_center", init_center), ("init_radius", init_radius)):
        if value is not None:
            opts[key] = [float(v) for v in np.ravel(value)]
    return _core.converge("oring" if target is None else target, opts)
