#!/usr/bin/env bash
# The layering of the libraries (CMakeLists.txt): core <- cuda <- host <- CLI, nothing calling up.
#   layering_check.sh SOURCE_DIR [CORE_LIB HOST_LIB [CUDA_LIB]]
# 1. Includes: no file of include/, host/core/ or kernels/ includes a file of host/ outside host/core/
#    (kernels/ and host/core/ are built without host/ on their include path, but a relative path
#    would still reach it).
# 2. Link graph: the libraries' declared links (cmake --graphviz of a configure-only tree) have
#    no cycle.
# 3. Symbols, given the built libraries: nothing that core leaves undefined is defined in host or
#    cuda, and nothing that cuda leaves undefined is defined in host, so no library needs one
#    above it (the cycle that once linked by accident: host -> cuda -> back into host).
set -euo pipefail
src=$1
shift
fail=0
complain() { echo "layering: $*" >&2; fail=1; }

# ---- 1. includes --------------------------------------------------------------------------------
for dir in include host/core kernels; do
  [ -d "$src/$dir" ] || continue
  while IFS= read -r file; do
    while IFS= read -r inc; do
      here=$(dirname "$file")
      resolved=""
      if [ -e "$here/$inc" ]; then
        resolved=$(realpath -m "$here/$inc")
      elif [ -e "$src/include/$inc" ]; then
        resolved=$(realpath -m "$src/include/$inc")
      elif [ -e "$src/host/$inc" ]; then
        resolved=$(realpath -m "$src/host/$inc")
      fi
      case "$resolved" in
        "$(realpath "$src")/host/core/"*) ;;
        "$(realpath "$src")/host/"*) complain "${file#"$src"/} includes host/${resolved#*/host/}" ;;
      esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
  done < <(find "$src/$dir" -type f \( -name '*.hpp' -o -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \))
done

# ---- 2. the declared link graph -------------------------------------------------------------------
if command -v cmake > /dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cuda=OFF
  [ $# -ge 3 ] && cuda=ON
  if cmake -S "$src" -B "$tmp/build" -G Ninja -DMANYCHAINS_CUDA=$cuda -DMANYCHAINS_TESTS=OFF \
      -DMANYCHAINS_EXAMPLES=OFF -DMANYCHAINS_BENCH=OFF --graphviz="$tmp/graph.dot" > "$tmp/configure.log" 2>&1; then
    # Edges "nodeA" -> "nodeB" between the project's own libraries, by name.
    awk '
      match($0, /^[[:space:]]*"node[0-9]+"[[:space:]]*->[[:space:]]*"node[0-9]+"/) {
        s = substr($0, RSTART, RLENGTH); gsub(/[" \t]/, "", s); split(s, ab, "->"); edges[++e] = ab[1] " " ab[2]; next
      }
      match($0, /^[[:space:]]*"node[0-9]+"[[:space:]]*\[[[:space:]]*label[[:space:]]*=[[:space:]]*"[^"]*"/) {
        s = substr($0, RSTART, RLENGTH); id = s; sub(/^[[:space:]]*"/, "", id); sub(/".*/, "", id)
        sub(/.*label[[:space:]]*=[[:space:]]*"/, "", s); sub(/"$/, "", s); name[id] = s
      }
      END { for (i = 1; i <= e; i++) { split(edges[i], ab, " "); print name[ab[1]], name[ab[2]] } }
    ' "$tmp/graph.dot" | awk '$1 ~ /^manychains/ && $2 ~ /^manychains/' > "$tmp/edges" || true
    [ -s "$tmp/edges" ] || complain "no link edges between the manychains libraries read from cmake --graphviz"
    # tsort reports a cycle on stderr.
    if ! tsort "$tmp/edges" > /dev/null 2> "$tmp/tsort.log" || [ -s "$tmp/tsort.log" ]; then
      complain "the link graph has a cycle: $(tr '\n' ' ' < "$tmp/tsort.log")"
    fi
  else
    complain "configure-only tree for the link graph failed: $(tail -5 "$tmp/configure.log")"
  fi
fi

# ---- 3. symbols -----------------------------------------------------------------------------------
defined() { nm -C --defined-only "$1" 2> /dev/null | awk '$2 ~ /^[TWVBDR]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }' | sort -u; }
undefined() { nm -C -u "$1" 2> /dev/null | awk '{ $1 = ""; sub(/^ /, ""); print }' | sort -u; }
needs_from() {  # above below: symbols `below` needs from outside itself that `above` defines
  comm -12 <(comm -23 <(undefined "$2") <(defined "$2")) <(defined "$1") | grep -v '^std::\|^__\|^fmt::\|^nlohmann::\|^typeinfo\|^vtable\|^Eigen::' || true
}
if [ $# -ge 2 ]; then
  core_lib=$1 host_lib=$2 cuda_lib=${3:-}
  core_defs=$(mktemp)
  defined "$core_lib" > "$core_defs"
  bad=$(needs_from "$host_lib" "$core_lib")
  [ -z "$bad" ] || complain "core calls the host library: $(echo "$bad" | head -5)"
  if [ -n "$cuda_lib" ]; then
    bad=$(needs_from "$host_lib" "$cuda_lib" | grep -vxFf "$core_defs" || true)
    [ -z "$bad" ] || complain "the CUDA library calls the host library: $(echo "$bad" | head -5)"
    bad=$(needs_from "$cuda_lib" "$core_lib")
    [ -z "$bad" ] || complain "core calls the CUDA library: $(echo "$bad" | head -5)"
  fi
  rm -f "$core_defs"
fi

[ $fail -eq 0 ] && echo "layering: ok (includes, link graph${2:+, symbols})"
exit $fail
