#!/usr/bin/env bash
# One call on a GPU machine: build for sm_90, run the `gpu` tests, compute-sanitizer memcheck and
# racecheck on a short run, the throughput benchmark and the peer comparison, and print one table
# (also written to bench/results/gpu-check-<date>.md with the device and commit).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench/results}
mkdir -p "$out"
stamp=$(date -u +%Y-%m-%d)
report="$out/gpu-check-$stamp.md"
log() { echo "$@" | tee -a "$report"; }
: > "$report"
log "# gpu-check $stamp"
log "- device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
log "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
log ""
cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMANYCHAINS_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DMANYCHAINS_BENCH=ON > build-gpu-configure.log 2>&1 || { tail -20 build-gpu-configure.log; exit 1; }
cmake --build build/gpu -j "$(nproc)" > build-gpu.log 2>&1 || { tail -40 build-gpu.log; exit 1; }

log "## gpu tests"
(cd build/gpu && ctest -L gpu --output-on-failure 2>&1 | tail -25) | tee -a "$report"

log "## compute-sanitizer"
san=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
for tool in memcheck racecheck; do
  # oring (d = 2) and d = 10 step in thread-local copies, d = 40 in the global arrays.
  for target in oring gaussian:dim=10 gaussian:dim=40; do
    res=$("$san" --tool "$tool" --error-exitcode 9 build/gpu/manychains sample --target "$target" --chains 256 \
          --warmup 20 --draws 20 --device cuda --quiet --out /tmp/mc-san 2>&1 | tail -3)
    log "- $tool ($target): exit $? — $(echo "$res" | tr '\n' ' ')"
  done
done

log "## throughput (chain-steps/s)"
build/gpu/bench/chain_throughput --benchmark_counters_tabular=true --benchmark_filter='cuda|rng_floor' 2>&1 | tail -30 | tee -a "$report"

log "## peers (same target, same steps)"
for run in "float 4096" "float 65536" "double 65536"; do
  set -- $run
  python3 bench/compare_peers.py --manychains build/gpu/manychains --device cuda --precision "$1" \
    --chains "$2" --dim 100 --steps 400 2>&1 | grep -v '^warning' | tee -a "$report"
done
python3 bench/compare_peers.py --manychains build/gpu/manychains --device cuda --precision float --target logistic \
  --rows 100000 --dim 100 --chains 4096 --steps 20 2>&1 | grep -v '^warning' | tee -a "$report"
echo "report: $report"
