"""Argument checks with the CLI's one-line messages (ValueError), before any work starts."""
import numbers
import secrets

import numpy as np

MAX_CHAINS = 2**31


def whole(name, value, low=0, high=2**63):
    """An int in [low, high], or ValueError naming the argument."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def positive(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not (v > 0 and np.isfinite(v)):
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return v


def choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(str, allowed))}, not {value!r}")
    return value


def seed_of(seed):
    """A seed in [0, 2^64): the one given, or one drawn at random (recorded in the result)."""
    if seed is None:
        return secrets.randbits(64)
    return whole("seed", seed, 0, 2**64 - 1)


def precision_of(precision):
    p = {"float32": "float", "float64": "double"}.get(precision, precision)
    return choice("precision", p, ("float", "double"))
