#!/bin/sh
# SPDX-License-Identifier: MIT
# tierflow's simulation speed beside SimPy's on the same M/M/c model, in one
# script on one machine: sim_bench (the real engine with its audit trail,
# tests/bench/sim_bench.cpp) and SimPy (tests/bench/sim_vs_simpy.py), run
# interleaved, three rounds each, medians of the customers simulated per
# second of CPU time, and the ratio tierflow / SimPy.
#
# Usage (from anywhere):
#   cmake --build BUILD --target tierflow_bench_sim_bench
#   tests/bench/sim_vs_simpy.sh [BUILD] [-- MODEL FLAGS]
#   BUILD        the build tree (default: build next to this repository's root)
#   MODEL FLAGS  passed to both, e.g. -- --servers 20 --utilisation 0.9
#                (default: --servers 10 --utilisation 0.8 --mean-service 300
#                 --customers 200000)
# Environment: ROUNDS (default 3); PYTHON (default: the first of python3,
# /usr/bin/python3 that imports simpy or SimPy; Debian: python3-simpy).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$root/build"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  build=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
if [ $# -eq 0 ]; then
  set -- --servers 10 --utilisation 0.8 --mean-service 300 --customers 200000
fi
rounds=${ROUNDS:-3}

bench="$build/tests/bench/sim_bench"
[ -x "$bench" ] || { echo "sim_vs_simpy.sh: no $bench (build tierflow_bench_sim_bench)" >&2; exit 1; }

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import simpy' 2>/dev/null || "$candidate" -c 'import SimPy' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
fi
[ -n "$python" ] || { echo "sim_vs_simpy.sh: no python3 imports simpy or SimPy (apt-get install python3-simpy)" >&2; exit 1; }

# The value of KEY in a `RESULT key=value …` line on stdin.
field() { sed -n "s/^RESULT .*[ ]$1=\([^ ]*\).*/\1/p"; }

# The median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tf_rates=""
py_rates=""
i=1
while [ "$i" -le "$rounds" ]; do
  tf_line=$("$bench" "$@" | grep '^RESULT')
  py_line=$("$python" "$here/sim_vs_simpy.py" "$@" | grep '^RESULT')
  tf=$(echo "$tf_line" | field customers_per_s)
  py=$(echo "$py_line" | field customers_per_s)
  echo "round $i: tierflow $tf customers/s (peak RSS $(echo "$tf_line" | field peak_rss_mib) MiB," \
       "mean wait $(echo "$tf_line" | field mean_wait_s) s), SimPy $py customers/s" \
       "(mean wait $(echo "$py_line" | field mean_wait_s) s; Erlang C $(echo "$py_line" | field erlang_c_wait_s) s)"
  tf_rates="$tf_rates$tf
"
  py_rates="$py_rates$py
"
  i=$((i + 1))
done

tf_median=$(printf '%s' "$tf_rates" | median)
py_median=$(printf '%s' "$py_rates" | median)
ratio=$(awk -v a="$tf_median" -v b="$py_median" 'BEGIN { printf "%.2f", a / b }')
echo "model: $*"
echo "tierflow (sim::run, real engine + audit trail): median $tf_median customers/s CPU"
echo "SimPy ($("$python" -c 'import sys
try:
    import simpy; print("simpy", getattr(simpy, "__version__", "3+"))
except ImportError:
    import SimPy; print("SimPy", getattr(SimPy, "__version__", "2"))'), $python): median $py_median customers/s CPU"
echo "ratio tierflow / SimPy: $ratio"
