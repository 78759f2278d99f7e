#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Key latency while a dev_data read blocks: the console must answer keys while the engine
# waits on a stuck driver.  Runs the real migtop in tmux on a fixture pair whose source
# dev_data is a FIFO nobody writes (its read blocks for the whole run), sends `?` and Esc
# ROUNDS times, and prints the time from send-keys until the screen shows the answer.
# The figure includes tmux's own round trip, so it is an upper bound.  A benchmark, not a
# test: it prints numbers and asserts nothing about them.
# Usage: bench/keylat.sh [ROUNDS]   (env MIGTOP, FIXGEN default to the build's binaries)
#
# Sourced (bench/keylat_host.sh does), it only defines the measuring method, for tmux
# sessions the caller starts with `tm new-session -d -s NAME -x 120 -y 40 CMD` (set
# kl_sock, kl_tmp and kl_name first):
#   tm ARGS...                  tmux on the private server kl_sock
#   kl_wait SESSION T0 PATTERN  ns from T0 (now) until the pane shows PATTERN
#   kl_rounds ROUNDS HOME S...  ROUNDS times, each session S in turn (interleaved, so all
#                               see the same machine load): `?` until the help shows, Esc
#                               until HOME shows again; then `cat` in session c (started
#                               here: the method's floor, tmux's own round trip) twice;
#                               the times in $kl_tmp/S.lat and $kl_tmp/c.lat
#   kl_stats FILE, kl_med FILE  "median .. ms, p90 .. ms, max .. ms"; the median in ns

kl_sock=${kl_sock:-migtop-keylat-$$}
kl_name=${kl_name:-keylat}
tm() { tmux -L "$kl_sock" -f /dev/null "$@"; }
now() { date +%s%N; }
kl_wait() {
	local s=$1 t0=$2 pat=$3
	for _ in $(seq 1 5000); do
		if tm capture-pane -p -t "$s" | grep -q -- "$pat"; then
			echo $(($(now) - t0))
			return 0
		fi
		sleep 0.001
	done
	echo "$kl_name: the screen of $s never showed '$pat'" >&2
	return 1
}
kl_rounds() {
	local rounds=$1 home=$2 s t0 tok k
	shift 2
	tm new-session -d -s c -x 120 -y 40 "cat"
	for s in "$@" c; do : >"$kl_tmp/$s.lat"; done
	for _ in $(seq 1 "$rounds"); do
		for s in "$@"; do
			t0=$(now)
			tm send-keys -t "$s" '?'
			kl_wait "$s" "$t0" 'show this help' >>"$kl_tmp/$s.lat"
			t0=$(now)
			tm send-keys -t "$s" Escape
			kl_wait "$s" "$t0" "$home" >>"$kl_tmp/$s.lat"
		done
		for k in a b; do
			tok=tok$RANDOM$k$RANDOM
			tm send-keys -t c C-l
			t0=$(now)
			tm send-keys -t c "$tok"
			kl_wait c "$t0" "$tok" >>"$kl_tmp/c.lat"
			tm send-keys -t c Enter
		done
	done
}
kl_stats() {
	sort -n "$1" | awk '{ v[NR] = $1 / 1e6 } END {
	printf "median %.1f ms, p90 %.1f ms, max %.1f ms", v[int((NR + 1) / 2)], v[int(NR * 0.9)], v[NR] }'
}
kl_med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# sourced: the functions only
if [[ ${BASH_SOURCE[0]} != "$0" ]]; then return 0; fi

set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
MIGTOP=${MIGTOP:-$PWD/tui/migtop}
FIXGEN=${FIXGEN:-$PWD/build/tests/mkfixture}
make -s "$MIGTOP" "$FIXGEN" >/dev/null 2>&1 || make -s tui/migtop build/tests/mkfixture
kl_tmp=$(mktemp -d)
tmp=$kl_tmp
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
for s in b f; do kl_wait $s "$(now)" "0000:86:00.1" >/dev/null; done
kl_wait b "$(now)" "blocked" >/dev/null || true
kl_rounds "$rounds" '0000:86:00.1' b f
# the stuck read is still stuck: the console never waited for it
tm capture-pane -p -t b | grep -q "blocked" && stuck=yes || stuck=no
echo "key latency, send-keys to screen, $((rounds * 2)) keys each (tmux round trip included):"
echo "  dev_data read blocked:  $(kl_stats "$tmp/b.lat")  (read still blocked: $stuck)"
echo "  nothing blocked:        $(kl_stats "$tmp/f.lat")"
echo "  cat (method's floor):   $(kl_stats "$tmp/c.lat")"
awk -v b="$(kl_med "$tmp/b.lat")" -v f="$(kl_med "$tmp/f.lat")" \
	'BEGIN { printf "  ratio of medians blocked/free: %.2fx (goal: answered < 100 ms)\n", b / f }'
