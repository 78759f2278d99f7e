#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# CPU cost of polling (issue 10 item 4): 1,000 fixture devices (tests/mkfixture "many"),
# state read every 250 ms, each contender measured for SECS seconds of CPU (utime + stime
# of the process and of the children it waited for, /proc/PID/stat) after a warm-up:
#   floor    bench_poll -B: a bare open/read/close loop reading each file exactly as many
#            times per second as the engine read it in a counting run (the engine's own
#            per-file read counters, bench_poll -c), waking every 250 ms
#   engine   bench_poll -R: the engine alone on the real clock, migtop's cadences, nothing
#            printed (no JSON: `migtop -n N --json` would add the printing)
#   console  migtop in tmux (120x26: about 20 devices on screen), idle, nothing pressed
#   agent    migtop --agent, stdin held open, stdout to /dev/null; it polls as the console
#            with nothing on screen (idle devices' state every 4 intervals, 1000 ms)
#   afloor   the floor of what the agent reads: bench_poll -B on the counts of an engine
#            told that nothing is on screen (bench_poll -I 1000 -c); the agent's ratio to
#            it is its cost per read, the floor's mixes in that it reads fewer files
#   watch    watch -n 0.25 'cat .../state' over the same devices, in tmux
# Contenders run one at a time, in a different order each round (rotated), ROUNDS rounds;
# the figure of each is its minimum over the rounds (the least disturbed by the other
# users of the machine), ratios are to the floor's minimum.  A benchmark: it prints
# numbers and asserts nothing about them.
# IDLE=1: every device RUNNING or STOP (nothing migrating), to see adaptive polling.
# ENGINE2/MIGTOP2: a second engine and console to compare side by side (before/after):
# "engine2" and "console2" rows; ENGINE_ARGS/ENGINE2_ARGS: more bench_poll options (e.g.
# "-I 1000": adaptive polling with nothing on screen); AGENT2: a second migtop for an
# "agent2" row (an older build: before/after in one run).
# The console tells the engine what it shows (adaptive polling): idle devices off screen
# are read at the idle rate, and the agent's engine is told nothing is on screen.  The
# engine row polls every device at 4 Hz.
# Usage: bench/poll_cpu.sh [DEVICES] [SECS] [ROUNDS]   (B=build dir, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
N=${1:-1000}
SECS=${2:-10}
ROUNDS=${3:-3}
WARM=${WARM:-4}
D=250
CC=${CC:-cc}
make -s -j2 B="$B" "$B/migtop" "$B/tests/mkfixture" "$B/libmigtop-core.a" \
	"$B/libmigtop-engine.a" >/dev/null
mkdir -p "$B/bench"
# shellcheck disable=SC2046
$CC -std=c11 -O2 -g -D_GNU_SOURCE -Itui -Wall -Wextra -Wno-unused-parameter \
	$(pkg-config --cflags json-c) -o "$B/bench/bench_poll" bench/bench_poll.c \
	"$B/libmigtop-engine.a" "$B/libmigtop-core.a" \
	$(pkg-config --libs json-c libudev libpci) -lpthread
