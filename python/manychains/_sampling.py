"""manychains.sample: warm-up and sampling of many chains, returned as ArviZ InferenceData."""
import json
import os
import tempfile

import numpy as np

from . import _core
from ._checks import MAX_CHAINS, choice, positive, precision_of, seed_of, whole
from ._errors import SamplingInterrupted
from ._progress import progress_bar


def sample(target=None, *, X=None, y=None, model=None, data=None, chains=1024, warmup=None, draws=1000, thin=1,
           seed=None, device="auto", precision="double", sampler="mala", metric="auto", step_size=None,
           target_accept=0.574, until_ess=None, max_draws=None, save_warmup=False, names=None, prior_scale=2.5,
           intercept="auto", progress=None, return_inferencedata=None):
    """Samples a target with many chains (MALA or ULA, adapted on all chains during warm-up).

    The target is one of:

    - a built-in target spec, as the CLI's ``--target`` takes it: ``"gaussian:dim=100,rho=0.9"``,
      ``"mixture:..."``, ``"funnel:dim=10"``, ``"rosenbrock"``, ``"oring"`` (the default), ...;
    - ``target="logistic"`` with ``X`` (n × p) and ``y`` (n, 0/1): Bayesian logistic regression
      (``prior_scale``, ``intercept`` "auto"/"1"/"0" and ``names`` of the columns as the CLI's keys);
    - ``model=`` a model file (docs/models.md) with ``data=`` a dict (CmdStan's JSON layout) or a
      JSON file's path: compiled once into a cached shared object, sampled on the CPU.

    ``warmup`` defaults to 1000 steps; with ``until_ess`` and no ``warmup`` it is adaptive, and
    sampling runs in blocks until every parameter's bulk and tail ESS reach ``until_ess`` and R-hat
    is at most 1.01, or ``max_draws`` (default 20 × draws) steps. ``seed`` None draws one at random
    (it is in the result's attrs). The GIL is released while the chains run; Ctrl-C stops at the
    next whole draw and raises :class:`manychains.SamplingInterrupted` (a KeyboardInterrupt) whose
    ``.result`` holds the completed draws.

    Returns an ``arviz.InferenceData`` (groups posterior, sample_stats with lp, acceptance_rate,
    diverging and step_size, and with ``save_warmup`` warmup_posterior and warmup_sample_stats)
    when ArviZ imports and ``return_inferencedata`` is not False; else a dict of those groups as
    dicts of numpy arrays shaped (chain, draw, ...), plus "attrs".
    """
    opts = dict(
        chains=whole("chains", chains, 1, MAX_CHAINS),
        draws=whole("draws", draws, 1),
        thin=whole("thin", thin, 1),
        seed=seed_of(seed),
        device=choice("device", device, ("auto", "cpu", "cuda")),
        precision=precision_of(precision),
        sampler=choice("sampler", sampler, ("mala", "ula")),
        metric=choice("metric", metric, ("auto", "diag", "dense")),
        target_accept=positive("target_accept", target_accept),
        save_warmup=bool(save_warmup),
    )
    if step_size is not None:
        opts["step_size"] = positive("step_size", step_size)
        if opts["step_size"] > 100:
            raise ValueError("step_size must be a positive number, at most 100 (it is in the adapted metric's units, "
                             "where a good step is about 1)")
    if not opts["target_accept"] < 1:
        raise ValueError("target_accept must lie in (0, 1)")
    if opts["draws"] < opts["thin"]:
        raise ValueError("draws must be at least thin")
    if until_ess is not None:
        opts["until_ess"] = positive("until_ess", until_ess)
        opts["max_draws"] = whole("max_draws", 20 * opts["draws"] if max_draws is None else max_draws, 1, 10**9)
        if opts["max_draws"] < opts["draws"]:
            raise ValueError("max_draws must be at least draws (the first block)")
        opts["adaptive_warmup"] = warmup is None
    elif max_draws is not None:
        raise ValueError("max_draws needs until_ess")
    opts["warmup"] = whole("warmup", 1000 if warmup is None else warmup, 0)

    with progress_bar(progress, "sampling") as callback:
        if model is not None:
            if target is not None or X is not None:
                raise ValueError("model= and target= (or X, y) are alternatives: give one")
            out = _sample_model(model, data, opts, callback)
        elif X is not None or y is not None or target == "logistic":
            if X is None or y is None:
                raise ValueError("target 'logistic' needs both X (rows x predictors) and y (0/1 per row)")
            out = _sample_logistic(X, y, names, prior_scale, intercept, opts, callback)
        else:
            if not isinstance(target if target is not None else "", str):
                raise ValueError(f"target must be a spec string such as 'gaussian:dim=10', not {type(target).__name__}")
            out = _core.sample_target("oring" if target is None else target, opts, callback)
    result = _package(out, return_inferencedata)
    if out["keyboard_interrupt"]:
        raise SamplingInterrupted(
            f"interrupted: kept {out['attrs']['kept_draws']} whole draws of each of {out['attrs']['chains']} chains "
            "(in this exception's .result)", result)
    return result


