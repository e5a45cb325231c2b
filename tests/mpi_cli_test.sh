#!/usr/bin/env bash
# `mpirun -np R manychains …` against one process (ctest mpi_cli). Usage: mpi_cli_test.sh MPIEXEC CLI
# - sample: draws.npy byte-identical for R = 2 and 3 (uneven chain ranges), diagonal and dense
#   metrics, double and float, a pointwise and a batched (logistic) target, --until-ess; summary identical.
# - diagnose: the table and --json identical for R = 2 and 3 (ranks split the parameters).
# - em: gmm.json identical (log-likelihood trace included) and responsibilities.npy equal for R = 2
#   and 3 (ranks split the rows).
# - converge: the JSON (meeting times, curve, acceptance) identical for R = 2 and 3 (ranks split the pairs).
# - ensemble (stretch): particles, draws and run.json identical for R = 2 and 3 (ranks split the ensembles).
# - faults: a rank killed mid-run, and a rank out of memory, end every rank with a failure and
#   leave no run.json, draws.npy or temporary file.
set -uo pipefail
mpiexec=$1 cli=$2
export OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
mpi() { local np=$1; shift; "$mpiexec" --oversubscribe --allow-run-as-root -np "$np" "$@"; }
# run.json without what legitimately differs (time, rank count, rounding of the reported acceptance).
stable_json() { grep -v -E '"(seconds|chain_steps_per_second|ranks|posterior|accept_rate)"' "$1"; }

check_identical() {  # name, then the sample arguments
  local name=$1 before=$fails; shift
  "$cli" sample "$@" --quiet --out "$work/$name.1" 2>/dev/null || { fail "$name: one process failed"; return; }
  for np in 2 3; do
    mpi "$np" "$cli" sample "$@" --quiet --out "$work/$name.$np" 2>"$work/$name.$np.err" ||
      { fail "$name: -np $np failed: $(cat "$work/$name.$np.err")"; continue; }
    cmp -s "$work/$name.1/draws.npy" "$work/$name.$np/draws.npy" || fail "$name: draws.npy of -np $np differs"
    diff <(stable_json "$work/$name.1/run.json") <(stable_json "$work/$name.$np/run.json") >/dev/null ||
      fail "$name: run.json of -np $np differs: $(diff <(stable_json "$work/$name.1/run.json") <(stable_json "$work/$name.$np/run.json") | head -5)"
    [ -e "$work/$name.$np/posterior.nc" ] && fail "$name: posterior.nc written under mpirun"
  done
  [ "$fails" -eq "$before" ] && echo "ok: $name identical for -np 2 and 3"
}

base=(--device cpu --seed 11)
check_identical gauss_diag --target gaussian:dim=3 --chains 7 --warmup 200 --draws 60 --metric diag "${base[@]}"
# 200 chains: whole blocks of 64 per rank (4 blocks: 2 + 1 + 1 for -np 3), as the dense CPU step needs.
check_identical oring_dense_float --target oring --chains 200 --warmup 150 --draws 20 --metric dense \
  --precision float "${base[@]}"
check_identical oring_auto_thin --target oring --chains 13 --warmup 120 --draws 40 --thin 2 "${base[@]}"
# --until-ess: blocks of 40, 60, 90, … draws until the ESS target; the stop test (ESS and R-hat of
# all chains, each rank diagnosing its parameters) decides alike on every rank: 202 draws.
check_identical gauss_until_ess --target gaussian:dim=3 --chains 9 --warmup 150 --draws 40 --until-ess 400 \
  --max-draws 2000 --metric diag "${base[@]}"
if [ -n "${MANYCHAINS_TEST_DATA:-}" ] && [ -f "$MANYCHAINS_TEST_DATA/logistic_small.csv" ]; then
  check_identical logistic --target "logistic:data=$MANYCHAINS_TEST_DATA/logistic_small.csv" --chains 8 \
    --warmup 100 --draws 30 "${base[@]}"
fi

# diagnose: file, then its arguments; the one-process table and JSON against -np 2 and 3.
check_diagnose() {
  local name=$1 file=$2 before=$fails; shift 2
  "$cli" diagnose "$file" "$@" --json "$work/$name.d1.json" >"$work/$name.d1.txt" 2>"$work/$name.d1.err" ||
    { fail "$name: one process failed"; return; }
  for np in 2 3; do
    mpi "$np" "$cli" diagnose "$file" "$@" --json "$work/$name.d$np.json" >"$work/$name.d$np.txt" 2>"$work/$name.d$np.err" ||
      { fail "$name: diagnose -np $np failed: $(head -3 "$work/$name.d$np.err")"; continue; }
    cmp -s "$work/$name.d1.json" "$work/$name.d$np.json" || fail "$name: diagnose --json of -np $np differs"
    diff <(grep -v '^wrote' "$work/$name.d1.txt") <(grep -v '^wrote' "$work/$name.d$np.txt") >/dev/null ||
      fail "$name: diagnose table of -np $np differs: $(diff "$work/$name.d1.txt" "$work/$name.d$np.txt" | head -4)"
    cmp -s "$work/$name.d1.err" "$work/$name.d$np.err" || fail "$name: diagnose warnings of -np $np differ"
  done
  [ "$fails" -eq "$before" ] && echo "ok: diagnose $name identical for -np 2 and 3"
}
check_diagnose gauss_diag "$work/gauss_diag.1/draws.npy"   # 3 parameters named by run.json, double
check_diagnose oring_float "$work/oring_dense_float.1/draws.npy" --superchains 4   # 2 parameters, float32
[ -n "${MANYCHAINS_TEST_DATA:-}" ] && check_diagnose wide "$MANYCHAINS_TEST_DATA/diagnostics/shape_1000x20.npy"

