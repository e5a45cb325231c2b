#!/usr/bin/env bash
# Weak and strong scaling of `mpirun -np R manychains sample` on this machine (CPU, one OpenMP
# thread per rank), against R = 1, and strong scaling of `mpirun -np R manychains em`.
# Usage: bench/mpi-scaling.sh [CLI] [RANKS...]; MPI_SCALING_PARTS="sample em" (the default) or one.
# Prints Markdown tables: chain-steps per second from run.json, seconds per EM iteration from
# gmm.json (rank 0's wall time of E-step, M-step and the folds), and the speed-up over R = 1.
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
parts=${MPI_SCALING_PARTS:-sample em}
if [[ " $parts " == *" sample "* ]]; then
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
fi

if [[ " $parts " == *" em "* ]]; then
  # EM strong scaling: one data set, rows split over the ranks; 20 iterations (--tol 0) from the
  # same k-means++ start. The data: n points around K centres in d dimensions (awk, fixed seed).
  n=${EM_POINTS:-400000} d=8 K=4
  awk -v n="$n" -v d="$d" -v K="$K" 'BEGIN { srand(3); for (i = 0; i < n; i++) { k = i % K; line = "";
    for (j = 0; j < d; j++) line = line (j ? "," : "") sprintf("%.5f", 2 * k + (j == k) * 3 + rand() + rand() - 1);
    print line } }' >"$work/em.csv"
  iteration() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timings']['per_iteration_s'])" "$1"; }
  echo
  echo "| EM (full, K=$K, d=$d, n=$n) | ranks | s per iteration | vs 1 rank | gmm.json as 1 rank |"
  echo "| --- | --- | --- | --- | --- |"
  base=""
  for r in "${ranks[@]}"; do
    mpirun --oversubscribe --allow-run-as-root -np "$r" "$cli" em "$work/em.csv" -k $K --max-iter 20 --tol 0 --seed 1 \
      --device cpu --quiet --out "$work/em$r" 2>/dev/null
    t=$(iteration "$work/em$r/gmm.json")
    [ -n "$base" ] || base=$t
    same=$(diff <(grep -v -E '_s"|"seconds"|"ranks"' "$work/em${ranks[0]}/gmm.json") \
      <(grep -v -E '_s"|"seconds"|"ranks"' "$work/em$r/gmm.json") >/dev/null && echo yes || echo NO)
    printf "| strong | %s | %.4g | %.2f | %s |\n" "$r" "$t" "$(python3 -c "print($base/$t)")" "$same"
  done
fi
