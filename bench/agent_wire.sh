#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Wire cost of `migtop --agent` (issue 10, goal <= 2 KB/s): the bytes per second it writes
# for N devices (default 64) polled at 1 Hz while one device migrates (its state file
# moves RUNNING -> PRE_COPY -> STOP_COPY -> STOP and back, one step a second), measured
# over SECONDS (default 30) after the first snapshot; against a naive remote loop that
# cats the same files every second (`ssh host 'cat .../state'`, and every file).
# Usage: bench/agent_wire.sh [N] [SECONDS]     (B=build dir, default build; MIGTOP=binary)
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
N=${1:-64}
SECS=${2:-30}
make -s -j2 B="$B" "$B/migtop" "$B/tests/mkfixture" >/dev/null 2>&1 ||
	make -s -j2 B="$B" all "$B/tests/mkfixture" >/dev/null
# MIGTOP: another binary to measure (an older build, to compare)
if [[ -z ${MIGTOP:-} ]]; then
	MIGTOP=$B/migtop
	[[ -x $MIGTOP ]] || MIGTOP=tui/migtop
fi
tmp=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$B/tests/mkfixture" "$tmp/root" many "$N" >/dev/null
dev=$(ls "$tmp/root" | head -1)
state="$tmp/root/$dev/migration/state"
mkfifo "$tmp/in"
"$MIGTOP" --agent --root "$tmp/root" --fixture -d 1000 <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 7>"$tmp/in"
for _ in $(seq 50); do grep -q '^{"t":"snap"' "$tmp/out" && break; sleep 0.1; done
hello=$(sed -n 1p "$tmp/out" | wc -c)
snap=$(sed -n 2p "$tmp/out" | wc -c)
b0=$(stat -c %s "$tmp/out")
states=(RUNNING PRE_COPY STOP_COPY STOP)
t0=$(date +%s.%N)
for ((i = 1; i <= SECS; i++)); do
	printf '%s\n' "${states[i % 4]}" >"$state.new" && mv "$state.new" "$state"
	sleep 1
done
t1=$(date +%s.%N)
b1=$(stat -c %s "$tmp/out")
exec 7>&-
wait $pid || true
pid=""
lines=$(($(wc -l <"$tmp/out") - 2))
deltas=$(grep -c '^{"t":"delta"' "$tmp/out" || true)
hbs=$(grep -c '^{"t":"hb"' "$tmp/out" || true)
# the naive loop: what one `cat` of the same files prints, once a second
cat_state=$(cat "$tmp/root"/*/migration/state | wc -c)
cat_all=$(find "$tmp/root" -type f ! -name '*.errno' ! -name '*.new' -print0 | xargs -0 cat | wc -c)
awk -v n="$N" -v s="$SECS" -v b="$((b1 - b0))" -v t0="$t0" -v t1="$t1" -v h="$hello" \
	-v sn="$snap" -v l="$lines" -v d="$deltas" -v hb="$hbs" -v cs="$cat_state" -v ca="$cat_all" 'BEGIN {
	el = t1 - t0; r = b / el
	printf "agent wire, %d devices, 1 Hz, one device changing state every second, %.1f s:\n", n, el
	printf "  hello %d B, first snapshot %d B (once per connection)\n", h, sn
	printf "  after the snapshot: %d B in %d lines (%d deltas, %d heartbeats) = %.0f B/s\n", b, l, d, hb, r
	printf "  goal 2048 B/s: %.3f of the goal\n", r / 2048
	printf "  naive ssh cat loop at 1 Hz: state files only %d B/s (%.1fx the agent), every file %d B/s (%.0fx)\n", cs, cs / r, ca, ca / r
}'
