"""manychains.diagnostics against ArviZ (the reference): the same numbers to ~1e-10, the same shapes."""
import numpy as np
import pytest

import manychains as mc

az = pytest.importorskip("arviz")


def ar1(shape, rho=0.8, seed=0, offset=None):
    """AR(1) chains (chain, draw, ...) with per-chain offsets: autocorrelated and slightly unmixed."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape)
    x = np.empty_like(z)
    x[:, 0] = z[:, 0]
    for t in range(1, shape[1]):
        x[:, t] = rho * x[:, t - 1] + np.sqrt(1 - rho**2) * z[:, t]
    if offset is not None:
        x += offset * np.arange(shape[0]).reshape((-1,) + (1,) * (len(shape) - 1))
    return x


X2 = ar1((4, 500), offset=0.1)


@pytest.mark.parametrize("method", ["rank", "split", "folded", "z_scale", "identity"])
def test_rhat_methods_equal_arviz(method):
    assert mc.diagnostics.rhat(X2, method=method) == pytest.approx(az.rhat(X2, method=method), rel=1e-10)


@pytest.mark.parametrize("method, prob", [("bulk", None), ("tail", None), ("tail", (0.1, 0.9)), ("mean", None),
                                          ("sd", None), ("quantile", 0.3), ("identity", None)])
def test_ess_methods_equal_arviz(method, prob):
    ours = mc.diagnostics.ess(X2, method=method, prob=prob)
    assert ours == pytest.approx(az.ess(X2, method=method, prob=prob), rel=1e-10)
    relative = mc.diagnostics.ess(X2, method=method, prob=prob, relative=True)
    assert relative == pytest.approx(az.ess(X2, method=method, prob=prob, relative=True), rel=1e-10)


@pytest.mark.parametrize("method", ["mean", "sd"])
def test_mcse_equal_arviz(method):
    assert mc.diagnostics.mcse(X2, method=method) == pytest.approx(az.mcse(X2, method=method), rel=1e-10)


def test_shortcuts():
    assert mc.diagnostics.ess_bulk(X2) == pytest.approx(az.ess(X2, method="bulk"), rel=1e-10)
    assert mc.diagnostics.ess_tail(X2) == pytest.approx(az.ess(X2, method="tail"), rel=1e-10)


def idata():
    return az.from_dict(posterior={"mu": ar1((4, 300), seed=1), "theta": ar1((4, 300, 2, 3), seed=2, offset=0.05)})


def test_inference_data_gives_a_dataset_like_arviz():
    data = idata()
    ours, ref = mc.diagnostics.rhat(data), az.rhat(data)
    assert set(ours.data_vars) == {"mu", "theta"} and ours["theta"].shape == (2, 3)
    for v in ("mu", "theta"):
        np.testing.assert_allclose(ours[v].values, ref[v].values, rtol=1e-10)
    ess = mc.diagnostics.ess(data, var_names=["theta"], method="tail")
    np.testing.assert_allclose(ess["theta"].values, az.ess(data, var_names=["theta"], method="tail")["theta"].values,
                               rtol=1e-10)


def test_summary_equals_arviz_raw_and_rounded():
    data = idata()
    ours = mc.diagnostics.summary(data, round_to="none")
    ref = az.summary(data, round_to="none")
    assert list(ours.columns) == list(ref.columns) and list(ours.index) == list(ref.index)
    np.testing.assert_allclose(ours.values, ref.values, rtol=1e-10)
    rounded = mc.diagnostics.summary(data, hdi_prob=0.9)
    ref_rounded = az.summary(data, hdi_prob=0.9)
    assert list(rounded.columns) == list(ref_rounded.columns)
    np.testing.assert_allclose(rounded.values, ref_rounded.values, atol=1e-9)  # rounded alike
    for kind in ("stats", "diagnostics"):
        assert list(mc.diagnostics.summary(data, kind=kind).columns) == list(az.summary(data, kind=kind).columns)


def test_summary_of_a_sample_run():
    data = mc.sample("gaussian:dim=3", chains=16, warmup=100, draws=100, seed=4, progress=False)
    np.testing.assert_allclose(mc.diagnostics.summary(data, round_to="none").values,
                               az.summary(data, round_to="none").values, rtol=1e-10)


def test_one_chain_rhat_is_nan_as_arviz():
    one = X2[:1]
    assert np.isnan(mc.diagnostics.rhat(one)) and np.isnan(az.rhat(one))
    assert mc.diagnostics.ess(one) == pytest.approx(az.ess(one), rel=1e-10)


def test_bad_draws_raise_value_error():
    bad = X2.copy()
    bad[1, 7] = np.nan
    with pytest.raises(ValueError, match="not finite|NaN"):
        mc.diagnostics.rhat(bad)
    with pytest.raises(ValueError, match="draws"):
        mc.diagnostics.ess(X2[:, :3])
    with pytest.raises(ValueError, match="method must be one of"):
        mc.diagnostics.rhat(X2, method="nosuch")


def test_summary_on_cuda_without_a_gpu_is_refused_with_the_reason():
    if mc.cuda_available()[0]:
        np.testing.assert_allclose(mc.diagnostics.summary(idata(), device="cuda", round_to="none").values,
                                   mc.diagnostics.summary(idata(), round_to="none").values, rtol=1e-10)
    else:
        with pytest.raises(ValueError, match="cuda"):
            mc.diagnostics.summary(idata(), device="cuda")
