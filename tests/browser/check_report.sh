#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The HTML reports in a real browser: Debian's headless Chromium opens the
# page `tierflow report --html` (or `tierflow simulate --html`) wrote, and the check fails unless it renders
# (a screenshot of real size, the section headings in the DOM) with no
# console message at all (the page has no script, so any message — a script
# error, a refused or failed load — means it is broken or not
# self-contained).
#
#   check_report.sh report TIERFLOW STORE_WRITER SOURCE_DIR WORK_DIR ARTIFACT_DIR
#       builds the store (STORE_WRITER, tests/browser/report_store.hpp), runs
#       `tierflow report --html`, checks the file and the page; the
#       screenshot is ARTIFACT_DIR/report.png.
#   check_report.sh simulation TIERFLOW SOURCE_DIR WORK_DIR ARTIFACT_DIR
#       runs `tierflow simulate --html` on tests/data/sim_cli/small.yaml (the
#       shipped workflows), checks the file and the page; the screenshot is
#       ARTIFACT_DIR/simulation.png.
#   check_report.sh self-test SOURCE_DIR WORK_DIR
#       the check itself must fail on tests/browser/broken_page.html, a page
#       with a console error.
#
# CHROMIUM overrides /usr/bin/chromium. Chromium runs as root in CI's
# container: --no-sandbox; no display: --headless=new --disable-gpu.
set -euo pipefail

chromium="${CHROMIUM:-/usr/bin/chromium}"

fail() {
  echo "browser test: FAIL: $*" >&2
  exit 1
}

require_chromium() {
  if [ ! -x "$chromium" ]; then
    fail "$chromium is not installed: run .ci/setup (it installs Debian's chromium package)"
  fi
}

