#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one case of the hostile-input corpus (tests/hostile/cases.txt) and
# checks its exit code and the first line of the stream it names.
#
#   run_case.sh TIERFLOW MAKE_STORE SOURCE_DIR WORK_ROOT CASE_NAME
#
# TIERFLOW is the tool under test, MAKE_STORE the helper that writes a small
# SQLite store (tests/hostile/make_store.cpp). The case's files are made in
# WORK_ROOT/CASE_NAME (emptied first) by the setup steps of its line; in the
# command, the expected line and the setup, $W is that directory and $S the
# source tree. Big, special and damaged inputs are made here, at test time,
# so the repository holds no megabytes and no FIFOs.
set -uo pipefail

tierflow=$1 make_store=$2 S=$3 work_root=$4 name=$5
manifest="$S/tests/hostile/cases.txt"
W="$work_root/$name"

line=$(grep -E "^$name[[:space:]]*\|" "$manifest" | head -n 1)
if [ -z "$line" ]; then
  echo "hostile: no case '$name' in $manifest" >&2
  exit 1
fi
IFS='|' read -r _ setup want_exit stream want_first command <<<"$line"
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }
setup=$(trim "$setup") want_exit=$(trim "$want_exit") stream=$(trim "$stream")
want_first=$(trim "$want_first") command=$(trim "$command")

# --- The setup steps: `step args…`, separated by `&&`. -----------------------------
text() { printf '%b' "$2" >"$1"; }                         # text FILE 'printf %b text'
fifo() { mkfifo "$1"; }
copy() { cp -R "$S/$1" "$2"; }                             # copy SOURCE-RELATIVE DEST
big() { head -c "$2" /dev/zero | tr '\0' '#' >"$1"; }      # big FILE BYTES: a comment
random() { head -c "$2" /dev/urandom >"$1"; }              # random FILE BYTES
zeros() { head -c "$2" /dev/zero >"$1"; }                  # zeros FILE BYTES: NUL bytes
repeat() {                                                 # repeat FILE COUNT 'line'
  local f=$1 n=$2 l=$3
  yes "$l" | head -n "$n" >>"$f"
}
deep_flow() {                                              # deep_flow FILE DEPTH: a: [[[…]]]
  local f=$1 n=$2
  { printf 'workflow: '; head -c "$n" /dev/zero | tr '\0' '['; head -c "$n" /dev/zero | tr '\0' ']'; echo; } >"$f"
}
deep_block() {                                             # deep_block FILE DEPTH: nested mappings
  local f=$1 n=$2 i
  : >"$f"
  for ((i = 0; i < n; i++)); do printf '%*sk%d:\n' "$i" '' "$i" >>"$f"; done
}
laughs() {                                                 # laughs FILE: billion laughs
  {
    echo 'organisation: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'
    for i in 1 2 3 4 5 6 7 8 9; do
      printf 'l%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n' \
        "$i" "$i" $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) \
        $((i - 1)) $((i - 1)) $((i - 1))
    done
  } >"$1"
}
store() { mkdir -p "$(dirname "$1")" && "$make_store" "$1" >/dev/null; }  # store FILE: a SQLite trail
audit_key() { "$tierflow" audit keygen --secret-key "$1.secret" --public-key "$1" >/dev/null; }  # audit_key PUBLIC
sql() { sqlite3 "$1" "$2"; }                               # sql FILE 'statements'
poke() {                                                   # poke FILE OFFSET 'bytes': overwrite
  printf '%b' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
shorten() { truncate -s "$2" "$1"; }                       # shorten FILE BYTES
fill() {                                                   # fill FILE PREFIX COUNT CHAR [SUFFIX]
  { printf '%b' "$2"; head -c "$3" /dev/zero | tr '\0' "$4"; printf '%b' "${5:-}"; } >"$1"
}
aliases() {                                                # aliases FILE COUNT: *a COUNT times
  local f=$1 n=$2 i
  { printf 'workflow: &a x\nt: ['; for ((i = 0; i < n; i++)); do printf '*a, '; done; echo '*a]'; } >"$f"
}
unreadable() {                                             # unreadable FILE (root reads it anyway:
  printf 'workflow: x\n' >"$1"                            # then the file is left out)
  chmod 000 "$1"
  [ "$(id -u)" != 0 ] || rm -f "$1"
}

rm -rf "$W"
mkdir -p "$W"
cd "$S" || exit 1
if [ "$setup" != "-" ]; then
  setup=${setup//\$W/$W}
  setup=${setup//\$S/$S}
  if ! eval "$setup"; then
    echo "hostile: $name: setup failed: $setup" >&2
    exit 1
  fi
fi

command=${command//\$W/$W}
command=${command//\$S/$S}
want_first=${want_first//\$W/$W}
want_first=${want_first//\$S/$S}
eval "args=($command)"
"$tierflow" "${args[@]}" >"$W/.stdout" 2>"$W/.stderr" </dev/null
got_exit=$?

case "$stream" in
  stdout) out="$W/.stdout" ;;
  stderr) out="$W/.stderr" ;;
  any) cat "$W/.stdout" "$W/.stderr" >"$W/.any"; out="$W/.any" ;;  # stdout, then stderr
  *) echo "hostile: $name: stream must be stdout or stderr, not '$stream'" >&2; exit 1 ;;
esac
got_first=$(head -n 1 "$out" | tr -d '\r')
[ -s "$out" ] || got_first="<empty>"

# A `*` in the expected line matches any text; everything else is literal.
pattern=
rest=$want_first
while [[ "$rest" == *'*'* ]]; do
  pattern+=$(printf '%q' "${rest%%'*'*}")'*'
  rest=${rest#*'*'}
done
[ -n "$rest" ] && pattern+=$(printf '%q' "$rest")
ok=1
[ "$got_exit" = "$want_exit" ] || ok=0
eval '[[ "$got_first" == '"${pattern:-""}"' ]]' || ok=0
if [ "$ok" -eq 1 ]; then
  echo "hostile: $name: exit $got_exit, $stream: $got_first"
  exit 0
fi
echo "hostile: $name FAILED: tierflow $command"
echo "  exit:   want $want_exit, got $got_exit"
echo "  $stream: want: $want_first"
echo "  $stream: got:  $got_first"
echo "--- stdout (first 20 lines, escapes shown):"; head -n 20 "$W/.stdout" | cat -v
echo "--- stderr (first 20 lines, escapes shown):"; head -n 20 "$W/.stderr" | cat -v
exit 1
