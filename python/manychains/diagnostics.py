"""Convergence diagnostics with ArviZ's conventions and numbers (0.x: rhat, ess, mcse, summary).

Each function takes what ArviZ takes: a (chain, draw) array (the result is a float), an
InferenceData or xarray Dataset (the posterior group; the result is a Dataset of the variables'
shapes), or a dict of (chain, draw, ...) arrays; also, unlike ArviZ, a (chain, draw, *shape) array
(the result is an array of that shape). The numbers are those of manychains' C++ diagnostics, which
match ArviZ's to ~1e-13, computed in parallel over parameters, on the GPU with device="cuda" in
``summary``.

Where they differ from ArviZ (docs/python.md): a NaN or infinite draw, or fewer than 4 draws per
chain, raise ValueError with a message instead of returning NaN. R-hat of one chain is NaN, as in
ArviZ.
"""
import numpy as np

from . import _core

__all__ = ["rhat", "ess", "ess_bulk", "ess_tail", "mcse", "summary"]

_RHAT = {"rank": "rhat_rank", "z_scale": "rhat_z_scale", "folded": "rhat_folded", "split": "rhat_split",
         "identity": "rhat_identity"}
_ESS = {"bulk": "ess_bulk", "tail": "ess_tail", "mean": "ess_mean", "sd": "ess_sd", "quantile": "ess_quantile",
        "identity": "ess_identity"}
_MCSE = {"mean": "mcse_mean", "sd": "mcse_sd"}


def rhat(data, *, var_names=None, method="rank"):
    """R-hat (ArviZ ``rhat``): method "rank" (default: rank-normalised split R-hat, the max of bulk
    and folded), "split", "folded", "z_scale" or "identity"."""
    name = _method(method, _RHAT, "rhat")
    return _apply(data, var_names, lambda x: _rhat_column(x, name))


def ess(data, *, var_names=None, method="bulk", relative=False, prob=None):
    """Effective sample size (ArviZ ``ess``): method "bulk" (default), "tail" (prob: (0.05, 0.95) or
    a pair), "quantile" (prob needed), "mean", "sd" or "identity"; relative: per draw."""
    name = _method(method, _ESS, "ess")
    p1, p2 = 0.05, 0.95
    if method == "tail" and prob is not None:
        p1, p2 = (prob, 1 - prob) if np.isscalar(prob) else prob
    elif method == "quantile":
        if prob is None:
            raise ValueError("ess: method 'quantile' needs prob")
        p1 = prob
    elif prob is not None:
        raise ValueError(f"ess: prob applies to methods 'tail' and 'quantile', not '{method}'")

    def one(x):
        v = _core.statistic(x, name, float(p1), float(p2))
        return v / (x.shape[0] * x.shape[1]) if relative else v

    return _apply(data, var_names, one)


def ess_bulk(data, *, var_names=None, relative=False):
    """Bulk ESS: ``ess(method="bulk")``."""
    return ess(data, var_names=var_names, method="bulk", relative=relative)


def ess_tail(data, *, var_names=None, relative=False, prob=None):
    """Tail ESS at the 5% and 95% quantiles (or prob): ``ess(method="tail")``."""
    return ess(data, var_names=var_names, method="tail", relative=relative, prob=prob)


def mcse(data, *, var_names=None, method="mean", prob=None):
    """Monte Carlo standard error (ArviZ ``mcse``): method "mean" (default) or "sd"."""
    if prob is not None:
        raise ValueError("mcse: prob (methods 'median' and 'quantile') is not supported; use method 'mean' or 'sd'")
    name = _method(method, _MCSE, "mcse")
    return _apply(data, var_names, lambda x: _core.statistic(x, name))