# check_page HTML OUT_DIR [PNG]: opens HTML in Chromium, writes the DOM to
# OUT_DIR/dom.html and the browser's log to OUT_DIR/chromium.log (and the
# screenshot to PNG); fails on any console message or when nothing rendered.
check_page() {
  local html="$1" out="$2" png="${3:-$2/page.png}"
  mkdir -p "$out"
  rm -f "$png" "$out/dom.html" "$out/chromium.log"
  # A profile of its own: parallel runs must not share one, and the user's
  # is none of the test's business.
  local status=0
  timeout --kill-after=5 60 "$chromium" --headless=new --no-sandbox --disable-gpu \
    --no-first-run --no-default-browser-check --user-data-dir="$out/profile" \
    --enable-logging=stderr --v=0 --window-size=1280,3200 --hide-scrollbars \
    --screenshot="$png" --dump-dom "file://$(realpath "$html")" \
    >"$out/dom.html" 2>"$out/chromium.log" || status=$?
  rm -rf "$out/profile"
  [ "$status" -eq 0 ] || fail "chromium exited with status $status (log: $out/chromium.log)"
  if grep -q 'CONSOLE' "$out/chromium.log"; then
    grep 'CONSOLE' "$out/chromium.log" >&2
    fail "console error in $html"
  fi
  [ -s "$out/dom.html" ] || fail "chromium dumped no DOM for $html"
  [ -f "$png" ] || fail "chromium wrote no screenshot of $html"
  # A PNG, and more than a blank page (a blank 1280 px page is a few KB).
  [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
    fail "$png is not a PNG"
  local size
  size=$(stat -c %s "$png")
  [ "$size" -gt 30000 ] || fail "$png is only $size bytes: the page did not render"
}

mode="${1:-}"
# check_self_contained PAGE MIN_CHARTS: nothing in PAGE could fetch or run
# anything, it has at least MIN_CHARTS inline SVG charts, and every chart is
# accessible (each has a title).
check_self_contained() {
  for forbidden in '<script' 'src=' 'url(' 'http' '@import' '<link' '<iframe'; do
    if grep -qiF -- "$forbidden" "$1"; then
      fail "$1 holds '$forbidden': the report must be self-contained"
    fi
  done
  svgs=$(grep -o '<svg' "$1" | wc -l)
  titles=$(grep -o '<svg[^>]*><title' "$1" | wc -l)
  [ "$svgs" -ge "$2" ] || fail "$1 has $svgs charts, expected at least $2"
  [ "$svgs" -eq "$titles" ] || fail "$1: $svgs charts but only $titles with a title"
}

case "$mode" in
  report)
    [ $# -eq 6 ] || fail "usage: check_report.sh report TIERFLOW STORE_WRITER SOURCE_DIR WORK_DIR ARTIFACT_DIR"
    tierflow="$2" writer="$3" source_dir="$4" work="$5" artifacts="$6"
    require_chromium
    rm -rf "$work"
    mkdir -p "$work" "$artifacts"
    "$writer" "sqlite:$work/report.db" "$source_dir/workflows" >/dev/null ||
      fail "the store writer failed"
    "$tierflow" report --db "sqlite:$work/report.db" --workflows "$source_dir/workflows" \
      --from 2026-11-24 --to 2026-11-27 --every 6h --by tier,region \
      --html "$work/report.html" >"$work/report.txt" || fail "tierflow report failed"
    page="$work/report.html"

    check_self_contained "$page" 6

    check_page "$page" "$work/page" "$artifacts/report.png"
    for heading in 'Service report' 'Headline' 'On-time rate' 'Escalations by level' \
      'Volume and backlog over time' 'Time to resolve' 'Worst overdue tickets' \
      'Manager points' 'Time per unit' 'Indicators by group'; do
      grep -qF -- ">$heading</h" "$work/page/dom.html" ||
        fail "the rendered page has no heading '$heading'"
    done
    echo "browser test: the report renders, no console message; screenshot $artifacts/report.png"
    ;;
  simulation)
    [ $# -eq 5 ] || fail "usage: check_report.sh simulation TIERFLOW SOURCE_DIR WORK_DIR ARTIFACT_DIR"
    tierflow="$2" source_dir="$3" work="$4" artifacts="$5"
    require_chromium
    rm -rf "$work"
    mkdir -p "$work" "$artifacts"
    "$tierflow" simulate "$source_dir/tests/data/sim_cli/small.yaml" \
      --workflows "$source_dir/workflows" --by tier,region \
      --html "$work/simulation.html" >"$work/simulation.txt" || fail "tierflow simulate failed"
    page="$work/simulation.html"

    # The utilisation chart, a queue chart per unit and the report's own.
    check_self_contained "$page" 8
    grep -qF 'class="whisker"' "$page" || fail "$page: the utilisation bars have no interval whisker"
    grep -qF '<polyline class="q q0"' "$page" || fail "$page: no queue line"

    check_page "$page" "$work/page" "$artifacts/simulation.png"
    for heading in 'Simulation: Three days of a small town' 'Key indicators' 'Staff utilisation' \
      'Queue length over time' 'Indicators over the replications' 'Replication 1 in detail' \
      'Headline' 'On-time rate' 'Indicators by group'; do
      grep -qF -- ">$heading</h" "$work/page/dom.html" ||
        fail "the rendered page has no heading '$heading'"
    done
    echo "browser test: the simulation report renders, no console message; screenshot $artifacts/simulation.png"
    ;;
  self-test)
    [ $# -eq 3 ] || fail "usage: check_report.sh self-test SOURCE_DIR WORK_DIR"
    source_dir="$2" work="$3"
    require_chromium
    rm -rf "$work"
    mkdir -p "$work"
    # The check runs in a subshell: its failure is this test's success.
    if (check_page "$source_dir/tests/browser/broken_page.html" "$work/page") 2>"$work/check.err"; then
      fail "the check passed a page with a console error"
    fi
    grep -q 'console error in' "$work/check.err" ||
      fail "the check failed on the broken page, but not for its console error: $(cat "$work/check.err")"
    echo "browser test: the check fails on a page with a console error, as it must"
    ;;
  *)
    fail "usage: check_report.sh report|simulation|self-test ..."
    ;;
esac
