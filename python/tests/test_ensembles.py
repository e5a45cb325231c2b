"""manychains.ensemble.stretch / svgd and manychains.converge against the CLI: same seed, same numbers."""
import _thread
import json
import threading

import numpy as np
import pytest

import manychains as mc


def test_stretch_equals_cli(cli, tmp_path):
    spec = "gaussian:dim=3,rho=0.5"
    cli("ensemble", "--method", "stretch", "--target", spec, "--ensembles", 4, "--iterations", 200, "--burn", 50,
        "--seed", 5, "--device", "cpu", "--out", tmp_path, "--quiet")
    out = mc.ensemble.stretch(spec, ensembles=4, iterations=200, burn=50, seed=5, device="cpu", progress=False)
    np.testing.assert_array_equal(out["draws"], np.load(tmp_path / "draws.npy"))
    np.testing.assert_array_equal(out["particles"], np.load(tmp_path / "particles.npy"))
    run = json.loads((tmp_path / "run.json").read_text())
    assert out["acceptance_fraction"] == pytest.approx(run["acceptance_fraction"], rel=1e-12)
    np.testing.assert_allclose(out["integrated_time"], run["integrated_time"], rtol=1e-12)
    for key in ("mean", "sd", "q5", "q50", "q95", "mcse_mean"):
        np.testing.assert_allclose(out["summary"][key], [row[key] for row in run["summary"]], rtol=1e-12, err_msg=key)


def test_svgd_equals_cli(cli, tmp_path):
    spec = "mixture:dim=2"
    cli("ensemble", "--method", "svgd", "--target", spec, "--particles", 128, "--iterations", 100, "--seed", 5,
        "--device", "cpu", "--out", tmp_path, "--quiet")
    out = mc.ensemble.svgd(spec, particles=128, iterations=100, seed=5, device="cpu", progress=False)
    np.testing.assert_array_equal(out["particles"], np.load(tmp_path / "particles.npy"))
    run = json.loads((tmp_path / "run.json").read_text())
    assert (out["iterations_done"], out["converged"]) == (run["iterations_done"], run["converged"])
    np.testing.assert_allclose(out["trace"]["bandwidth"], [r["bandwidth"] for r in run["trace"]], rtol=1e-12)


def test_converge_equals_cli(cli, tmp_path):
    cli("converge", "--target", "gaussian:dim=2", "--pairs", 64, "--lag", 10, "--seed", 5, "--device", "cpu",
        "--out", tmp_path / "tv.json", "--quiet")
    out = mc.converge("gaussian:dim=2", pairs=64, lag=10, seed=5, device="cpu")
    ref = json.loads((tmp_path / "tv.json").read_text())
    np.testing.assert_array_equal(out["meeting_times"], ref["meeting_times"])
    assert out["t_below_threshold"] == ref["t_below_threshold"]
    every = ref["curve"]["every"]
    np.testing.assert_allclose(out["bound"][::every][:len(ref["curve"]["bound"])], ref["curve"]["bound"][:len(
        out["bound"][::every])], rtol=1e-12)


def test_ctrl_c_stops_converge_within_a_segment():
    # The whole run takes about 15 s on two cores; Ctrl-C after 0.5 s stops the pairs within a
    # segment of steps and raises our KeyboardInterrupt, not the plain one Python raises once a
    # run that ignored the signal returns.
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt, match="converge interrupted"):
        mc.converge("mixture", pairs=20000, seed=3, device="cpu")
    timer.cancel()


def test_converge_from_a_sample_run():
    data = mc.sample("gaussian:dim=2", chains=32, warmup=200, draws=10, seed=1, progress=False,
                     return_inferencedata=False)
    out = mc.converge(from_run=data, target=None, pairs=32, lag=5, seed=2)
    assert out["step_size"] == data["attrs"]["step_size"] and out["unmet_pairs"] == 0
    assert out["bound"][0] >= out["bound"][-1] == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda: mc.ensemble.stretch("gaussian:dim=3", walkers=3), ValueError, "walkers"),
    (lambda: mc.ensemble.svgd("gaussian", step_size=0), ValueError, "step_size"),
    (lambda: mc.ensemble.svgd("gaussian:dim=2,scale=1e200", optimizer="fixed", step_size=100, iterations=50,
                              particles=16, progress=False), FloatingPointError, "diverged"),
    (lambda: mc.converge("gaussian", lag=0), ValueError, "lag"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_logistic_refused(tmp_path):
    (tmp_path / "d.csv").write_text("x,y\n1,0\n2,1\n")
    with pytest.raises(ValueError, match="batched logistic target is not supported"):
        mc.ensemble.stretch(f"logistic:data={tmp_path / 'd.csv'}")
