#!/usr/bin/env bash
# How busy the whole machine was while a command ran, in core-seconds, from /proc/stat:
# unlike `time`, it counts what the command's children left running and did not wait for
# (Chromium's processes, under Playwright).
#
#   bench/cpu_busy.sh ./dev test -n 0 -q -p no:randomly \
#     tests/browser/test_rgaa_public_browser.py -k both_themes
#
# Prints the wall time, the busy core-seconds and the core-seconds there were; the
# command's own output goes to stdout as usual. Meaningful on a quiet machine only.
set -uo pipefail
ticks() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6}' /proc/stat; }
read -r busy_before all_before < <(ticks)
started=$(date +%s.%N)
"$@"
status=$?
ended=$(date +%s.%N)
read -r busy_after all_after < <(ticks)
hz=$(getconf CLK_TCK)
awk -v s="$started" -v e="$ended" -v hz="$hz" \
  -v b=$((busy_after - busy_before)) -v a=$((all_after - all_before)) \
  'BEGIN { printf "wall %.1f s; busy %.0f core-s of %.0f\n", e - s, b / hz, a / hz }' >&2
exit "$status"
