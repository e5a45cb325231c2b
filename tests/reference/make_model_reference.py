"""Summaries of posteriordb reference draws for tests/data/models/<posterior>/reference.json.

Usage: python make_model_reference.py DRAWS.json OUT.json  (DRAWS.json: posteriordb's
reference_posteriors/draws/draws/<posterior>.json.zip, unzipped: a list of chains, each a dict of
parameter name -> draws).
"""
import json
import sys

import arviz as az
import numpy as np

chains = json.load(open(sys.argv[1]))
ref = {}
for p in chains[0]:
    x = np.array([c[p] for c in chains])
    ref[p] = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)),
              "mcse_mean": float(az.mcse(x, method="mean")), "mcse_sd": float(az.mcse(x, method="sd"))}
json.dump(ref, open(sys.argv[2], "w"), indent=1)
