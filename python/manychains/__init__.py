"""manychains: many-chain MCMC, diagnostics, Gaussian mixtures by EM and VB, ensembles and coupling bounds.

A thin layer over manychains' C++/CUDA library (the module ``manychains._core``)::

    import manychains as mc
    idata = mc.sample("gaussian:dim=10,rho=0.9", chains=256, draws=1000, seed=1)
    mc.diagnostics.summary(idata)
    gm = mc.GaussianMixture(n_components=3).fit(X)
    vb = mc.BayesianGaussianMixture(n_components=10).fit(X)

``sample`` returns an ``arviz.InferenceData`` when ArviZ is installed (else a dict of numpy arrays);
``manychains.diagnostics`` follows ArviZ's conventions and numbers; ``GaussianMixture`` and
``BayesianGaussianMixture`` are scikit-learn estimators. See docs/python.md.
"""
from ._core import __version__, cuda_built
from ._errors import SamplingInterrupted
from ._sampling import sample
from ._converge import converge
from .mixture import GaussianMixture
from .bayesian_mixture import BayesianGaussianMixture
from . import diagnostics, ensemble


def cuda_available():
    """(True, device name) when a CUDA device can be used, else (False, the reason)."""
    from ._core import cuda_available as _usable

    return _usable()


__all__ = ["sample", "converge", "GaussianMixture", "BayesianGaussianMixture", "diagnostics", "ensemble", "SamplingInterrupted",
           "cuda_available", "cuda_built", "__version__"]