# em: 3000 points in 3 dimensions (blocks of 512 rows: 6 blocks, 3 + 3 or 2 + 2 + 2 per rank); the
# CPU fit sums every block in row order over the ranks, so gmm.json (the log-likelihood trace too)
# is bit for bit one process's: tolerance 0 (docs/mpi.md).
awk 'BEGIN { srand(5); print "a,b,c"; for (i = 0; i < 3000; i++) { k = i % 3;
  printf "%.6f,%.6f,%.6f\n", 3 * k + rand() + rand() - 1, rand() - 0.5 - k, rand() * (k + 1) } }' >"$work/em.csv"
npy_data() { tail -c +$(($(od -An -tu2 -j8 -N2 "$1") + 11)) "$1"; }  # a .npy file's values, after its header
em_stable() { grep -v -E '"(seconds|ranks|initialisation_s|e_step_s|m_step_s|total_s|per_iteration_s)"' "$1"; }
check_em() {  # name, data, then the em arguments
  local name=$1 data=$2 before=$fails; shift 2
  "$cli" em "$data" "$@" --quiet --out "$work/$name.1" || { fail "em $name: one process failed"; return; }
  for np in 2 3; do
    mpi "$np" "$cli" em "$data" "$@" --quiet --out "$work/$name.$np" 2>"$work/$name.$np.err" ||
      { fail "em $name: -np $np failed: $(cat "$work/$name.$np.err")"; continue; }
    diff <(em_stable "$work/$name.1/gmm.json") <(em_stable "$work/$name.$np/gmm.json") >/dev/null ||
      fail "em $name: gmm.json of -np $np differs: $(diff <(em_stable "$work/$name.1/gmm.json") <(em_stable "$work/$name.$np/gmm.json") | head -4)"
    if [ -e "$work/$name.1/responsibilities.npy" ]; then
      cmp -s <(npy_data "$work/$name.1/responsibilities.npy") <(npy_data "$work/$name.$np/responsibilities.npy") ||
        fail "em $name: responsibilities.npy of -np $np differs"
    fi
  done
  [ "$fails" -eq "$before" ] && echo "ok: em $name identical for -np 2 and 3"
}
check_em full_kmeans "$work/em.csv" -k 3 --seed 4 --responsibilities  # written in slabs of rows under mpirun
check_em diag_random "$work/em.csv" -k 3 --covariance diag --init random --seed 4
check_em tied_points_float "$work/em.csv" -k 2 --covariance tied --init random_from_data --precision float --seed 4 \
  --n-init 2
# A float64 .npy, which each rank reads only its rows of: the log-densities of the points, one column.
"$cli" em-predict "$work/full_kmeans.1/gmm.json" "$work/em.csv" --out "$work/pred" || fail "em-predict failed"
check_em npy_column "$work/pred/log_density.npy" -k 2 --seed 4

# em: row 2500 not finite, in rank 1's rows only (rows 1536-2999): one message naming it, exit 2,
# no gmm.json. (The .npy's data start after its header; a NaN is 00 .. 00 f8 7f.)
cp "$work/pred/log_density.npy" "$work/em_bad.npy"
header=$(( $(od -An -tu2 -j8 -N2 "$work/em_bad.npy") + 10 ))
printf '\0\0\0\0\0\0\370\177' | dd of="$work/em_bad.npy" bs=1 seek=$((header + 2500 * 8)) conv=notrunc 2>/dev/null
mpi 2 "$cli" em "$work/em_bad.npy" -k 2 --out "$work/em_bad" >"$work/em_bad.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "em bad row on rank 1: exit $rc, not 2: $(cat "$work/em_bad.log")"
{ [ "$(grep -c '^error' "$work/em_bad.log")" -eq 1 ] && grep -q '^error: rank 1: .*row 2500' "$work/em_bad.log"; } ||
  fail "em bad row on rank 1: not one 'error: rank 1: … row 2500' line: $(cat "$work/em_bad.log")"
[ -e "$work/em_bad/gmm.json" ] && fail "em bad row on rank 1: gmm.json written"
echo "ok: em with a bad row on rank 1 fails once (exit $rc)"

