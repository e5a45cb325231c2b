#!/usr/bin/env bash
# Installs what is missing, builds everything (the CUDA backend too when nvcc is found), and runs
# the whole test suite, then builds examples/ as an outside project against the installed package.
# Tests labelled `gpu` skip themselves on a machine without a GPU. The Python package's tests
# (python/tests) run with pytest in a virtual environment made here (build/pyvenv), against the
# extension module of this same build (one build: the module links the libraries ctest tested).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
venv=build/pyvenv
if ! { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } ||
   ! "$venv/bin/python" -m pip install -q --disable-pip-version-check nanobind numpy pytest scikit-learn arviz tqdm; then
  echo "scripts/test.sh: cannot make the Python virtual environment $venv (python3 -m venv, then pip install from PyPI)" >&2
  exit 1
fi
cmake --preset dev -DMANYCHAINS_PYTHON_MODULE=ON -DPython_EXECUTABLE="$PWD/$venv/bin/python" > /dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j "$(nproc)"
PYTHONPATH=build/dev/python MANYCHAINS_CLI=build/dev/manychains "$venv/bin/python" -m pytest -q python/tests
scripts/check-package.sh build/dev
