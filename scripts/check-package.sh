#!/usr/bin/env bash
# Installs a built tree into a temporary prefix and builds examples/ as an outside project
# against it (find_package(manychains), manychains::manychains; with the CUDA backend, its .cu
# too), then runs the examples.
#   scripts/check-package.sh [BUILD_DIR]   (default build/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix/usr" > /dev/null
cmake -S examples -B "$prefix/examples" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix/usr" > "$prefix/configure.log" || { cat "$prefix/configure.log"; exit 1; }
cmake --build "$prefix/examples" -j "$(nproc)" > "$prefix/build.log" || { cat "$prefix/build.log"; exit 1; }
"$prefix/examples/user_target_example"
# The same functor through the any-device factories: on the GPU where one can be used, else the
# CPU (with the CUDA backend, examples/ compiles donut_cuda.cu for it).
"$prefix/examples/user_target_any_device" auto
# A model file through the installed program: it finds the installed headers (docs/models.md).
MANYCHAINS_CACHE_DIR="$prefix/model-cache" "$prefix/usr/bin/manychains" sample --model examples/models/oring.hpp \
  --data examples/models/oring.data.json --chains 64 --warmup 200 --draws 200 --seed 1 --quiet --out "$prefix/model-run"
test -f "$prefix/model-run/draws.npy"
echo "check-package: examples/ built and ran against the package installed from $build, and a model file sampled with the installed CLI"
