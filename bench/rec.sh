#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cost of --record: CPU time (user + system) of `migtop -n N --json` with and without
# `--record FILE` on the same fixture tree (default 256 devices), in alternating runs, and
# their ratio (goal <= 1.10); then the recording's size for idle devices, as bytes per
# device-hour: the growth between a short and a long run (so the first full read does not
# count).  A new chunk and its keyframe start only when something is written.  Then the
# same for migrating devices: MIG_DEVICES copies of the pair-ok source device whose state
# cycles RUNNING -> STOP_COPY -> STOP -> RUNNING, PHASE_S seconds each, as the kernel shows
# it: at STOP_COPY -> STOP a new migf_data (the saved registers: an EQC word differs each
# cycle), dev_data's live registers changing each cycle, cmd_state ready throughout (the
# host never clears the guest's QM_VF_STATE).  Last, the seek time in a 24 h recording of
# 64 devices at 4 Hz (bench/bench_rec.c; goal < 200 ms).
# Usage: bench/rec.sh [DEVICES [SNAPSHOTS [INTERVAL_MS [IDLE_SECONDS]]]]  (256 20 500 70)
# Env: ROUNDS (5); MIG_DEVICES (8), PHASE_S (5); SKIP_CPU=1 (sizes and seek only); MIGTOP
# and FIXGEN (binaries to use instead of building).
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
devs=${1:-256} n=${2:-20} ms=${3:-500} idle=${4:-70}
if [[ -n ${MIGTOP:-} && -n ${FIXGEN:-} ]]; then # given binaries: no build
	mig=$MIGTOP fixgen=$FIXGEN
else
	make -s -j2 B="$B" "$([[ $B == build ]] && echo tui/migtop || echo "$B/migtop")" \
		"$B/tests/mkfixture"
	mig=$([[ $B == build ]] && echo tui/migtop || echo "$B/migtop")
	fixgen=$B/tests/mkfixture
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migtop-bench-rec.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$fixgen" "$tmp/root" many "$devs" >/dev/null

# cpu FILE CMD...: run CMD, its CPU seconds (user system) into FILE
cpu() {
	local f=$1
	shift
	(
		TIMEFORMAT='%3U %3S'
		{ time "$@" >/dev/null 2>"$f.err"; } 2>"$f"
	)
}
# Alternating runs, ROUNDS of each: CPU time of one run varies by 10-30 % on a shared machine
# (other work steals and slows it), so the least of each is compared.  Exit 3 (a snapshot had
# files still unread at its deadline) is still a run.
rounds=${ROUNDS:-5}
[[ ${SKIP_CPU:-} == 1 ]] && rounds=0
pmin="" rmin="" pall="" rall=""
: >"$tmp/a.rec"
for ((i = 0; i < rounds; i++)); do
	cpu "$tmp/plain" "$mig" --fixture --root "$tmp/root" -n "$n" -d "$ms" --json ||
		echo "rec bench: plain exit $?: $(head -c 300 "$tmp/plain.err")"
	cpu "$tmp/rec" "$mig" --fixture --root "$tmp/root" -n "$n" -d "$ms" --json \
		--record "$tmp/a.rec" || echo "rec bench: --record exit $?: $(head -c 300 "$tmp/rec.err")"
	p=$(awk '{ printf "%.3f", $1 + $2 }' "$tmp/plain")
	r=$(awk '{ printf "%.3f", $1 + $2 }' "$tmp/rec")
	pall+="$p " rall+="$r "
	[[ -z $pmin ]] || awk -v a="$p" -v b="$pmin" 'BEGIN { exit !(a < b) }' && pmin=$p
	[[ -z $rmin ]] || awk -v a="$r" -v b="$rmin" 'BEGIN { exit !(a < b) }' && rmin=$r
done
size=$(stat -c %s "$tmp/a.rec")

# idle size: 10 s and IDLE_SECONDS s of -d 1000 side by side
"$mig" --fixture --root "$tmp/root" -n 10 -d 1000 --json --record "$tmp/s.rec" >/dev/null 2>&1 &
p1=$!
"$mig" --fixture --root "$tmp/root" -n "$idle" -d 1000 --json --record "$tmp/l.rec" >/dev/null 2>&1 &
p2=$!
wait "$p1" || true
wait "$p2" || true
s10=$(stat -c %s "$tmp/s.rec")
sl=$(stat -c %s "$tmp/l.rec")
"$mig" --replay "$tmp/l.rec" --dump >"$tmp/l.jsonl"
keys=$(grep -c '"type":"key"' "$tmp/l.jsonl")

# migrating devices: a tree of mdevs copies of pair-ok's source, driven through migrations
mdevs=${MIG_DEVICES:-8} phase=${PHASE_S:-5}
"$fixgen" "$tmp/pair" pair-ok >/dev/null
mkdir -p "$tmp/mig"
mnames=()
for ((d = 0; d < mdevs; d++)); do
	mnames+=("$(printf '0000:%02x:00.1' $((0x3b + d)))")
	cp -r "$tmp/pair/0000:3b:00.1" "$tmp/mig/${mnames[d]}"
