#!/usr/bin/env bash
# The GPU check in two halves, for a GPU machine that has no compiler we can rely on, no package
# downloads, and a few minutes of time (issue 13):
#
#   bench/gpu-check.sh prepare [--no-wheels]   on a CPU machine with nvcc: builds sm_90 Release
#       binaries (the CLI, every *_gpu_test, the throughput benchmark; libstdc++/libgcc and cudart
#       static, the few other shared libraries copied beside them), stages them with the test data,
#       the peer script, the peers' wheels (ArviZ, BlackJAX for Python 3.12) and run.sh into
#       .gpu-bundle/ (at most 60 MiB), then checks the bundle.
#   bench/gpu-check.sh stage BUILD BUNDLE [--partial]   the staging half of prepare alone, from a
#       finished build (CI stages its own build and checks it: tests/gpu_check_bundle_test.sh).
#   bench/gpu-check.sh check [BUNDLE]          size and linkage of a prepared bundle: every binary's
#       shared libraries are on a stock CUDA image (libc, libm, libstdc++, libgcc_s, libgomp, libcuda,
#       libcublas, libcublasLt, libcurand) or in the bundle's lib/.
#   bash .gpu-bundle/run.sh [--dry-run]        on the GPU machine: gpu tests with
#       MANYCHAINS_EXPECT_GPU=1, compute-sanitizer memcheck and racecheck, the benchmark and its
#       floors, the peer comparison at 4,096 and 65,536 chains without kept draws; every step under
#       `timeout`, and the whole within GPU_CHECK_BUDGET (450 s: a step gets at most what is left);
#       prints one table and writes it (and the logs) to $OUT.
#       --dry-run prints every step's command and checks that its inputs exist, running nothing.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
limit_mib=60
# Shared libraries a stock CUDA image has (the driver's libcuda, the toolkit's cuBLAS/cuRAND).
system_libs='^(linux-vdso|ld-linux-x86-64|libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|libgomp|libcuda|libcublas|libcublasLt|libcurand)\.so'
# Pure-Python wheels the peers need that the GPU image lacks (it has numpy, scipy, pandas, xarray,
# matplotlib, h5py, jax, optax). ArviZ pinned to the 0.x API compare_peers.py calls.
wheels=(arviz==0.23.4 blackjax==1.7.1 h5netcdf xarray-einstats platformdirs)

