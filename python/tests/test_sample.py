"""manychains.sample against the CLI (same seed: the same draws, bit for bit), closed-form moments,
Ctrl-C, progress and bad input."""
import _thread
import json
import threading

import numpy as np
import pytest

import manychains as mc

RUN = dict(chains=64, warmup=150, draws=200, seed=7, device="cpu", progress=False)


def test_builtin_target_equals_cli(cli, tmp_path):
    spec = "gaussian:dim=3,rho=0.5"
    cli("sample", "--target", spec, "--chains", 64, "--warmup", 150, "--draws", 200, "--seed", 7, "--device", "cpu",
        "--out", tmp_path, "--quiet")
    out = mc.sample(spec, **RUN, return_inferencedata=False)
    np.testing.assert_array_equal(out["posterior"]["x"], np.load(tmp_path / "draws.npy"))
    run = json.loads((tmp_path / "run.json").read_text())
    assert out["attrs"]["step_size"] == run["step_size"]
    assert out["sample_stats"]["lp"].shape == (64, 200)


def test_inference_data_groups_and_moments():
    arviz = pytest.importorskip("arviz")
    idata = mc.sample("gaussian:dim=2,mean=1;-2,scale=1;3", **RUN)
    assert isinstance(idata, arviz.InferenceData)
    assert set(idata.sample_stats.data_vars) == {"lp", "acceptance_rate", "diverging", "step_size"}
    x = idata.posterior["x"]
    assert x.shape == (64, 200, 2)
    # Closed-form truth: mean (1, -2), sd (1, 3); 5 MCSE bounds fail with probability ~6e-7 each.
    mean = x.mean(("chain", "draw")).values
    err = mc.diagnostics.mcse(idata)["x"].values
    assert np.all(np.abs(mean - [1, -2]) < 5 * err)
    sd = x.std(("chain", "draw"), ddof=1).values
    err_sd = mc.diagnostics.mcse(idata, method="sd")["x"].values
    assert np.all(np.abs(sd - [1, 3]) < 5 * err_sd)


def test_logistic_arrays_equal_cli_on_the_same_csv(cli, tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 2))
    y = (rng.uniform(size=80) < 1 / (1 + np.exp(-(0.5 + X @ [1.0, -2.0])))).astype(float)
    csv = tmp_path / "data.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="age,dose,outcome", comments="", fmt="%.17g")
    cli("sample", "--target", f"logistic:data={csv}", "--chains", 64, "--warmup", 150, "--draws", 200, "--seed", 7,
        "--device", "cpu", "--out", tmp_path / "run", "--quiet")
    out = mc.sample("logistic", X=X, y=y, names=["age", "dose"], **RUN, return_inferencedata=False)
    assert list(out["posterior"]) == ["intercept", "age", "dose"]
    draws = np.stack([out["posterior"][k] for k in ("intercept", "age", "dose")], axis=2)
    np.testing.assert_array_equal(draws, np.load(tmp_path / "run" / "draws.npy"))


def test_model_file_equals_cli(cli, repo, tmp_path):
    model = repo / "examples" / "models" / "eight_schools.hpp"
    data_file = repo / "examples" / "models" / "eight_schools.data.json"
    cli("sample", "--model", model, "--data", data_file, "--chains", 64, "--warmup", 150, "--draws", 200, "--seed", 7,
        "--out", tmp_path, "--quiet")
    out = mc.sample(model=model, data=json.loads(data_file.read_text()), **RUN, return_inferencedata=False)
    cli_draws = np.load(tmp_path / "draws.npy")
    names = json.loads((tmp_path / "run.json").read_text())["parameter_names"]
    assert names[-1] == "tau" and "tau" in out["posterior"]
    assert np.all(out["posterior"]["tau"] > 0)  # the constrained scale
    np.testing.assert_array_equal(out["posterior"]["tau"], cli_draws[:, :, -1])


