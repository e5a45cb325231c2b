#!/usr/bin/env bash
# `mpirun -np R manychains …` against one process (ctest mpi_cli). Usage: mpi_cli_test.sh MPIEXEC CLI
# - sample: draws.npy byte-identical for R = 2 and 3 (uneven chain ranges), diagonal and dense
#   metrics, double and float, a pointwise and a batched (logistic) target; summary identical.
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
if [ -n "${MANYCHAINS_TEST_DATA:-}" ] && [ -f "$MANYCHAINS_TEST_DATA/logistic_small.csv" ]; then
  check_identical logistic --target "logistic:data=$MANYCHAINS_TEST_DATA/logistic_small.csv" --chains 8 \
    --warmup 100 --draws 30 "${base[@]}"
fi

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
mpi 2 "$cli" em "$work/none.csv" -k 2 --out "$work/em" >"$work/em.log" 2>&1
rc=$?
[ "$rc" -eq 2 ] && [ "$(grep -c '^error' "$work/em.log")" -eq 1 ] || fail "em under mpirun: exit $rc: $(cat "$work/em.log")"
echo "ok: em under mpirun is refused (exit $rc)"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
