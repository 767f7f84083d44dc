#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tierflow's engine beside xstate 5 on the same complaint path, in one script
# on one machine: engine_bench (BM_complaint_lifecycle: the ten state changes
# of a complaint, open to archived, every event sealed in the hash chain and
# stored in the memory store; BM_open_ticket_heap/N: malloc's bytes in use
# per complaint left open in `received` with its deadlines running) and
# tests/bench/xstate/complaint.mjs (an xstate machine of the same workflow,
# driven along the same path; actors parked in the same state), alternated
# for a few rounds, medians, and the ratios tierflow / xstate. complaint.mjs
# says what xstate does not do that the engine does (audit, routing,
# deadlines, authorisation).
#
# Usage (from anywhere; node 18 or later and npm on PATH):
#   cmake --build BUILD --target tierflow_bench_engine_bench   # with -DTIERFLOW_BUILD_BENCHMARKS=ON
#   tests/bench/xstate_vs_engine.sh [BUILD]
#   BUILD   the build tree (default: build next to this repository's root)
# Runs `npm ci` in tests/bench/xstate first if its node_modules is missing.
# Environment: ROUNDS (default 3); NODE, NPM (default node, npm); PARKED,
# the open tickets and parked actors of the heap row (default 100000:
# engine_bench registers BM_open_ticket_heap for 10000 and 100000, with
# every open ticket kept: range(1) = 0);
# LIFECYCLES, the lifecycles xstate times per round (default 100000).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-"$root/build"}
rounds=${ROUNDS:-3}
node=${NODE:-node}
npm=${NPM:-npm}
parked=${PARKED:-100000}
lifecycles=${LIFECYCLES:-100000}

[[ "$parked" == 10000 || "$parked" == 100000 ]] ||
  { echo "xstate_vs_engine.sh: PARKED must be 10000 or 100000 (BM_open_ticket_heap's sizes)" >&2; exit 1; }
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$lifecycles" =~ ^[1-9][0-9]*$ ]] ||
  { echo "xstate_vs_engine.sh: ROUNDS and LIFECYCLES must be positive integers" >&2; exit 1; }

bench="$build/tests/bench/engine_bench"
[[ -x "$bench" ]] || { echo "xstate_vs_engine.sh: no $bench (build tierflow_bench_engine_bench)" >&2; exit 1; }
command -v "$node" >/dev/null || { echo "xstate_vs_engine.sh: no $node (apt-get install nodejs npm)" >&2; exit 1; }
if [[ ! -d "$here/xstate/node_modules/xstate" ]]; then
  (cd "$here/xstate" && "$npm" ci --no-audit --no-fund) >&2
fi

# The value of KEY in a `RESULT key=value …` line on stdin.
field() { sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"; }

# The median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# engine_bench's JSON on stdin → `RESULT …` with the figures the table needs:
# state changes per second of CPU time (the benchmark's counter) and of wall
# time (ten per lifecycle over the real time of one), and the heap bytes
# per open ticket, with the store's and the engine's parts.
engine_figures() {
  # shellcheck disable=SC2016 # the ${…} are JavaScript's, not the shell's
  "$node" -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d));
    process.stdin.on("end", () => {
      const runs = JSON.parse(text).benchmarks;
      const find = (name) => {
        const b = runs.find((r) => r.name === name);
        if (!b) throw new Error("engine_bench reported no " + name);
        return b;
      };
      const seconds = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1 };
      const life = find("BM_complaint_lifecycle");
      const heap = find(process.argv[1]);
      const wall = 10 / (life.real_time * seconds[life.time_unit]);
      console.log(`RESULT state_changes_per_s=${Math.round(life.state_changes)}` +
        ` state_changes_per_s_wall=${Math.round(wall)}` +
        ` heap_bytes_per_ticket=${Math.round(heap.heap_bytes_per_open_ticket)}` +
        ` store_heap_per_ticket=${Math.round(heap.store_heap_per_ticket)}` +
        ` engine_heap_per_ticket=${Math.round(heap.engine_heap_per_ticket)}`);
    });' "BM_open_ticket_heap/$parked/0/iterations:1"
}

tf_cpu="" tf_wall="" tf_heap="" xs_cpu="" xs_wall="" xs_heap=""
xs_line=""
for ((i = 1; i <= rounds; ++i)); do
  xs_line=$(cd "$here/xstate" && "$node" --expose-gc complaint.mjs --lifecycles "$lifecycles" --park "$parked" | grep '^RESULT')
  tf_line=$("$bench" --benchmark_filter="^BM_complaint_lifecycle\$|^BM_open_ticket_heap/$parked/0/" \
                     --benchmark_format=json 2>/dev/null | engine_figures)
  echo "round $i: tierflow $(echo "$tf_line" | field state_changes_per_s) state changes/s CPU," \
       "$(echo "$tf_line" | field heap_bytes_per_ticket) B/open ticket" \
       "(store $(echo "$tf_line" | field store_heap_per_ticket) B, engine $(echo "$tf_line" | field engine_heap_per_ticket) B);" \
       "xstate $(echo "$xs_line" | field state_changes_per_s) state changes/s CPU," \
       "$(echo "$xs_line" | field heap_bytes_per_actor) B/actor"
  tf_cpu+="$(echo "$tf_line" | field state_changes_per_s)"$'\n'
  tf_wall+="$(echo "$tf_line" | field state_changes_per_s_wall)"$'\n'
  tf_heap+="$(echo "$tf_line" | field heap_bytes_per_ticket)"$'\n'
  xs_cpu+="$(echo "$xs_line" | field state_changes_per_s)"$'\n'
  xs_wall+="$(echo "$xs_line" | field state_changes_per_s_wall)"$'\n'
  xs_heap+="$(echo "$xs_line" | field heap_bytes_per_actor)"$'\n'
done

# One table row: label, tierflow's and xstate's medians, their ratio.
row() {
  local label=$1 tf xs
  tf=$(printf '%s' "$2" | median)
  xs=$(printf '%s' "$3" | median)
  awk -v l="$label" -v a="$tf" -v b="$xs" 'BEGIN { printf "%-44s %14.0f %14.0f %10.2f\n", l, a, b, a / b }'
}

echo
echo "complaint path, ten state changes per lifecycle; medians of $rounds rounds, alternated"
echo "tierflow: $bench (memory store, full audit trail)"
echo "xstate $(echo "$xs_line" | field xstate) on node $(echo "$xs_line" | field node)" \
     "($lifecycles lifecycles timed per round; no audit, routing, deadlines or authorisation)"
printf '%-44s %14s %14s %10s\n' "measure" "tierflow" "xstate" "tf/xstate"
row "state changes per second (CPU time)" "$tf_cpu" "$xs_cpu"
row "state changes per second (wall time)" "$tf_wall" "$xs_wall"
row "heap bytes per open ticket ($parked parked)" "$tf_heap" "$xs_heap"
echo "(rates: above 1 the engine is faster; heap: above 1 the engine holds more." \
     "CPU time: the engine's thread; node's process, its GC and JIT threads included)"