def test_ctrl_c_keeps_whole_draws_equal_to_a_shorter_run():
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt) as caught:
        mc.sample("gaussian:dim=4", chains=16, warmup=20, draws=10**8, thin=1000, seed=3, device="cpu",
                  progress=False, return_inferencedata=False)
    timer.cancel()
    assert isinstance(caught.value, mc.SamplingInterrupted)
    partial = caught.value.result
    kept = partial["attrs"]["kept_draws"]
    assert 0 < kept < 10**5 and partial["attrs"]["interrupted"]
    assert partial["posterior"]["x"].shape == (16, kept, 4)
    whole = mc.sample("gaussian:dim=4", chains=16, warmup=20, draws=kept * 1000, thin=1000, seed=3, device="cpu",
                      progress=False, return_inferencedata=False)
    np.testing.assert_array_equal(partial["posterior"]["x"], whole["posterior"]["x"])


def test_progress_callable_sees_every_step():
    seen = []
    mc.sample("gaussian:dim=2", chains=8, warmup=50, draws=50, seed=1, progress=lambda d, t: seen.append((d, t)),
              return_inferencedata=False)
    assert seen[-1] == (100, 100) and all(t == 100 for _, t in seen)


def test_until_ess_and_dense_metric_and_warmup():
    out = mc.sample("gaussian:dim=3,rho=0.9", chains=64, draws=100, until_ess=400, metric="dense", seed=2,
                    save_warmup=True, progress=False, return_inferencedata=False)
    assert out["attrs"]["metric"] == "dense" and out["attrs"]["stop_reason"]
    assert "warmup_posterior" in out and out["warmup_posterior"]["x"].shape[1] == out["attrs"]["warmup_steps_done"]
    assert np.all(mc.diagnostics.ess(out["posterior"]["x"]) >= 400)


@pytest.mark.parametrize("call, message", [
    (lambda: mc.sample("nosuch", chains=4), "valid targets"),
    (lambda: mc.sample("gaussian:dim=0", chains=4), "dim"),
    (lambda: mc.sample("gaussian", chains=0), "chains must be a whole number"),
    (lambda: mc.sample("gaussian", draws=10, thin=20), "draws must be at least thin"),
    (lambda: mc.sample("gaussian", step_size=-1), "step_size must be a positive number"),
    (lambda: mc.sample("gaussian", device="tpu"), "device must be one of"),
    (lambda: mc.sample("logistic", X=[[1.0], [np.nan]], y=[0, 1]), "not finite"),
    (lambda: mc.sample("logistic", X=[[1.0], [2.0]], y=[0, 2]), "must be 0 or 1"),
    (lambda: mc.sample("logistic", X=[[1.0], [2.0]], y=[0, 1, 1]), "rows"),
    (lambda: mc.sample(model="/nonexistent.hpp", data={}), "not a file"),
])
def test_bad_input_raises_value_error_with_one_line(call, message):
    with pytest.raises(ValueError, match=message) as caught:
        call()
    assert "\n" not in str(caught.value)


def test_memory_refused_before_running():
    with pytest.raises(MemoryError, match="use fewer chains"):
        mc.sample("gaussian:dim=1000", chains=10**6, warmup=0, draws=10**6, progress=False)


def test_cuda_refused_with_the_reason_without_a_gpu():
    usable, reason = mc.cuda_available()
    if usable:
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="cuda"):
        mc.sample("gaussian", chains=4, device="cuda")


def test_keyboard_interrupt_inside_the_progress_bar_also_keeps_draws():
    def progress(done, total):
        if done > 50:
            raise KeyboardInterrupt

    with pytest.raises(mc.SamplingInterrupted) as caught:
        mc.sample("gaussian:dim=2", chains=8, warmup=10, draws=10**8, thin=1000, seed=3, progress=progress,
                  return_inferencedata=False)
    assert caught.value.result["attrs"]["interrupted"]


def test_an_exception_in_the_progress_callable_propagates():
    def progress(done, total):
        raise RuntimeError("progress failed")

    with pytest.raises(RuntimeError, match="progress failed"):
        mc.sample("gaussian:dim=2", chains=8, warmup=10, draws=10, seed=3, progress=progress)
