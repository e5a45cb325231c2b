#!/usr/bin/env bash
# Weak and strong scaling of `mpirun -np R manychains sample` on this machine (CPU, one OpenMP
# thread per rank), against R = 1. Usage: bench/mpi-scaling.sh [CLI] [RANKS...]
# Prints a Markdown table: chain-steps per second from run.json, and the speed-up over R = 1.
set -euo pipefail
cli=${1:-build/cpu/manychains}; shift || true
ranks=("${@:-1 2}"); read -r -a ranks <<<"${ranks[*]}"
export OMP_NUM_THREADS=1
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
per_rank=2048 target=gaussian:dim=16 warmup=200 draws=400
speed() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['chain_steps_per_second'])" "$1/run.json"; }
run() {  # ranks chains
  mpirun --oversubscribe --allow-run-as-root -np "$1" "$cli" sample --target $target --chains "$2" --warmup $warmup \
    --draws $draws --device cpu --seed 1 --quiet --metric diag --tv-every 0 --out "$work/r$1c$2" 2>/dev/null
  speed "$work/r$1c$2"
}
echo "| scaling | ranks | chains | chain-steps/s | vs 1 rank |"
echo "| --- | --- | --- | --- | --- |"
for kind in strong weak; do
  base=""
  for r in "${ranks[@]}"; do
    chains=$((per_rank * r))
    [ "$kind" = strong ] && chains=$((per_rank * ${ranks[-1]}))
    s=$(run "$r" "$chains")
    [ -n "$base" ] || base=$s
    printf "| %s | %s | %s | %.3g | %.2f |\n" "$kind" "$r" "$chains" "$s" "$(python3 -c "print($s/$base)")"
  done
done
