#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Key latency with --host links that are down or hang: the console must answer keys while
# a host's ssh never answers (a stand-in ssh that sleeps forever without output) or is
# refused (a stand-in ssh that fails at once, so the link is retried with backoff).  Runs
# the real migtop in tmux on the same local fixture pair in four sessions, sends `?` and
# Esc ROUNDS times to each (interleaved, so all see the same machine load), and prints
# the time from send-keys until the screen shows the answer:
#   n  no --host (the baseline)
#   g  --host hvG whose ssh hangs forever (no output, never exits)
#   r  --host hvR whose ssh is refused at once (down, reconnecting)
#   c  cat: the floor of this measuring method (tmux's own round trip)
# A benchmark, not a test: it prints numbers and asserts nothing about them.
# Usage: bench/keylat_host.sh [ROUNDS]   (env MIGTOP, FIXGEN default to the build's binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
MIGTOP=${MIGTOP:-$PWD/tui/migtop}
FIXGEN=${FIXGEN:-$PWD/build/tests/mkfixture}
[[ -x $MIGTOP && -x $FIXGEN ]] || make -s tui/migtop build/tests/mkfixture
tmp=$(mktemp -d)
sock=migtop-keylat-host-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$FIXGEN" "$tmp/vfio" pair-qpnum >/dev/null
printf '#!/bin/sh\nexec sleep 3600\n' >"$tmp/ssh-hang"
printf '#!/bin/sh\necho "ssh: connect to host hvR port 22: Connection refused" >&2\nexit 255\n' \
	>"$tmp/ssh-refused"
chmod +x "$tmp/ssh-hang" "$tmp/ssh-refused"
export XDG_CONFIG_HOME=$tmp/xdg
base="$MIGTOP --root $tmp/vfio --fixture"
tm new-session -d -s n -x 120 -y 40 "$base"
tm new-session -d -s g -x 120 -y 40 "$base --ssh $tmp/ssh-hang --host hvG"
tm new-session -d -s r -x 120 -y 40 "$base --ssh $tmp/ssh-refused --host hvR"
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
	echo "keylat_host: the screen of $s never showed '$pat'" >&2
	return 1
}
for s in n g r; do wait_for $s "$(now)" "0000:86:00.1" >/dev/null; done
wait_for g "$(now)" "^hvG connecting" >/dev/null
wait_for r "$(now)" "^hvR down" >/dev/null
for s in n g r c; do : >"$tmp/$s.lat"; done
for _ in $(seq 1 "$rounds"); do
	for s in n g r; do
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
# the links are still hung / down: the console never waited for them
gl=$(tm capture-pane -p -t g | grep -m1 '^hvG' || true)
rl=$(tm capture-pane -p -t r | grep -m1 '^hvR' || true)
stats() { sort -n "$1" | awk '{ v[NR] = $1 / 1e6 } END {
	printf "median %.1f ms, p90 %.1f ms, max %.1f ms", v[int((NR + 1) / 2)], v[int(NR * 0.9)], v[NR] }'; }
echo "key latency, send-keys to screen, $((rounds * 2)) keys each (tmux round trip included):"
echo "  no host:               $(stats "$tmp/n.lat")"
echo "  host link hangs:       $(stats "$tmp/g.lat")  (at the end: ${gl:0:60})"
echo "  host refused (retry):  $(stats "$tmp/r.lat")  (at the end: ${rl:0:60})"
echo "  cat (method's floor):  $(stats "$tmp/c.lat")"
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
awk -v n="$(med "$tmp/n.lat")" -v g="$(med "$tmp/g.lat")" -v r="$(med "$tmp/r.lat")" \
	'BEGIN { printf "  ratio of medians hung/none: %.2fx, refused/none: %.2fx (goal: answered < 100 ms)\n", g / n, r / n }'
