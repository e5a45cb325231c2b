#!/usr/bin/env bash
# CI's check of the GPU bundle (bench/gpu-check.sh), on this build's binaries rather than a full
# `prepare` (which builds again, portable and static, and downloads wheels: too slow for CI).
# Checks: staging works; the staged bundle is under the size limit; every binary's NEEDED
# libraries are on a stock CUDA image or in the bundle's lib/; `run --dry-run` lists every step
# and finds every input except those a CI build does not make (the benchmark, the wheels).
set -euo pipefail
script=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$script" stage "$build" "$tmp/bundle" --partial
bash "$script" check "$tmp/bundle"
out=$(bash "$tmp/bundle/run.sh" --dry-run 2>&1) || true
echo "$out"
for s in device langevin_gpu_test em_gpu_test memcheck-oring racecheck-logistic racecheck-em racecheck-svgd \
         racecheck-diagnose throughput peer-wheels peers-4096 peers-65536; do
  grep -q "^\[$s, [0-9]*s\] " <<< "$out" || { echo "FAIL: step $s is not in the dry run"; exit 1; }
done
missing=$(grep 'MISSING:' <<< "$out" | sed 's/.*MISSING://' | tr ' ' '\n' |
          grep -v -e '^$' -e '/bin/chain_throughput$' -e '/wheels/arviz-\*\.whl$' -e '/wheels/blackjax-\*\.whl$' || true)
[ -z "$missing" ] || { echo "FAIL: inputs missing from the staged bundle: $missing"; exit 1; }
echo "gpu bundle staging, size, linkage and dry run: OK"