die() { echo "gpu-check: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# check: size and NEEDED libraries of a bundle
check_bundle() {
  local bundle=$1 ok=0 kib f
  [ -d "$bundle/bin" ] || die "no bundle at $bundle (run: bench/gpu-check.sh prepare)"
  kib=$(du -sk "$bundle" | cut -f1)
  # A partial bundle (CI's build) holds the per-file gpu test executables instead of the combined
  # one, each with every kernel: count them as one, the combined executable's size to within its
  # test code.
  local per_file per_file_kib=0 largest=0 k
  per_file=$(ls "$bundle"/bin/*_gpu_test 2> /dev/null || true)
  if [ -n "$per_file" ] && [ ! -e "$bundle/bin/manychains_gpu_tests" ]; then
    for f in $per_file; do
      k=$(du -sk "$f" | cut -f1)
      per_file_kib=$((per_file_kib + k))
      [ "$k" -le "$largest" ] || largest=$k
    done
    kib=$((kib - per_file_kib + largest))
    echo "bundle (partial): per-file gpu tests counted as one combined executable"
  fi
  echo "bundle: $bundle, $((kib / 1024)) MiB ($kib KiB; limit $limit_mib MiB)"
  [ "$kib" -le $((limit_mib * 1024)) ] || { echo "FAIL: bundle over $limit_mib MiB"; ok=1; }
  local f lib
  for f in "$bundle"/bin/* "$bundle"/lib/*; do
    [ -f "$f" ] || continue
    for lib in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      if [[ $lib =~ $system_libs ]] || [ -e "$bundle/lib/$lib" ]; then continue; fi
      echo "FAIL: $(basename "$f") needs $lib, which is neither on a stock CUDA image nor in lib/"
      ok=1
    done
  done
  [ $ok -eq 0 ] && echo "bundle OK: size and every binary's NEEDED libraries"
  return $ok
}

# ---------------------------------------------------------------------------------------------
# prepare: build, stage, download wheels, check
prepare() {
  local repo build bundle jobs with_wheels=1
  repo=$(cd "$here/.." && pwd)
  build=${GPU_CHECK_BUILD:-$repo/build/gpu-bundle}
  bundle=${GPU_CHECK_BUNDLE:-$repo/.gpu-bundle}
  jobs=${JOBS:-$(nproc)}
  for a in "$@"; do
    case $a in
      --no-wheels) with_wheels=0 ;;
      *) die "prepare: unknown option $a" ;;
    esac
  done
  command -v nvcc > /dev/null || [ -x /usr/local/cuda/bin/nvcc ] || die "prepare needs nvcc (the CUDA toolkit)"
  # Portable host code (no -march=native: the GPU machine's CPU is another), static C++ runtime,
  # and no NEEDED entry for a library nothing calls (cuRAND's host API).
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMANYCHAINS_CUDA=ON -DMANYCHAINS_MPI=OFF \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DMANYCHAINS_NATIVE=OFF -DMANYCHAINS_TESTS=ON -DMANYCHAINS_BENCH=ON \
    -DMANYCHAINS_EXAMPLES=OFF "-DCMAKE_EXE_LINKER_FLAGS=-static-libstdc++ -static-libgcc -Wl,--as-needed" \
    > "$build.configure.log" 2>&1 || { tail -20 "$build.configure.log"; die "configure failed"; }
  echo "building manychains chain_throughput manychains_gpu_tests in $build (-j$jobs; log $build.log)"
  cmake --build "$build" -j "$jobs" --target manychains chain_throughput manychains_gpu_tests > "$build.log" 2>&1 ||
    { tail -40 "$build.log"; die "build failed"; }
  stage "$build" "$bundle" || return 1
  if [ $with_wheels -eq 1 ]; then
    local py=${PYTHON:-python3}
    "$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 -d "$bundle/wheels" "${wheels[@]}" ||
      die "pip download of the peers' wheels failed (offline? rerun with --no-wheels)"
  fi
  manifest "$repo" "$bundle"
  check_bundle "$bundle"
}

# stage BUILD BUNDLE [--partial]: copies a build's binaries (stripped), the shared libraries they
# need beyond a stock CUDA image's, the test data, the peer script and run.sh into BUNDLE.
# --partial: a build without the benchmark (as CI's) stages what it has.
stage() {
  local build=$1 bundle=$2 partial=${3:-} repo f lib path
  repo=$(cd "$here/.." && pwd)
  [ -x "$build/manychains" ] || die "stage: no $build/manychains"
  rm -rf "$bundle"
  mkdir -p "$bundle"/{bin,lib,bench,wheels}
  cp "$build/manychains" "$bundle/bin/"
  if [ -x "$build/bench/chain_throughput" ]; then
    cp "$build/bench/chain_throughput" "$bundle/bin/"
  elif [ "$partial" != --partial ]; then
    die "stage: no $build/bench/chain_throughput (configure with -DMANYCHAINS_BENCH=ON)"
  fi
  # All gpu tests in one executable (one copy of the kernels); a build without it (CI's: it is
  # not built by default) stages the per-file executables.
  if [ -x "$build/tests/manychains_gpu_tests" ]; then
    cp "$build/tests/manychains_gpu_tests" "$bundle/bin/"
  elif [ "$partial" = --partial ]; then
    for f in "$repo"/tests/*_gpu_test.cu; do
      f=$(basename "$f" .cu)
      if [ -x "$build/tests/$f" ]; then cp "$build/tests/$f" "$bundle/bin/"; else die "stage: no $build/tests/$f"; fi
    done
  else
    die "stage: no $build/tests/manychains_gpu_tests"
  fi
  strip --strip-unneeded "$bundle"/bin/*
  # Shared libraries outside the stock image's set travel in lib/ (fmt, Google Benchmark; MPI and
  # what it needs when the build has MPI), with their own needs, until nothing new is copied.
  copied=1
  while [ "$copied" = 1 ]; do
    copied=0
    for f in "$bundle"/bin/* "$bundle"/lib/*; do
      [ -e "$f" ] || continue
      for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        [[ $lib =~ $system_libs ]] && continue
        [ -e "$bundle/lib/$lib" ] && continue
        path=$(ldd "$f" | awk -v l="$lib" '$1 == l {print $3}')
        [ -n "$path" ] && [ -e "$path" ] || die "stage: cannot find $lib (needed by $(basename "$f"))"
        cp -L "$path" "$bundle/lib/$lib"
        copied=1
      done
    done
  done
  cp -r "$repo/tests/data" "$bundle/data"
  cp "$repo/bench/compare_peers.py" "$bundle/bench/"
  cp "$repo/bench/gpu-check.sh" "$bundle/gpu-check.sh"
  printf '%s\n' '#!/usr/bin/env bash' '# On the GPU machine: bash .gpu-bundle/run.sh [--dry-run]' \
    'exec bash "$(dirname "${BASH_SOURCE[0]}")/gpu-check.sh" run "$@"' > "$bundle/run.sh"
  chmod +x "$bundle/run.sh" "$bundle/gpu-check.sh"
  manifest "$repo" "$bundle"
}

manifest() {
  local repo=$1 bundle=$2
  {
    echo "commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "prepared: $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n)"
    echo "nvcc: $( (command -v nvcc > /dev/null && nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>/dev/null | grep -m1 release)"
    (cd "$bundle" && find . -type f ! -name MANIFEST -printf '%8k KiB  %p\n' | sort -k3)
  } > "$bundle/MANIFEST"
}

# ---------------------------------------------------------------------------------------------
# run: on the GPU machine, from the bundle
run() {
  local dry=0
  for a in "$@"; do
    case $a in
      --dry-run) dry=1 ;;
      *) die "run: unknown option $a" ;;
    esac
  done
  local B=$here  # the bundle: gpu-check.sh sits at its top
  [ -x "$B/bin/manychains" ] || die "run must start from a prepared bundle (bash .gpu-bundle/run.sh); $B/bin/manychains is missing"
  local out=${OUT:-$B/results}
  local logs=$out/logs work
  mkdir -p "$logs"
  work=$(mktemp -d /tmp/gpu-check.XXXXXX)
  local table=$out/gpu-check.md
  local started=$SECONDS budget=${GPU_CHECK_BUDGET:-450} deadline
  deadline=$(($(date +%s) + budget))
  export MANYCHAINS_EXPECT_GPU=1 MANYCHAINS_TEST_DATA=$B/data OMP_WAIT_POLICY=passive
  # Libraries: the bundle's, then cuBLAS wherever the image keeps it (toolkit or pip wheel).
  local libdirs=$B/lib d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do [ -d "$d" ] && libdirs+=:$d; done
  if ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.13'; then
    d=$(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' 2>/dev/null)
    [ -n "$d" ] && libdirs+=:$d
    d=$(timeout 20 find / -xdev -name 'libcublas.so.13' -printf '%h\n' 2>/dev/null | head -1)
    [ -n "$d" ] && libdirs+=:$d
  fi
  export LD_LIBRARY_PATH=$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  local san
  san=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || echo "")

  # step NAME SECONDS INPUTS... -- COMMAND...: runs COMMAND under `timeout SECONDS`, its output in
  # logs/NAME.log, and adds a row to the table (steps run in the background too: rows are lines
  # of one file, each led by its start time). With --dry-run: prints it and checks the inputs.
  local rowfile=$work/rows
  : > "$rowfile"
  step() {
    local name=$1 limit=$2
    shift 2
    local inputs=() i missing=""
    while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
    shift
    for i in "${inputs[@]}"; do [ -e "$i" ] || missing+=" $i"; done
    if [ $dry -eq 1 ]; then
      printf '[%s, %ss] %s\n' "$name" "$limit" "$*"
      [ -z "$missing" ] || { echo "    MISSING:$missing"; echo "$name" >> "$work/missing"; }
      return 0
    fi
    local t0=$SECONDS start status rc left
    start=$(date +%s%N)
    if [ -n "$missing" ]; then
      echo "$start | $name | missing | 0 | inputs missing:$missing |" >> "$rowfile"
      return 0
    fi
    # The whole run stays inside its budget: a step gets at most what is left of it.
    left=$((deadline - $(date +%s)))
    if [ $left -lt 10 ]; then
      echo "$start | $name | not run | 0 | the run's ${budget} s budget is spent |" >> "$rowfile"
      return 0
    fi
    [ "$limit" -le $left ] || limit=$left
    timeout -k 5 "$limit" "$@" > "$logs/$name.log" 2>&1
    rc=$?
    case $rc in
      0) status=pass ;;
      124 | 137) status="TIMEOUT (${limit} s)" ;;
      *) status="FAIL (exit $rc)" ;;
    esac
    # Google Benchmark exits 0 when a benchmark reports an error.
    [ $rc -ne 0 ] || ! grep -q 'ERROR OCCURRED' "$logs/$name.log" || status="FAIL (benchmark errors)"
    echo "$start | $name | $status | $((SECONDS - t0)) | $(summary_of "$name" "$logs/$name.log" | tr '|' '/' | cut -c1-300) |" >> "$rowfile"
    echo "[$name] $status in $((SECONDS - t0)) s"
  }
  # Runs the named functions at once (one after another with --dry-run, so the listing reads).
  together() {
    local f
    if [ $dry -eq 1 ]; then
      for f in "$@"; do "$f"; done
    else
      for f in "$@"; do "$f" & done
      wait
    fi
  }

  local bin=$B/bin mc=$B/bin/manychains q="--device cuda --quiet"
  # 0. The device, and the libraries the binaries load (none may be missing).
  step device 30 "$mc" -- bash -c "nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || exit 1; \
    ldd $bin/* | grep -E 'not found|cublas|gomp|fmt|benchmark' | sort -u; ! ldd $bin/* | grep -q 'not found'"
  # 1. The gpu tests in 4 shards at once (most of their time is CPU reference work, on 16
  # cores); under MANYCHAINS_EXPECT_GPU=1 a skip is a failure.
  local shards=4 t i
  gpu_test_steps() {
    if [ -x "$bin/manychains_gpu_tests" ]; then
      for i in $(seq 0 $((shards - 1))); do
        step "gpu-tests-$((i + 1))of$shards" 170 "$bin/manychains_gpu_tests" "$B/data" -- \
          env GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i "$bin/manychains_gpu_tests" --gtest_brief=1 &
        [ $dry -eq 0 ] || wait
      done
    else
      for t in "$bin"/*_gpu_test; do
        step "$(basename "$t")" 170 "$t" "$B/data" -- "$t" --gtest_brief=1 &
        [ $dry -eq 0 ] || wait
      done
    fi
    wait
  }
  gpu_test_steps
  # 2. compute-sanitizer on short runs of the CLI: memcheck on every kind of kernel, racecheck on
  # those with shared memory (pooled totals, logistic residuals, E-step, SVGD, diagnostics).
  local san
  san=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
  if [ -z "$san" ]; then
    echo "$(date +%s%N) | compute-sanitizer | not run | 0 | not found on PATH or in /usr/local/cuda/bin |" >> "$rowfile"
    [ $dry -eq 0 ] || echo "compute-sanitizer: not on this machine; its steps below would be skipped here"
    san=/usr/local/cuda/bin/compute-sanitizer
  fi
  local s_out=$work/san em_data=$B/data/em/ref_data.csv diag=$B/data/diagnostics/shape_1000x20.npy
  mkdir -p "$s_out"
  printf 'a,b,y\n' > "$work/logistic.csv"
  awk 'BEGIN { srand(3); for (i = 0; i < 2000; i++) { a = 4 * rand() - 2; b = 4 * rand() - 2;
       printf "%.6f,%.6f,%d\n", a, b, (rand() < 1 / (1 + exp(-(0.5 + a - b)))) ? 1 : 0 } }' >> "$work/logistic.csv"
  sanitize() {  # NAME TOOL INPUT ARGS...: compute-sanitizer --tool TOOL manychains ARGS...
    local name=$1 tool=$2 input=$3
    shift 3
    if [ ! -x "$san" ] && [ $dry -eq 0 ]; then
      echo "$(date +%s%N) | $tool-$name | not run | 0 | no compute-sanitizer |" >> "$rowfile"
      return 0
    fi
    step "$tool-$name" 60 "$mc" "$input" -- "$san" --tool "$tool" --error-exitcode 9 --print-limit 5 "$mc" "$@"
  }
  san_a() {
    sanitize oring memcheck "$mc" sample --target oring --chains 256 --warmup 20 --draws 20 $q --out "$s_out/a"
    sanitize gauss10-thin memcheck "$mc" sample --target gaussian:dim=10 --chains 256 --warmup 20 --draws 20 --thin 3 $q --out "$s_out/b"
    sanitize gauss40-dense memcheck "$mc" sample --target gaussian:dim=40 --chains 300 --warmup 30 --draws 20 --metric dense $q --out "$s_out/c"
    sanitize logistic-float memcheck "$work/logistic.csv" sample --target "logistic:data=$work/logistic.csv" --chains 128 --warmup 5 --draws 5 --precision float $q --out "$s_out/d"
  }
  san_b() {
    sanitize gauss10 racecheck "$mc" sample --target gaussian:dim=10 --chains 256 --warmup 10 --draws 10 $q --out "$s_out/e"
    sanitize logistic racecheck "$work/logistic.csv" sample --target "logistic:data=$work/logistic.csv" --chains 64 --warmup 3 --draws 3 $q --out "$s_out/f"
    sanitize em memcheck "$em_data" em "$em_data" -k 3 --max-iter 5 $q --out "$s_out/g"
    sanitize em racecheck "$em_data" em "$em_data" -k 3 --max-iter 3 $q --out "$s_out/h"
    sanitize vb memcheck "$em_data" vb "$em_data" -k 4 --max-iter 3 $q --out "$s_out/g2"
    sanitize vb racecheck "$em_data" vb "$em_data" -k 4 --max-iter 2 $q --out "$s_out/h2"
  }
  san_c() {
    sanitize svgd memcheck "$mc" ensemble --method svgd --target gaussian:dim=10 --particles 256 --iterations 5 $q --out "$s_out/i"
    sanitize svgd racecheck "$mc" ensemble --method svgd --target gaussian:dim=10 --particles 128 --iterations 2 $q --out "$s_out/j"
    sanitize stretch memcheck "$mc" ensemble --method stretch --target gaussian:dim=6 --ensembles 8 --iterations 20 --burn 5 $q --out "$s_out/k"
    sanitize coupling memcheck "$mc" converge --target gaussian:dim=4 --pairs 256 --lag 5 --max-steps 200 $q --out "$s_out/l.json"
    sanitize annealed memcheck "$mc" sample --target "noisy-mixture:dim=2,means=-4/4,weights=0.8/0.2" --sampler annealed --levels 3 --steps-per-level 5 --chains 256 $q --out "$s_out/m"
  }
  san_d() {
    sanitize diagnose memcheck "$diag" diagnose "$diag" $q
    sanitize diagnose racecheck "$diag" diagnose "$diag" $q
  }
  together san_a san_b san_c san_d
  # 3. Throughput of the CUDA engines beside their floors (RNG-bound kernel, copy bandwidth).
  step throughput 90 "$bin/chain_throughput" -- "$bin/chain_throughput" --benchmark_counters_tabular=true \
    --benchmark_filter=cuda --benchmark_min_time=0.2
  # 3b. Couplings to their meetings (the packed segments of coupling_pairs.cuh), the device
  # against this machine's CPU cores: the CLI's own line of pair-steps/s.
  step converge-oring-cuda 60 "$mc" -- "$mc" converge --target oring --pairs 65536 --seed 3 --device cuda --out "$work/cv1.json"
  step converge-oring-cpu 60 "$mc" -- "$mc" converge --target oring --pairs 65536 --seed 3 --device cpu --out "$work/cv2.json"
  step converge-funnel-cuda 60 "$mc" -- "$mc" converge --target funnel:dim=10 --pairs 65536 --max-steps 20000 --seed 3 --device cuda --out "$work/cv3.json"
  # 4. The peers without kept draws (the last step only, so no ESS), at 4,096 and 65,536 chains.
  local py=python3 site=$work/site
  step peer-wheels 40 "$B"/wheels/arviz-*.whl "$B"/wheels/blackjax-*.whl -- bash -c "$py -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --target $site $B/wheels/*.whl"
  export PYTHONPATH=$site${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
  step peers-4096 90 "$B/bench/compare_peers.py" "$mc" -- $py "$B/bench/compare_peers.py" --manychains "$mc" \
    --device cuda --precision float --chains 4096 --dim 100 --steps 400 --no-draws --json "$logs/peers-4096.json"
  # NumPy on the CPU would take minutes at 65,536 chains: the GPU peers only.
  step peers-65536 110 "$B/bench/compare_peers.py" "$mc" -- $py "$B/bench/compare_peers.py" --manychains "$mc" \
    --device cuda --precision float --chains 65536 --dim 100 --steps 200 --no-draws --peers pytorch,blackjax,numpyro \
    --json "$logs/peers-65536.json"

  if [ $dry -eq 1 ]; then
    local missing=0
    [ -e "$work/missing" ] && missing=1
    rm -rf "$work"
    if [ $missing -eq 1 ]; then echo "dry run: inputs MISSING (above)"; return 1; fi
    echo "dry run: every step's inputs are present"
    return 0
  fi
  {
    echo "# gpu-check $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
    echo "- bundle: $(head -1 "$B/MANIFEST" 2>/dev/null)"
    echo "- total: $((SECONDS - started)) s"
    echo
    echo "| step | status | s | detail |"
    echo "| --- | --- | --- | --- |"
    sort -n "$rowfile" | cut -d' ' -f2-
    for f in "$logs"/throughput.log "$logs"/peers-*.log; do
      [ -f "$f" ] || continue
      echo
      echo "## $(basename "$f" .log)"
      echo '```'
      grep -v '^warning\|^WARNING' "$f" | tail -40
      echo '```'
    done
  } > "$table"
  (cd "$out" && tar czf logs.tar.gz logs && rm -rf logs)
  rm -rf "$work"
  echo
  cat "$table"
  ! grep -q '| \(FAIL\|TIMEOUT\|missing\)' "$table"
}

# One line about a step's log for the table.
summary_of() {
  local name=$1 log=$2
  case $name in
    *_gpu_test | gpu-tests-*) grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$log" | tr -s ' ' | tr '\n' ' '
                grep -E '^\[  FAILED  \] [A-Za-z]' "$log" | head -3 | tr '\n' ' ' ;;
    memcheck-* | racecheck-*) grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|error:|Device not supported' "$log" | head -2 | tr '\n' ' ' ;;
    device) head -1 "$log" ;;
    throughput) echo "$(grep -c '^cuda' "$log") benchmark rows (below)" ;;
    converge-*) grep -m1 'pair-steps/s' "$log" ;;
    peers-*) grep -m1 '^manychains, no draws' "$log" | tr -s ' ' ;;
    *) tail -1 "$log" | cut -c1-120 ;;
  esac
}

case ${1:-} in
  prepare) shift; prepare "$@" ;;
  stage) shift; [ $# -ge 2 ] || die "usage: gpu-check.sh stage BUILD BUNDLE [--partial]"; stage "$@" ;;
  check) shift; check_bundle "${1:-$(cd "$here/.." && pwd)/.gpu-bundle}" ;;
  run) shift; run "$@" ;;
  *) sed -n '2,19p' "$0"; exit 2 ;;
esac
