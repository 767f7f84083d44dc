#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# PostgreSQL store throughput: engine commands per second with one and with
# two engine processes (tests/bench/pg_load), next to pgbench's simple-update
# rate (`pgbench -N`, one and two clients) on the same throwaway server in the
# same run. The ratios are the figures: the disk's fsync cost, which decides
# both sides, differs from machine to machine and from minute to minute.
#
#   tests/bench/pg_bench.sh [BUILD_DIR] [SECONDS]
#
# BUILD_DIR: a build with -DTIERFLOW_BUILD_BENCHMARKS=ON (default: build);
#   its tests/bench/pg_load is used.
# SECONDS: the length of each measurement (default 10).
# ROUNDS (environment): how many times to repeat the four measurements
#   (default 1); each round is one row of the table, and with several the
#   median ratios close it. fsync times on shared machines swing several-fold
#   within a minute, and each side is measured at a different moment: quote
#   the median of several short rounds (e.g. ROUNDS=5 with SECONDS=6).
#
# SYNCHRONOUS_COMMIT (environment): "on" (the default) or "off". With
#   "off", every connection of both sides (pgbench's and the engines')
#   commits without waiting for its WAL flush (PGOPTIONS), so the disk's
#   fsync time, which otherwise decides both rates, drops out and what is
#   compared is the cost of a command: its statements, round trips and CPU.
#
# Beside each engine rate, `rt/cmd` is the client/server round trips per
# command that pg_load counted (postgres_store::round_trips; the processes'
# figures joined with "/"), or "-" when this pg_load does not print them.
#
# Each round runs, one after the other: pgbench -N -c 1, one pg_load process,
# pgbench -N -c 2, two pg_load processes at once (each on its own 64
# tickets, started at the same instant). pgbench uses its own database
# (`pgbench`, scale 1); the engines use `tierflow_test`. Both commit each
# transaction with synchronous_commit = SYNCHRONOUS_COMMIT (the server's
# default, on, unless set).
#
# The server comes from tests/pg/throwaway-postgres in a fresh temporary
# directory and is stopped and removed when the script exits, however it
# exits. The server runs as the `postgres` user when this runs as root;
# pgbench and pg_load are clients and run as the caller.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd -- "$here/../.." && pwd -P)
build=${1:-$root/build}
seconds=${2:-10}
rounds=${ROUNDS:-1}
synchronous_commit=${SYNCHRONOUS_COMMIT:-on}

die() {
  echo "pg_bench: error: $*" >&2
  exit 1
}

[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer, not '$seconds'"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$rounds'"
[[ $synchronous_commit == on || $synchronous_commit == off ]] ||
  die "SYNCHRONOUS_COMMIT must be on or off, not '$synchronous_commit'"
load=$build/tests/bench/pg_load
[[ -x $load ]] || die "$load not found: build with -DTIERFLOW_BUILD_BENCHMARKS=ON (target tierflow_bench_pg_load)"

# pgbench and psql: $PG_BINDIR, `pg_config --bindir`, /usr/lib/postgresql/*/bin
# (newest first), then PATH.
find_tool() {
  local name=$1 d
  local candidates=()
  [[ -n ${PG_BINDIR:-} ]] && candidates+=("$PG_BINDIR")
  if command -v pg_config >/dev/null 2>&1; then
    candidates+=("$(pg_config --bindir 2>/dev/null || true)")
  fi
  while IFS= read -r d; do
    candidates+=("$d")
  done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)
  for d in "${candidates[@]}"; do
    if [[ -n $d && -x $d/$name ]]; then
      echo "$d/$name"
      return 0
    fi
  done
  command -v "$name" || die "$name not found (install the PostgreSQL server package or set PG_BINDIR)"
}
if [[ $synchronous_commit == off ]]; then
  # libpq passes PGOPTIONS to the server at connection start: pgbench, psql
  # and every pg_load connection alike.
  export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c synchronous_commit=off"
fi
pgbench=$(find_tool pgbench)
psql=$(find_tool psql)

