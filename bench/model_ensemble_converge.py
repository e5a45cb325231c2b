"""Model files against the same target built in, for `ensemble` (stretch move, SVGD) and `converge`
(coupled pairs), on the CPU (issue 15): the O-ring example file against `--target oring`, same seed
and settings, best of --repeats interleaved runs each. Rates are the commands' own: stretch
walker-steps/s (walkers x steps / run.json seconds), SVGD particle-iterations/s, converge chain-steps/s.

Usage: python bench/model_ensemble_converge.py [--cli build/dev/manychains] [--repeats 3]
       [--out bench/results/model_ensemble_converge-DATE.md]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(REPO, "examples", "models")
MODEL = ["--model", os.path.join(EX, "oring.hpp"), "--data", os.path.join(EX, "oring.data.json")]
BUILTIN = ["--target", "oring"]

# (name, arguments, rate from (run.json or converge's JSON))
CASES = [
    ("ensemble stretch, 64 ensembles x 32 walkers x 1000 steps",
     ["ensemble", "--method", "stretch", "--ensembles", "64", "--iterations", "1000", "--burn", "0"],
     lambda j: 64 * 32 * 1000 / j["seconds"]),
    ("ensemble svgd, 512 particles x 200 iterations",
     ["ensemble", "--method", "svgd", "--particles", "512", "--iterations", "200", "--tolerance", "0"],
     lambda j: 512 * j["iterations_done"] / j["seconds"]),
    ("converge mala, 8192 pairs, lag 1", ["converge", "--pairs", "8192"], lambda j: j["chain_steps_per_second"]),
]


def run(cli, args, tmp, env):
    converge = args[0] == "converge"
    out = os.path.join(tmp, "out.json" if converge else "out")
    subprocess.run([cli] + args + ["--quiet", "--device", "cpu", "--seed", "1", "--out", out], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.load(open(out if converge else os.path.join(out, "run.json")))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=os.path.join(REPO, "build", "dev", "manychains"))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=os.path.join(REPO, "bench", "results",
                                                 f"model_ensemble_converge-{datetime.date.today().isoformat()}.md"))
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="mc-model-ens-bench-")
    env = dict(os.environ, MANYCHAINS_CACHE_DIR=os.path.join(tmp, "cache"))
    run(a.cli, CASES[0][1] + MODEL, tmp, env)  # compiles the model once, outside the timings
    rows = []
    for name, args, rate in CASES:
        best_b = best_m = 0.0
        for _ in range(a.repeats):  # interleaved, so machine load hits both alike
            best_b = max(best_b, rate(run(a.cli, args + BUILTIN, tmp, env)))
            best_m = max(best_m, rate(run(a.cli, args + MODEL, tmp, env)))
        rows.append((name, best_b, best_m))
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    load = open("/proc/loadavg").read().split()[:3]
    lines = [
        "# Model files against the built-in target in ensemble and converge (CPU)",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, {cpu}, "
        f"{os.cpu_count()} cores (shared with other jobs; load average {' '.join(load)} at the end), "
        f"`python bench/model_ensemble_converge.py --repeats {a.repeats}`; best of {a.repeats} interleaved runs each.",
        "",
        "| run (oring, d=2, 23 rows) | built-in per s | model file per s | model / built-in |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, b, m in rows:
        lines.append(f"| {name} | {b:.3g} | {m:.3g} | {m / b:.2f} |")
    lines += ["", "The goal (issue 15): a model file within 1.5x of the built-in target (ratio >= 0.67). The "
              "model's log-density and gradient are a call into its shared object (forward-mode AD), the "
              "built-in's an inlined hand-written gradient."]
    open(a.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