BP=$PWD/$B/bench/bench_poll
MIGTOP=$PWD/$B/migtop
tmp=$(mktemp -d)
sock=migtop-pollcpu-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
pid=""
cleanup() {
	tm kill-server >/dev/null 2>&1 || true
	if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
"$B/tests/mkfixture" "$tmp/root" many "$N" >/dev/null
if [[ ${IDLE:-0} == 1 ]]; then
	i=0
	for f in "$tmp"/root/*/migration/state; do
		if ((i % 2)); then echo STOP >"$f"; else echo RUNNING >"$f"; fi
		i=$((i + 1))
	done
fi
root=$tmp/root
export XDG_CONFIG_HOME=$tmp/xdg
# the files the engine reads, and how often (its own counters), at the fixed 4 Hz
"$BP" -R "$root" -d $D -c "$tmp/counts" -t "$SECS"
nreads=$(awk '{ s += $1 } END { print s }' "$tmp/counts")
nfiles=$(awk '$1 > 0' "$tmp/counts" | wc -l)
nstate=$(awk '/\/state$/ { s += $1 } END { print s }' "$tmp/counts")
# ... and with nothing on screen (idle devices' state at the idle rate): what the agent reads
"$BP" -R "$root" -d $D -I $((4 * D)) -c "$tmp/counts_idle" -t "$SECS"
nreads_idle=$(awk '{ s += $1 } END { print s }' "$tmp/counts_idle")
hz=$(getconf CLK_TCK)

cpu() { # cpu PID: utime+stime+cutime+cstime in ticks
	awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"
}
# measure NAME PID: CPU seconds over SECS after WARM, appended to $tmp/NAME
measure() {
	local name=$1 p=$2 c0 c1
	sleep "$WARM"
	c0=$(cpu "$p")
	sleep "$SECS"
	c1=$(cpu "$p")
	echo $((c1 - c0)) >>"$tmp/$name"
}
run_bg() { # run_bg NAME CMD...: a background process, measured, then killed
	local name=$1
	shift
	"$@" <"${RUN_STDIN:-/dev/null}" >/dev/null &
	pid=$!
	measure "$name" $pid
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	pid=""
}
run_tmux() { # run_tmux NAME CMD: a command in a tmux pane, measured, then killed
	local name=$1 p
	tm new-session -d -s "$name" -x 120 -y 26 "exec $2"
	p=$(tm display -p -t "$name" '#{pane_pid}')
	measure "$name" "$p"
	tm kill-session -t "$name"
}
c_floor() { run_bg floor "$BP" -R "$root" -B "$tmp/counts" -t "$SECS" -d $D; }
c_engine() { run_bg engine "$BP" -R "$root" -d $D ${ENGINE_ARGS:-}; }
c_engine2() { run_bg engine2 "$ENGINE2" -R "$root" -d $D ${ENGINE2_ARGS:-}; }
c_console() { run_tmux console "$MIGTOP --root $root -d $D"; }
c_console2() { run_tmux console2 "$MIGTOP2 --root $root -d $D"; }
c_agent() { # stdin: a FIFO held open by this script
	[[ -p $tmp/in ]] || mkfifo "$tmp/in"
	exec 8<>"$tmp/in"
	RUN_STDIN=$tmp/in run_bg "${1:-agent}" "${2:-$MIGTOP}" --agent --root "$root" -d $D
	exec 8>&-
}
c_agent2() { c_agent agent2 "$AGENT2"; }
c_afloor() { run_bg afloor "$BP" -R "$root" -B "$tmp/counts_idle" -t "$SECS" -d $D; }
c_watch() { run_tmux watch "watch -n 0.25 'cat $root/*/migration/state'"; }
names=(floor engine console agent watch afloor)
[[ -n ${AGENT2:-} ]] && names+=(agent2)
[[ -n ${ENGINE2:-} ]] && names+=(engine2)
[[ -n ${MIGTOP2:-} ]] && names+=(console2)
for ((r = 0; r < ROUNDS; r++)); do
	k=${#names[@]}
	for ((j = 0; j < k; j++)); do
		"c_${names[(j + r) % k]}"
	done
done
fl=$(sort -n "$tmp/floor" | head -1)
printf 'poll CPU, %d devices%s, state every %d ms, %d s per run, %d rounds (min; all runs in ticks of 1/%d s):\n' \
	"$N" "$([[ ${IDLE:-0} == 1 ]] && echo ', all idle (RUNNING/STOP)')" $D "$SECS" "$ROUNDS" "$hz"
printf '  the engine read %d files %d times in %d s (%d state reads: %.0f/s)\n' "$nfiles" "$nreads" \
	"$SECS" "$nstate" "$(echo "$nstate / $SECS" | bc -l)"
for n in "${names[@]}"; do
	m=$(sort -n "$tmp/$n" | head -1)
	all=$(tr '\n' ' ' <"$tmp/$n")
	awk -v n="$n" -v m="$m" -v f="$fl" -v hz="$hz" -v s="$SECS" -v all="$all" 'BEGIN {
		printf "  %-8s %6.2f s CPU  %5.2f%% of a core  %5.2fx the floor   [%s]\n", n, m / hz, 100 * m / hz / s, f ? m / f : 0, all }'
done
af=$(sort -n "$tmp/afloor" | head -1)
for n in agent agent2; do
	[[ -s $tmp/$n ]] || continue
	m=$(sort -n "$tmp/$n" | head -1)
	awk -v n="$n" -v m="$m" -v af="$af" -v r="$nreads_idle" -v s="$SECS" 'BEGIN {
		printf "  %-8s %5.2fx afloor (the bare loop of the %d reads in %d s of an engine with nothing on screen)\n", n, af ? m / af : 0, r, s }'
done
echo "  goals: engine <= 1.25x, console <= 1.5x the floor, and well below watch"