def summary(data, *, var_names=None, kind="all", hdi_prob=None, round_to=None, fmt="wide", device="cpu"):
    # device: "cpu" (default), "cuda" (ValueError with the reason where no GPU is usable) or "auto".
    """The table of ArviZ's ``summary`` (stat_focus="mean"): mean, sd (ddof 1), hdi_3%, hdi_97% (the
    highest-density interval of hdi_prob, default 0.94), mcse_mean, mcse_sd, ess_bulk, ess_tail,
    r_hat; kind "stats" or "diagnostics" for one half. Rounded as ArviZ rounds (round_to None: 3
    decimals, ESS to whole numbers, R-hat 2; a number: that many; "none": raw numbers). A pandas
    DataFrame indexed by "name" / "name[i,j]" (fmt="wide"; pandas needed), or with fmt="dict" a
    dict of numpy columns with "name"."""
    if kind not in ("all", "stats", "diagnostics"):
        raise ValueError(f"summary: kind must be all, stats or diagnostics, not {kind!r}")
    if fmt not in ("wide", "dict"):
        raise ValueError(f"summary: fmt must be wide or dict, not {fmt!r}")
    hdi_prob = 0.94 if hdi_prob is None else float(hdi_prob)
    if not 0 < hdi_prob < 1:
        raise ValueError("summary: hdi_prob must lie in (0, 1)")
    labels, columns = [], []
    for var, x, shape, coords in _variables(data, var_names, with_coords=True):
        columns.append(x)
        labels += [var] if not shape else [f"{var}[{', '.join(str(c[i]) for c, i in zip(coords, index))}]"
                                           for index in np.ndindex(*shape)]
    x = np.ascontiguousarray(np.concatenate(columns, axis=2), dtype=np.float64)
    chains, draws, _ = x.shape
    d = _core.diagnose(x, [], 0.05, 0.95, 0, device)
    table = {}
    if kind in ("all", "stats"):
        table["mean"] = d["mean"]
        table["sd"] = d["sd"]
        low, high = _hdi(x, hdi_prob)
        alpha = 1 - hdi_prob
        table[f"hdi_{100 * alpha / 2:g}%"] = low
        table[f"hdi_{100 * (1 - alpha / 2):g}%"] = high
    if kind in ("all", "diagnostics"):
        table["mcse_mean"] = d["mcse_mean"]
        table["mcse_sd"] = d["mcse_sd"]
        table["ess_bulk"] = d["ess_bulk"]
        table["ess_tail"] = d["ess_tail"]
        table["r_hat"] = d["rhat"] if chains > 1 else np.full_like(d["rhat"], np.nan)
    if round_to not in ("none", "None"):
        for col in table:
            digits = round_to if round_to is not None else (0 if col in ("ess_bulk", "ess_tail") else
                                                             2 if col == "r_hat" else 3)
            table[col] = np.round(table[col], int(digits))
    if fmt == "dict":
        return {"name": labels, **table}
    import pandas as pd

    return pd.DataFrame(table, index=labels)


def _hdi(x, prob):
    """ArviZ's highest-density interval of each column of (chain, draw, k): the narrowest interval of
    floor(prob * n) + 1 sorted draws."""
    s = np.sort(x.reshape(-1, x.shape[2]), axis=0)
    n = s.shape[0]
    inc = int(np.floor(prob * n))
    if n - inc <= 0:
        raise ValueError("summary: too few draws for the interval")
    width = s[inc:] - s[:n - inc]
    lo = np.argmin(width, axis=0)
    cols = np.arange(s.shape[1])
    return s[lo, cols], s[lo + inc, cols]


def _method(method, table, what):
    if method not in table:
        raise ValueError(f"{what}: method must be one of {', '.join(table)}, not {method!r}")
    return table[method]


def _rhat_column(x, name):
    v = _core.statistic(x, name)
    return v if x.shape[0] > 1 else np.full_like(v, np.nan)  # one chain: NaN, as ArviZ


def _as_3d(values):
    a = np.asarray(values, dtype=np.float64)
    if a.ndim < 2:
        a = np.atleast_2d(a)
    shape = a.shape[2:]
    return np.ascontiguousarray(a.reshape(a.shape[0], a.shape[1], -1)), shape


def _dataset(data):
    """The posterior Dataset of an InferenceData, a Dataset itself, or None."""
    if hasattr(data, "posterior") and hasattr(data, "groups"):
        return data.posterior
    if hasattr(data, "data_vars") and hasattr(data, "dims"):
        return data
    return None


def _variables(data, var_names, with_coords=False):
    """(name, (chain, draw, k) float64 array, the variable's shape[, its coordinate values per
    dimension, as ArviZ labels rows]) for each variable."""
    ds = _dataset(data)
    if ds is not None:
        names = list(ds.data_vars) if var_names is None else _listed(var_names)
        out = []
        for v in names:
            if v not in ds.data_vars:
                raise ValueError(f"var_names: {v!r} is not a variable (variables: {', '.join(ds.data_vars)})")
            da = ds[v].transpose("chain", "draw", ...)
            x, shape = _as_3d(da.values)
            coords = [da.coords[d].values if d in da.coords else np.arange(n) for d, n in zip(da.dims[2:], shape)]
            out.append((v, x, shape, coords) if with_coords else (v, x, shape))
        return out
    if isinstance(data, dict):
        names = list(data) if var_names is None else _listed(var_names)
        items = [(v, *_as_3d(data[v])) for v in names]
    else:
        items = [("x", *_as_3d(data))]
    return [(v, x, s, [np.arange(n) for n in s]) if with_coords else (v, x, s) for v, x, s in items]


def _listed(var_names):
    return [var_names] if isinstance(var_names, str) else list(var_names)


def _apply(data, var_names, statistic):
    """A statistic of each column, shaped as ArviZ returns it."""
    ds = _dataset(data)
    if ds is None and not isinstance(data, dict):
        x, shape = _as_3d(data)
        v = statistic(x)
        return float(v[0]) if not shape else v.reshape(shape)
    results = {var: statistic(x).reshape(shape) for var, x, shape in _variables(data, var_names)}
    if ds is None:
        return results
    import xarray as xr

    return xr.Dataset({var: ds[var].isel(chain=0, draw=0, drop=True).copy(data=value)
                       for var, value in results.items()})
