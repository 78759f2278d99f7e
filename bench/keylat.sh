#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Key latency while a dev_data read blocks: the console must answer keys while the engine
# waits on a stuck driver.  Runs the real migtop in tmux on a fixture pair whose source
# dev_data is a FIFO nobody writes (its read blocks for the whole run), sends `?` and Esc
# ROUNDS times, and prints the time from send-keys until the screen shows the answer.
# The figure includes tmux's own round trip, so it is an upper bound.  A benchmark, not a
# test: it prints numbers and asserts nothing about them.
# Usage: bench/keylat.sh [ROUNDS]   (env MIGTOP, FIXGEN default to the build's binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
MIGTOP=${MIGTOP:-$PWD/tui/migtop}
FIXGEN=${FIXGEN:-$PWD/build/tests/mkfixture}
make -s "$MIGTOP" "$FIXGEN" >/dev/null 2>&1 || make -s tui/migtop build/tests/mkfixture
tmp=$(mktemp -d)
sock=migtop-keylat-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$FIXGEN" "$tmp/vfio" pair-qpnum >/dev/null
"$FIXGEN" "$tmp/free" pair-qpnum >/dev/null
dd="$tmp/vfio/0000:3b:00.1/migration/hisi_acc/dev_data"
rm -f "$dd"
mkfifo "$dd"
export XDG_CONFIG_HOME=$tmp/xdg
# session b: a dev_data read blocks; session f: the same tree, nothing blocks (baseline)
tm new-session -d -s b -x 120 -y 40 "$MIGTOP --root $tmp/vfio --fixture --deadline 500"
tm new-session -d -s f -x 120 -y 40 "$MIGTOP --root $tmp/free --fixture --deadline 500"
# session c: cat, the floor of this measuring method (tmux's own latency)
tm new-session -d -s c -x 120 -y 40 "cat"
now() { date +%s%N; }
wait_for() { # wait_for SESSION T0 PATTERN: ns from T0 until the pane shows PATTERN
	local s=$1 t0=$2 pat=$3
	for _ in $(seq 1 5000); do
		if tm capture-pane -p -t "$s" | grep -q -- "$pat"; then
			echo $(($(now) - t0))
			return 0
		fi
		sleep 0.001
	done
	echo "keylat: the screen of $s never showed '$pat'" >&2
	return 1
}
for s in b f; do wait_for $s "$(now)" "0000:86:00.1" >/dev/null; done
wait_for b "$(now)" "blocked" >/dev/null || true
: >"$tmp/b.lat"
: >"$tmp/f.lat"
: >"$tmp/c.lat"
for _ in $(seq 1 "$rounds"); do
	for s in b f; do # interleaved, so both see the same machine load
		t0=$(now)
		tm send-keys -t $s '?'
		wait_for $s "$t0" 'show this help' >>"$tmp/$s.lat"
		t0=$(now)
		tm send-keys -t $s Escape
		wait_for $s "$t0" '0000:86:00.1' >>"$tmp/$s.lat"
	done
	for k in a b; do
		tok=tok$RANDOM$k$RANDOM
		tm send-keys -t c C-l
		t0=$(now)
		tm send-keys -t c "$tok"
		wait_for c "$t0" "$tok" >>"$tmp/c.lat"
		tm send-keys -t c Enter
	done
done
# the stuck read is still stuck: the console never waited for it
tm capture-pane -p -t b | grep -q "blocked" && stuck=yes || stuck=no
stats() { sort -n "$1" | awk '{ v[NR] = $1 / 1e6 } END {
	printf "median %.1f ms, p90 %.1f ms, max %.1f ms", v[int((NR + 1) / 2)], v[int(NR * 0.9)], v[NR] }'; }
echo "key latency, send-keys to screen, $((rounds * 2)) keys each (tmux round trip included):"
echo "  dev_data read blocked:  $(stats "$tmp/b.lat")  (read still blocked: $stuck)"
echo "  nothing blocked:        $(stats "$tmp/f.lat")"
echo "  cat (method's floor):   $(stats "$tmp/c.lat")"
mb=$(sort -n "$tmp/b.lat" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
mf=$(sort -n "$tmp/f.lat" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
awk -v b="$mb" -v f="$mf" 'BEGIN { printf "  ratio of medians blocked/free: %.2fx (goal: answered < 100 ms)\n", b / f }'