# converge: 101 pairs (34 + 34 + 33 for -np 3); each pair's stream is its global index.
conv_stable() { grep -v -E '"(seconds|ranks|pair_steps_per_second|chain_steps_per_second)"' "$1"; }
conv=(--target gaussian:dim=3 --pairs 101 --lag 5 --seed 3 --device cpu --quiet)
"$cli" converge "${conv[@]}" --out "$work/conv.1.json" || fail "converge: one process failed"
for np in 2 3; do
  mpi "$np" "$cli" converge "${conv[@]}" --out "$work/conv.$np.json" 2>"$work/conv.$np.err" ||
    fail "converge -np $np failed: $(cat "$work/conv.$np.err")"
  diff <(conv_stable "$work/conv.1.json") <(conv_stable "$work/conv.$np.json") >/dev/null ||
    fail "converge: the JSON of -np $np differs"
done
echo "ok: converge identical for -np 2 and 3"

# ensemble: 5 independent stretch ensembles (3 + 2 or 2 + 2 + 1), each walker's stream its global
# index; draws.npy holds the same array (its header is padded to 256 bytes, as sample's).
ens=(--method stretch --target gaussian:dim=2 --ensembles 5 --particles 8 --iterations 60 --burn 20 --seed 5
  --device cpu --quiet)
"$cli" ensemble "${ens[@]}" --out "$work/ens.1" || fail "ensemble: one process failed"
ens_stable() { grep -v -E '"(seconds|ranks|posterior)"' "$1"; }
draw_bytes=$((40 * 60 * 2 * 8))
for np in 2 3; do
  mpi "$np" "$cli" ensemble "${ens[@]}" --out "$work/ens.$np" 2>"$work/ens.$np.err" ||
    { fail "ensemble -np $np failed: $(cat "$work/ens.$np.err")"; continue; }
  for f in particles.npy acceptance_fraction_per_ensemble.npy; do
    cmp -s "$work/ens.1/$f" "$work/ens.$np/$f" || fail "ensemble: $f of -np $np differs"
  done
  cmp -s <(tail -c "$draw_bytes" "$work/ens.1/draws.npy") <(tail -c "$draw_bytes" "$work/ens.$np/draws.npy") ||
    fail "ensemble: draws of -np $np differ"
  diff <(ens_stable "$work/ens.1/run.json") <(ens_stable "$work/ens.$np/run.json") >/dev/null ||
    fail "ensemble: run.json of -np $np differs"
done
echo "ok: ensemble (stretch) identical for -np 2 and 3"

no_output() {  # folder: nothing final-named, nothing temporary
  [ -e "$1/run.json" ] && fail "$2: run.json written"
  [ -e "$1/draws.npy" ] && fail "$2: draws.npy written"
  ls "$1" 2>/dev/null | grep -q tmp && fail "$2: temporary files left: $(ls "$1")"
}
long=(--target gaussian:dim=20 --chains 64 --warmup 200000 --draws 10 --device cpu --seed 3 --quiet)

# A rank killed (SIGKILL) during warm-up.
mpi 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 1; kill -9 $$) & fi; exec "$0" "$@"' \
  "$cli" sample "${long[@]}" --out "$work/killed" >"$work/killed.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "killed rank: exit 0"
no_output "$work/killed" "killed rank"
echo "ok: a killed rank fails the run (exit $rc)"

# A rank that cannot allocate its draws after warm-up (its address space limited): one error line
# naming it, exit 3 (out of resources), no output.
mpi 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then ulimit -v 1500000; fi; exec "$0" "$@"' \
  "$cli" sample --target gaussian:dim=1000 --chains 4 --warmup 5 --draws 200000 --device cpu --seed 3 --quiet \
  --out "$work/oom" >"$work/oom.log" 2>&1
rc=$?
[ "$rc" -eq 3 ] || fail "rank out of memory: exit $rc, not 3: $(head -3 "$work/oom.log")"
grep -q "^error: rank 1: " "$work/oom.log" || fail "rank out of memory: no 'error: rank 1:' line: $(head -3 "$work/oom.log")"
no_output "$work/oom" "rank out of memory"
echo "ok: a rank out of memory fails the run (exit $rc)"

# Bad input (every rank alike): one message, exit 2.
mpi 2 "$cli" sample --target gaussian:dim=0 --out "$work/bad" >"$work/bad.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "bad input: exit $rc, not 2"
[ "$(grep -c '^error' "$work/bad.log")" -eq 1 ] || fail "bad input: not one error line: $(cat "$work/bad.log")"
echo "ok: bad input gives one message (exit $rc)"

# A command that does not split yet is refused once, not run R times over the same files.
mpi 2 "$cli" em-predict "$work/none.json" "$work/none.csv" >"$work/refused.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && [ "$(grep -c '^error' "$work/refused.log")" -eq 1 ] ||
  fail "em-predict under mpirun: exit $rc: $(cat "$work/refused.log")"
echo "ok: em-predict under mpirun is refused (exit $rc)"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