work=$(mktemp -d "${TMPDIR:-/tmp}/tierflow_pg_bench.XXXXXX")
# The server's user (postgres, when we are root) must reach $work/pg.
chmod 755 "$work"
cleanup() {
  "$root/tests/pg/throwaway-postgres" stop "$work/pg" >/dev/null 2>&1 ||
    echo "pg_bench: warning: could not stop the server in $work/pg" >&2
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/tests/pg/throwaway-postgres" start "$work/pg" >/dev/null
url=$(cat "$work/pg/url")
sock=$(cat "$work/pg/sockdir")

"$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d postgres -c 'CREATE DATABASE pgbench' >/dev/null
"$pgbench" -h "$sock" -U postgres -i -s 1 -q pgbench >"$work/pgbench_init.log" 2>&1 ||
  {
    cat "$work/pgbench_init.log" >&2
    die "pgbench -i failed"
  }

# Prints pgbench -N's tps with $1 clients (one thread per client).
pgbench_tps() {
  local clients=$1 out tps
  out=$("$pgbench" -h "$sock" -U postgres -N -c "$clients" -j "$clients" -T "$seconds" pgbench 2>&1) ||
    {
      echo "$out" >&2
      die "pgbench -N -c $clients failed"
    }
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")
  [[ -n $tps ]] || tps=$(sed -n 's/^tps = \([0-9.]*\).*$/\1/p' <<<"$out" | tail -n 1)
  [[ -n $tps ]] || {
    echo "$out" >&2
    die "no tps in pgbench's output"
  }
  echo "$tps"
}

# Runs $1 pg_load processes at once for $seconds, each on its own tickets;
# prints their summed commands per second, and leaves their round trips per
# command in $work/trips ("-" when pg_load does not count them).
engine_rate() {
  local procs=$1 i start pids=() total=0 line rate trips=""
  local trip
  # Ticket opening takes well under a second; all processes start their
  # timed run at the same instant, 3 s from now.
  start=$(($(date +%s%3N) + 3000))
  for ((i = 0; i < procs; i++)); do
    "$load" "$url" "$seconds" 64 "$start" >"$work/load.$i.out" 2>"$work/load.$i.err" &
    pids+=($!)
  done
  for ((i = 0; i < procs; i++)); do
    if ! wait "${pids[i]}"; then
      cat "$work/load.$i.err" >&2
      die "pg_load process $i failed"
    fi
    grep -q 'starting late' "$work/load.$i.err" && echo "pg_load: process $i started late" >&2
    line=$(cat "$work/load.$i.out")
    rate=$(sed -n 's/.*commands_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
    [[ -n $rate ]] || die "no rate in pg_load's output: $line"
    total=$(awk -v a="$total" -v b="$rate" 'BEGIN { printf "%.1f", a + b }')
    trip=$(sed -n 's/.*round_trips_per_command=\([0-9.]*\).*/\1/p' <<<"$line")
    trips+=${trips:+/}${trip:--}
  done
  echo "$trips" >"$work/trips"
  echo "$total"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }

# The median of its arguments (numbers, "%" allowed).
median() {
  printf '%s\n' "$@" | tr -d '%' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.1f%%", v[(NR + 1) / 2]; else printf "%.1f%%", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

server_version=$("$psql" -X -A -t -h "$sock" -U postgres -d postgres -c 'SHOW server_version')
echo "PostgreSQL $server_version, throwaway server on a Unix socket; ${seconds} s per measurement;" \
  "synchronous_commit=$synchronous_commit"
printf '%-6s %14s %14s %8s %8s %14s %14s %10s %8s\n' "round" "pgbench -N c1" "engine 1 proc" "rt/cmd" \
  "ratio" "pgbench -N c2" "engine 2 proc" "rt/cmd" "ratio"
ratios1=()
ratios2=()
for ((r = 1; r <= rounds; r++)); do
  p1=$(pgbench_tps 1)
  e1=$(engine_rate 1)
  t1=$(cat "$work/trips")
  p2=$(pgbench_tps 2)
  e2=$(engine_rate 2)
  t2=$(cat "$work/trips")
  ratios1+=("$(ratio "$e1" "$p1")")
  ratios2+=("$(ratio "$e2" "$p2")")
  printf '%-6s %14.1f %14.1f %8s %8s %14.1f %14.1f %10s %8s\n' "$r" "$p1" "$e1" "$t1" "${ratios1[-1]}" \
    "$p2" "$e2" "$t2" "${ratios2[-1]}"
done
if ((rounds > 1)); then
  printf '%-6s %14s %14s %8s %8s %14s %14s %10s %8s\n' "median" "" "" "" "$(median "${ratios1[@]}")" \
    "" "" "" "$(median "${ratios2[@]}")"
fi
echo "(pgbench: transactions/s; engine: commands/s, summed over the processes;"
echo " rt/cmd: round trips per engine command, per process)"
