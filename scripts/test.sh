#!/usr/bin/env bash
# Installs what is missing, builds everything (the CUDA backend too when nvcc is found), and runs
# the whole test suite, then builds examples/ as an outside project against the installed package.
# Tests labelled `gpu` skip themselves on a machine without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev > /dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j "$(nproc)"
scripts/check-package.sh build/dev
