#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cost of the fleet metrics: CPU time (user + system) of `migtop --textfile DIR` against
# `migtop -n N --json` on the same 1,000-device fixture tree, same interval and snapshot
# count, run side by side in one run; prints both and their ratio.
# Usage: bench/prom.sh [DEVICES [SNAPSHOTS [INTERVAL_MS]]]   (default 1000 10 1000)
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
devs=${1:-1000} n=${2:-10} ms=${3:-1000}
make -s -j2 B="$B" "$([[ $B == build ]] && echo tui/migtop || echo "$B/migtop")" \
	"$B/tests/mkfixture"
mig=$([[ $B == build ]] && echo tui/migtop || echo "$B/migtop")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migtop-bench-prom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$B/tests/mkfixture" "$tmp/root" many "$devs" >/dev/null
mkdir -p "$tmp/tf"

# cpu FILE CMD...: run CMD, its CPU seconds (user system) into FILE
cpu() {
	local f=$1
	shift
	(
		TIMEFORMAT='%3U %3S'
		{ time "$@" >/dev/null 2>"$f.err"; } 2>"$f"
	)
}
# exit 3: a snapshot had files still unread at its deadline (both modes alike): still a run
cpu "$tmp/text" "$mig" --fixture --root "$tmp/root" --textfile "$tmp/tf" -n "$n" -d "$ms" &
p1=$!
cpu "$tmp/json" "$mig" --fixture --root "$tmp/root" -n "$n" -d "$ms" --json &
p2=$!
wait "$p1" || echo "prom bench: --textfile exit $?: $(head -c 300 "$tmp/text.err")"
wait "$p2" || echo "prom bench: --json exit $?: $(head -c 300 "$tmp/json.err")"
read -r tu ts <"$tmp/text"
read -r ju js <"$tmp/json"
size=$(stat -c %s "$tmp/tf/migtop.prom")
series=$(grep -vc '^#' "$tmp/tf/migtop.prom")
awk -v tu="$tu" -v ts="$ts" -v ju="$ju" -v js="$js" -v n="$n" -v ms="$ms" -v d="$devs" \
	-v size="$size" -v series="$series" 'BEGIN {
	t = tu + ts; j = ju + js
	printf "prom bench: %d devices, %d snapshots %d ms apart, side by side\n", d, n, ms
	printf "  --textfile DIR   cpu %.3f s (user %.3f, sys %.3f)  %d series, %d bytes a file\n", t, tu, ts, series, size
	printf "  -n %d --json     cpu %.3f s (user %.3f, sys %.3f)\n", n, j, ju, js
	printf "  ratio textfile/json: %.2f\n", (j > 0 ? t / j : 0)
}'