done
# put FILE TEXT: replace a file at once (a reader sees the old or the new content)
put() { printf '%s' "$2" >"$1.new" && mv "$1.new" "$1"; }
# the dump FILE with the byte at 0x40 (the first EQC word's low byte) set to $2 (hex)
eqc() { sed "s/^\(.*Data:00000040: \)[0-9a-f][0-9a-f]/\1$2/" "$1"; }
migrate() {
	local k=0 d m
	while :; do
		for st in STOP_COPY STOP RUNNING; do
			sleep "$phase"
			for m in "${mnames[@]}"; do
				d="$tmp/mig/$m/migration"
				case $st in
				STOP) # STOP_COPY -> STOP: the driver copies what was saved (this cycle's)
					put "$d/hisi_acc/migf_data" \
						"$(eqc "$tmp/pair/0000:3b:00.1/migration/hisi_acc/migf_data" \
							"$(printf '%02x' $((k % 256)))")"$'\n' ;;
				RUNNING) # running again: the live registers moved on
					put "$d/hisi_acc/dev_data" \
						"$(eqc "$tmp/pair/0000:3b:00.1/migration/hisi_acc/dev_data" \
							"$(printf '%02x' $(((k + 1) % 256)))")"$'\n' ;;
				esac
				put "$d/state" "$st"$'\n'
			done
			[[ $st == RUNNING ]] && k=$((k + 1))
		done
	done
}
for m in "${mnames[@]}"; do put "$tmp/mig/$m/migration/state" $'RUNNING\n'; done
migrate &
mpid=$!
"$mig" --fixture --root "$tmp/mig" -n 10 -d 1000 --json --record "$tmp/ms.rec" >/dev/null 2>&1 &
p1=$!
"$mig" --fixture --root "$tmp/mig" -n "$idle" -d 1000 --json --record "$tmp/ml.rec" \
	>"$tmp/ml.json" 2>&1 &
p2=$!
wait "$p1" || true
wait "$p2" || true
kill "$mpid" 2>/dev/null
wait "$mpid" 2>/dev/null || true
ms10=$(stat -c %s "$tmp/ms.rec")
msl=$(stat -c %s "$tmp/ml.rec")
"$mig" --replay "$tmp/ml.rec" --dump >"$tmp/ml.jsonl"
mreads=$(grep -c '"type":"read","t"[^}]*"keyframe":false' "$tmp/ml.jsonl")
mstates=$(grep -o '"state":"[A-Z_]*"' "$tmp/ml.json" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
awk -v p="$pmin" -v r="$rmin" -v pall="$pall" -v rall="$rall" -v n="$n" -v ms="$ms" \
	-v d="$devs" -v size="$size" -v s10="$s10" -v sl="$sl" -v idle="$idle" -v keys="$keys" \
	-v rounds="$rounds" 'BEGIN {
	printf "rec bench: %d devices, %d snapshots %d ms apart, %d alternating runs each\n", d, n, ms, rounds
	if (rounds > 0) {
		printf "  -n %d --json            cpu s (user + sys): %s least %.3f\n", n, pall, p
		printf "  ... --record FILE       cpu s (user + sys): %s least %.3f  (%d bytes)\n", rall, r, size
		printf "  ratio record/plain (least of each): %.3f (goal <= 1.10)\n", (p > 0 ? r / p : 0)
	}
	g = sl - s10
	printf "  idle: %d bytes after 10 s, %d after %d s (%d keyframes): %.0f bytes per device-hour%s\n", s10, sl, idle, keys, (g > 0 ? g : 0) / d / ((idle - 10) / 3600), (g > 0 ? "" : " (no growth: unchanged reads are not written)")
	printf "  first full snapshot: %.0f bytes per device\n", s10 / d
}'
awk -v mdevs="$mdevs" -v phase="$phase" -v s10="$ms10" -v sl="$msl" -v idle="$idle" \
	-v reads="$mreads" -v states="$mstates" 'BEGIN {
	g = sl - s10
	printf "  migrating: %d devices cycling RUNNING, STOP_COPY, STOP every %d s (states seen: %s)\n", mdevs, phase, states
	printf "    %d bytes after 10 s, %d after %d s (%d reads written): %.0f bytes per device-hour\n", s10, sl, idle, reads, (g > 0 ? g : 0) / mdevs / ((idle - 10) / 3600)
}'

# seek: a synthetic 24 h recording of 64 devices at 4 Hz (bench/bench_rec.c)
make -s -j2 B="$B" "$B/libmigtop-core.a"
mkdir -p "$B/bench"
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -O2 -g -D_GNU_SOURCE -Itui -Wall -Wextra -Wno-unused-parameter \
	$(pkg-config --cflags json-c) -o "$B/bench/bench_rec" bench/bench_rec.c \
	"$B/libmigtop-core.a" $(pkg-config --libs json-c zlib libzstd) -lpthread
"$B/bench/bench_rec" "$tmp/seek.rec" 64 24 20