def _sample_logistic(X, y, names, prior_scale, intercept, opts, callback):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or y.ndim != 1:
        raise ValueError(f"logistic: X must be 2-D (rows x predictors) and y 1-D, not shapes {X.shape} and {y.shape}")
    if names is None:
        names = [f"x{j}" for j in range(X.shape[1])]
    intercept = {True: "1", False: "0", 1: "1", 0: "0"}.get(intercept, intercept)
    return _core.sample_logistic(np.ascontiguousarray(X), np.ascontiguousarray(y), [str(n) for n in names],
                                 positive("prior_scale", prior_scale), str(intercept), opts, callback)


def _sample_model(model, data, opts, callback):
    model = os.fspath(model)
    if not os.path.isfile(model):
        raise ValueError(f"model: {model} is not a file")
    if os.environ.get("MANYCHAINS_INCLUDE_DIR") is None:
        installed = os.path.join(os.path.dirname(__file__), "include")  # the headers pip installed
        if os.path.isdir(installed):
            os.environ["MANYCHAINS_INCLUDE_DIR"] = installed
    if data is None:
        raise ValueError("model= needs data= (a dict, or a JSON file; {} for a model without data)")
    if isinstance(data, dict):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(data, f, default=_json_value)
        try:
            return _core.sample_model(model, f.name, opts, callback)
        finally:
            os.unlink(f.name)
    return _core.sample_model(model, os.fspath(data), opts, callback)


def _json_value(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"data: {type(v).__name__} is not a number or an array")


def _variables(draws, blocks):
    """The flat draws (chain, draw, dim) as ArviZ variables: "x" of shape (n) from x[0], x[1], ..."""
    chains, n = draws.shape[:2]
    out = {}
    for name, shape, offset in blocks:
        size = int(np.prod(shape)) if shape else 1
        out[name] = draws[:, :, offset:offset + size].reshape((chains, n) + tuple(shape))
    return out


def _package(out, return_inferencedata):
    attrs = dict(out["attrs"])
    attrs["inverse_metric_sqrt"] = out["inverse_metric_sqrt"]
    groups = {"posterior": _variables(out["draws"], out["blocks"])}
    if "sample_stats" in out:
        groups["sample_stats"] = out["sample_stats"]
    if "warmup_draws" in out:
        groups["warmup_posterior"] = _variables(out["warmup_draws"], out["blocks"])
        groups["warmup_sample_stats"] = out["warmup_sample_stats"]
    if return_inferencedata is not False:
        try:
            import arviz
        except ImportError:
            if return_inferencedata:
                raise
        else:
            nc_attrs = {k: (int(v) if isinstance(v, bool) else v) for k, v in attrs.items()}
            idata = arviz.from_dict(**groups, attrs=nc_attrs, save_warmup="warmup_draws" in out)
            idata.posterior.attrs.update(nc_attrs)  # on the group too, as the CLI's posterior.nc has them
            return idata
    groups["attrs"] = attrs
    if "inverse_metric_factor" in out:
        attrs["inverse_metric_factor"] = out["inverse_metric_factor"]
    return groups
