#!/usr/bin/env bash
# Installs what is missing, builds (CUDA backend when nvcc is found), and samples the built-in
# default: the Challenger O-ring posterior with MALA, 1024 chains. Extra arguments go to
# `manychains sample`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev > /dev/null
cmake --build --preset dev --target manychains
exec build/dev/manychains sample "$@"
