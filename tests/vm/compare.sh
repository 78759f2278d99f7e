#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The compare's failure scenarios end to end (issue 9, item 7), run in the VM by
# scenario.sh (busybox sh):  sh /compare.sh
# Each scenario migrates between fresh mdev instances with migtop-migrate while migtop
# watches the pair (`migtop -n N -d 200 --json --pair SRC=DST`, the live /dev/kmsg), then
# asserts with jq on migtop's JSON that the cause is shown, and how many snapshots after
# the event it first was (one poll interval: the snapshot in flight, then the next).
# Markers as scenario.sh: "PASS name", "FAIL name: why", "SKIP name: why"; "SHOWN name:
# {json}" lines are the excerpts of what migtop printed.
#   happy  q16 -> q16, watched: every check pass, accept; --once alone: incomplete
#   s1     q16 -> q8: accept fails on qp_num (src 16, dst null), the kernel's line quoted
#   s2     corrupt_next magic / version: accept fails on acc_magic / major_ver
#   s3     cmd_fail on the source: cmd_state and dev_data errnos with their meaning
#   s4     STOP_COPY with no reader: the state and how long it has lasted
#   s5     corrupt_next truncate: RESUMING->STOP fails EINVAL, accept fails on the length
#   s6     V1 data (a 6.13 source) into a V2 destination: accepted, shown as V1
#   s7     a cancelled pre-copy (PRE_COPY -> RUNNING): a 40-byte migf_data
# The happy path and S1 are recorded with --record and replayed (replayed): the snapshot
# at the moment of the verdict, the one before and the last show what the live run did.
# shellcheck disable=SC2016 # jq programs in single quotes
M=/usr/bin/migtop-migrate
T=/usr/bin/migtop
J=/usr/bin/jq
F=/sys/kernel/debug/migtop_acc
P=/sys/class/mdev_bus/migtop_acc
W=/tmp/cmp
POLL_MS=200
COSTLY_MS=1000 # migtop reads dev_data/cmd_state at most once a second in the batch modes
# Under the KASAN/lockdep kernel of `make e2e-debug` (TCG) every read is several times
# slower, so a read started at the event can answer a few snapshots later: the bound of
# "within one poll" is widened there (SLOW times); the checks themselves are the same.
SLOW=1
case " $(cat /proc/cmdline) " in *" migtop.debug=1 "*) SLOW=4 ;; esac
mkdir -p $W

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }
uuid() { cat /proc/sys/kernel/random/uuid; }

# jq helpers: dev(U) is a device's object, chk(N) the compare's check N
DEF='def dev($u): first(.devices[] | select(.name == $u));
def chk($n): first(.compare.checks[] | select(.name == $n));
def cmp: .compare | {verdict, summary, checks: [.checks[] | {name, verdict, reason, kernel_line, mismatches}]};'
# the milliseconds of the day of a snapshot's "time" (UTC)
TMS='(.time | (.[11:13] | tonumber) * 3600000 + (.[14:16] | tonumber) * 60000 + (.[17:19] | tonumber) * 1000 + (.[20:23] | tonumber))'

# jtrue FILE EXPR: the (one) JSON document in FILE satisfies EXPR
jtrue() { $J -e "$DEF $2" "$1" >/dev/null 2>&1; }
# jshow FILE EXPR: EXPR of the document, one line, at most 900 characters
jshow() { $J -c "$DEF $2" "$1" 2>&1 | head -c 900; }
# jall FILE [SHOW] -- NAME EXPR [NAME EXPR...]: one jq run; PASS NAME when EXPR holds (every
# value it yields is true), else FAIL with SHOW of the document (default: the compare)
jall() {
	f=$1 show=cmp
	shift
	if [ "$1" != -- ]; then
		show=$1
		shift
	fi
	shift
	prog=
	while [ $# -ge 2 ]; do
		prog="$prog\"$1 \" + ([try ($2) catch false] | length > 0 and all | tostring),"
		shift 2
	done
	$J -r "$DEF ${prog%,}" "$f" >$W/jall.out 2>$W/jall.err || echo "jq failed on $f: $(head -c 300 $W/jall.err)"
	ex=
	while read -r name res; do
		if [ "$res" = true ]; then
			pass "$name"
		else
			[ -n "$ex" ] || ex=$(jshow "$f" "$show")
			fail "$name" "not as expected: $ex"
		fi
	done <$W/jall.out
}
shown() { echo "SHOWN $1: $(jshow "$2" "$3")"; }

# --- migtop watching a pair: JSON lines in $SNAP -----------------------------------------
SNAP=$W/snap.jsonl
MT=
nsnaps() { wc -l <$SNAP 2>/dev/null || echo 0; } # complete lines (the last has no newline yet)
# last_snap FILE: the last complete snapshot
last_snap() { head -n "$(nsnaps)" $SNAP | tail -n 1 >"$1"; }
watch_start() { # SRC DST
	: >$SNAP
	rm -f $W/$SC.rec
	# the happy path and S1 are recorded (issue 11): replayed() checks their recordings
	rec=
	case $SC in happy | s1) rec="--record $W/$SC.rec" ;; esac
	# shellcheck disable=SC2086 # $rec: two words or none
	$T -n 1000000 -d $POLL_MS --json --pair "$1=$2" $rec >$SNAP 2>$W/watch.err &
	MT=$!
	if ! wait_lines 1 20; then
		fail "$SC-watch-starts" "no snapshot from migtop --pair $1=$2: $(head -c 300 $W/watch.err)"
		return 1
	fi
	return 0
}
watch_stop() {
	[ -n "$MT" ] || return 0
	kill -TERM $MT 2>/dev/null
	wait $MT
	rc=$?
	[ $rc -eq 0 ] || fail "$SC-watch-exit" "migtop exited $rc: $(head -c 200 $W/watch.err)"
	n=$(nsnaps)
	{ head -n 1 $SNAP; head -n "$n" $SNAP | tail -n 1; } | $J -r -s "$DEF [.[] | $TMS] |
		\"$SC: migtop printed $n snapshots in \\(.[1] - .[0]) ms (-d $POLL_MS: one per \\((.[1] - .[0]) / ($n - 1 + (if $n > 1 then 0 else 1 end)) | floor) ms)\"" 2>&1
	cp $SNAP $W/$SC.jsonl
	MT=
}
# wait_lines N SECONDS: until migtop has printed N snapshots
wait_lines() {
	i=0
	while [ "$(nsnaps)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -gt $((${2:-10} * 10)) ] && return 1
		kill -0 $MT 2>/dev/null || return 1
		sleep 0.1
	done
}
# first_after L0 EXPR: how many snapshots after line L0 EXPR first held (0: none did)
first_after() {
	head -n "$(nsnaps)" $SNAP | tail -n +$(($1 + 1)) |
		$J -r "$DEF if ([try ($2) catch false] | length > 0 and all) then 1 else 0 end" 2>/dev/null |
		awk '$1 == 1 { print NR; f = 1; exit } END { if (!f) print 0 }'
}
# soon NAME L0 EXPR [SECONDS] [MAXK]: EXPR shows in the snapshots within one poll interval
# of the event at snapshot L0 (the snapshot in flight or the next: at most MAXK, default 2,
# after L0); later, or not within SECONDS (default 3), is a failure.  $W/last.json: the
# last snapshot.
soon() {
	n=$1 l0=$2 e=$3 t=${4:-3} mk=$((${5:-2} * SLOW))
	wait_lines $((l0 + 3)) "$t"
	k=$(first_after "$l0" "$e")
	i=0
	while [ "$k" = 0 ] && [ $i -lt "$t" ]; do
		sleep 1
		i=$((i + 1))
		k=$(first_after "$l0" "$e")
	done
	last_snap $W/last.json
	if [ "$k" -ge 1 ] && [ "$k" -le "$mk" ]; then
		pass "$n"
		echo "$n: shown $k snapshot(s) after the event (poll ${POLL_MS} ms)"
	elif [ "$k" -gt "$mk" ]; then
		fail "$n" "shown only $k snapshots after the event (poll ${POLL_MS} ms)"
	else
		fail "$n" "not shown $((t + 1)) s after the event ($(($(nsnaps) - l0)) snapshots): $(jshow $W/last.json cmp)"
	fi
}
# snap_state UUID: the device's state in the last complete snapshot (awk: no jq per poll)
snap_state() {
	head -n "$(nsnaps)" $SNAP | tail -n 1 | awk -v u="$1" '{
		i = index($0, "{\"name\":\"" u "\"")
		if (!i) { print "absent"; exit }
		s = substr($0, i + 1)
		j = index(s, "{\"name\":\"")
		if (j) s = substr(s, 1, j - 1)
		st = "null"
		if (match(s, /"state":"[A-Z_0-9]*"/)) st = substr(s, RSTART + 9, RLENGTH - 10)
		print st
	}'
}
# wait_seen UUID STATE: the snapshots show the device in STATE (bounded: 10 s)
wait_seen() {
	i=0
	while [ "$(snap_state "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		kill -0 $MT 2>/dev/null || return 1
		sleep 0.1
	done
}

# replayed NAME EXPR SRC DST: the recording of the scenario's watch ($W/$SC.rec, after
# watch_stop) replayed with --once --json --at the time of the first live snapshot where
# EXPR held (the moment of the failure, or of the accept), of the one before it and of the
# last one: each replayed snapshot must show the compare's verdict, its checks' verdicts
# and the mismatched fields exactly as the live snapshot did.
CMPKEY='[.compare.verdict, [.compare.checks[] | {name, verdict}], [.compare.mismatches[]?.field]]'
replayed() {
	n=$1 e=$2 live=$W/$SC.jsonl
	if ! [ -s $W/$SC.rec ]; then
		fail "$n" "no recording $W/$SC.rec: $(head -c 200 $W/watch.err)"
		return
	fi
	k=$($J -r "$DEF if ([try ($e) catch false] | length > 0 and all) then 1 else 0 end" $live 2>/dev/null |
		awk '$1 == 1 { print NR; exit }')
	if [ -z "$k" ]; then
		fail "$n" "no live snapshot of $SC shows it"
		return
	fi
	last=$(wc -l <$live)
	bad=
	for i in $((k - 1)) $k $last; do
		[ $i -ge 1 ] || continue
		sed -n "${i}p" $live >$W/rp-live.json
		when=$($J -r '.time | sub("Z$"; "")' $W/rp-live.json)
		# the live time is cut to the millisecond: the snapshot saw the reads of that ms
		if ! $T --replay $W/$SC.rec --once --json --at "${when}999999Z" --pair "$3=$4" \
			>$W/rp-rep.json 2>$W/rp.err; then
			bad="$bad; --at $when exited $?: $(head -c 200 $W/rp.err)"
			continue
		fi
		lk=$($J -c "$CMPKEY" $W/rp-live.json 2>&1)
		rk=$($J -c "$CMPKEY" $W/rp-rep.json 2>&1)
		[ "$lk" = "$rk" ] || bad="$bad; snapshot $i at $when: live $lk, replayed $rk"
	done
	if [ -z "$bad" ]; then
		pass "$n"
		echo "$n: snapshots $((k - 1)), $k (first showing it) and $last of $SC replayed as live ($(wc -c <$W/$SC.rec) bytes recorded)"
	else
		fail "$n" "$(echo "$bad" | cut -c 3- | head -c 900)"
	fi
}
# export_rec NAME: the scenario's recording on the serial console, for run.sh to keep
# (build/vm/NAME.rec: the fixture tests/fixtures/recordings/ is taken from it)
export_rec() {
	[ -s $W/$SC.rec ] && [ "$(wc -c <$W/$SC.rec)" -le 65536 ] &&
		echo "RECB64 $1 $(base64 -w 0 $W/$SC.rec)"
}

# --- a paused migration (as scenario.sh): migtop-migrate waits on a FIFO between steps ---
CTL=$W/ctl
BG=
start_paused() { # LOG ARGS...
	log=$1
	shift
	rm -f $CTL
	mkfifo $CTL
	$M --pause "$@" <$CTL >$log 2>&1 &
	BG=$!
	exec 7>$CTL
}
wait_step() { # LOG STEP
	i=0
	while ! grep -q "^STEP $2\$" "$1"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 $BG 2>/dev/null; then
			grep -q "^STEP $2\$" "$1" && return 0
			fail "$SC-step-$2" "migtop-migrate did not reach step $2: $(tail -n 3 "$1" | tr '\n' ' ')"
			return 1
		fi
		sleep 0.1
	done
}
next_step() { echo >&7; }
end_paused() {
	exec 7>&-
	wait $BG
	RC=$?
}

new_dev() { # TYPE -> UUID
	u=$(uuid)
	echo "$u" >$P/mdev_supported_types/migtop_acc-$1/create && echo "$u"
}
rm_devs() {
	for u in "$@"; do
		[ -e /sys/bus/mdev/devices/$u ] && echo 1 >/sys/bus/mdev/devices/$u/remove
	done
}
# The deadline is generous: under a KASAN/lockdep kernel in TCG a read can take over the
# default 1 s, and a snapshot cut short says "not read yet", which is not what is tested here.
once() { # SRC DST OUT: one snapshot of the pair (no timeline)
	$T --once --json --deadline 10000 --pair "$1=$2" >"$3" 2>$W/once.err || echo "migtop --once exited $?: $(head -c 200 $W/once.err)"
}

# The source's registers: the guest's QM driver running (0x00c=0), masks, page size, the
# EQC/AEQC words (1: low, 2: high address), SQC/CQC addresses.
REGS="--set-reg 0x00c=0 --set-reg 0x010=0x11 --set-reg 0x014=0x22 --set-reg 0x024=0x1000"
REGS="$REGS --set-reg 0x040=0x40404040 --set-reg 0x044=0xdeadbeef --set-reg 0x048=0x1234"
REGS="$REGS --set-reg 0x060=0x60606060 --set-reg 0x064=0xcafef00d --set-reg 0x068=0x5678"
REGS="$REGS --set-reg 0x090=0x9000 --set-reg 0x098=0x9800"

# --- the happy path ------------------------------------------------------------------------
happy() {
	SC=happy
	S=$(new_dev q16) D=$(new_dev q16)
	echo "compare $SC: $S -> $D (q16 -> q16)"
	watch_start $S $D || return
	# shellcheck disable=SC2086
	start_paused $W/happy.log $REGS migrate $S $D
	for st in "open $S RUNNING" "resuming $D RESUMING" "stopcopy $S STOP_COPY" "stop $D STOP"; do
		set -- $st
		wait_step $W/happy.log $1 || break
		wait_seen $2 $3 || echo "$SC: migtop did not show $2 in $3 at step $1"
		[ $1 = stop ] && break
		next_step
	done
	l0=$(nsnaps)
	soon happy-accept-within-one-poll "$l0" '.compare.verdict == "accept"'
	jall $W/last.json -- happy-verdict-accept '.compare.verdict == "accept"' \
		happy-stream-pass 'chk("stream").verdict == "pass"' \
		happy-accept-pass 'chk("accept").verdict == "pass"' \
		happy-restore-pass 'chk("restore").verdict == "pass"' \
		happy-capture-pass 'chk("capture").verdict == "pass"' \
		happy-accept-from-timeline 'chk("accept").evidence | any(.what == "state" and (.detail | test("RESUMING -> STOP seen")))' \
		happy-no-mismatch '.compare.mismatches == []'
	shown happy-watched $W/last.json cmp
	# one snapshot (no timeline): stream and the qp_num/que_iso_cfg rules cannot be known
	once $S $D $W/happy-once.json
	jall $W/happy-once.json -- happy-once-incomplete '.compare.verdict == "incomplete"' \
		happy-once-stream-unknown 'chk("stream").verdict == "unknown" and (chk("stream").reason | test("no timeline"))' \
		happy-once-accept-unknown 'chk("accept").verdict == "unknown" and (chk("accept").reason | test("qp_num"))' \
		happy-once-nothing-fails '[.compare.checks[] | select(.verdict == "fail")] == []'
	shown happy-once $W/happy-once.json cmp
	next_step
	end_paused
	if [ $RC -eq 0 ]; then pass happy-migration-exit-0; else fail happy-migration-exit-0 "rc $RC: $(tail -n 2 $W/happy.log | tr '\n' ' ')"; fi
	watch_stop
	replayed happy-replayed-accept '.compare.verdict == "accept"' $S $D
	export_rec e2e-happy
	rm_devs $S $D
}

# --- a migration the destination refuses at a write (S1, S2) --------------------------------
# refused NAME SRC DST: the paused migration fails at the write during STOP_COPY (EFAULT);
# the devices stay open ("STEP failed") while the cause is looked for.  $L0: snapshots then.
refused() {
	# shellcheck disable=SC2086
	start_paused $W/$1.log $REGS migrate $2 $3
	wait_step $W/$1.log open && next_step
	wait_step $W/$1.log resuming && wait_seen $3 RESUMING && next_step
	wait_step $W/$1.log failed
	L0=$(nsnaps)
	if grep -q "Bad address (errno 14)" $W/$1.log; then
		pass $1-write-EFAULT
	else
		fail $1-write-EFAULT "$(grep migtop-migrate: $W/$1.log | head -n 2 | tr '\n' ' ')"
	fi
}
# recovered NAME SRC: the tool closes the devices, then the source is brought back to
# RUNNING as a VMM does after a failed migration.  $L1: snapshots then.
recovered() {
	end_paused
	$M state $2 RUNNING >$W/$1-recover.log 2>&1 || echo "$1: state $2 RUNNING failed: $(tail -n 1 $W/$1-recover.log)"
	L1=$(nsnaps)
}
dst_line() { # TEXT: jq: the compare's kernel log holds the destination's line ending in TEXT
	echo ".compare.kernel_log | any(.side == \"dst\" and (.text | endswith(\"$1\")))"
}

s1() {
	SC=s1
	S=$(new_dev q16) D=$(new_dev q8)
	echo "compare $SC: $S -> $D (q16 -> q8)"
	watch_start $S $D || return
	refused s1 $S $D
	QP='chk("accept").verdict == "fail" and (chk("accept").mismatches | any(.field == "qp_num" and .src == 16 and .dst == null)) and (chk("accept").kernel_line | endswith("failed to match VF qp num"))'
	# while the failing migration still holds the devices (no copy of the stream exists yet)
	soon s1-open-kernel-line "$L0" "$(dst_line 'failed to match VF qp num')"
	QPO='.compare.verdict == "reject" and chk("accept").verdict == "fail" and (chk("accept").mismatches | any(.field == "qp_num")) and (chk("accept").kernel_line | endswith("failed to match VF qp num"))'
	soon s1-open-accept-qp_num "$L0" "$QPO"
	shown s1-open $W/last.json cmp
	recovered s1 $S
	soon s1-accept-qp_num "$L1" "$QP"
	jall $W/last.json -- s1-reject '.compare.verdict == "reject"' \
		s1-reason-quotes-kernel 'chk("accept").reason | test("failed to match VF qp num")' \
		s1-only-qp_num-flagged '[.compare.mismatches[].field] == ["qp_num"]' \
		s1-dev_id-not-flagged '[.compare.checks[].mismatches[] | select(.field == "dev_id")] == []'
	shown s1-watched $W/last.json cmp
	once $S $D $W/s1-once.json
	jall $W/s1-once.json -- s1-once-reject '.compare.verdict == "reject"' \
		s1-once-accept-qp_num "$QP" \
		s1-once-only-qp_num-flagged '[.compare.mismatches[].field] == ["qp_num"]' \
		s1-once-dst-dev_data-unused '[chk("accept").evidence[] | select(.side == "dst" and .what == "dev_data")] == []'
	shown s1-once $W/s1-once.json cmp
	watch_stop
	replayed s1-replayed-reject-qp_num "$QPO" $S $D
	export_rec e2e-s1
	rm_devs $S $D
}

s2() {
	for how in magic version; do
		SC=s2-$how
		S=$(new_dev q16) D=$(new_dev q16)
		echo "compare $SC: $S -> $D (corrupt_next=$how on the source)"
		echo $how >$F/$S/corrupt_next
		watch_start $S $D || continue
		refused $SC $S $D
		if [ $how = magic ]; then
			MIS='any(.field == "acc_magic" and .dst == null)'
		else
			MIS='any(.field == "major_ver" and .src == 2 and .dst == 1)'
		fi
		E="chk(\"accept\").verdict == \"fail\" and (chk(\"accept\").mismatches | $MIS) and (chk(\"accept\").kernel_line | endswith(\"failed to match ACC_DEV_MAGIC\"))"
		soon $SC-open-kernel-line "$L0" "$(dst_line 'failed to match ACC_DEV_MAGIC')"
		soon $SC-open-accept "$L0" '.compare.verdict == "reject" and chk("accept").verdict == "fail" and (chk("accept").kernel_line | endswith("failed to match ACC_DEV_MAGIC"))'
		shown $SC-open $W/last.json cmp
		recovered $SC $S
		soon $SC-accept "$L1" "$E"
		if [ $how = magic ]; then
			jall $W/last.json -- $SC-reject '.compare.verdict == "reject"'
		else
			jall $W/last.json -- $SC-reject '.compare.verdict == "reject"' \
				$SC-version-line 'chk("accept").evidence | any(.what == "kernel_log" and (.detail | test("migration driver version<2.0> not match!")))'
		fi
		shown $SC-watched $W/last.json cmp
		# the exact integers as migtop printed them (jq 1.6 shows 64-bit ones as doubles)
		echo "SHOWN $SC-raw: $(tr -d ' \n' <$W/last.json | grep -o '"mismatches":\[{"field":"[a-z_]*","src":[0-9]*,"dst":[0-9a-z]*' | head -n 1)"
		once $S $D $W/$SC-once.json
		jall $W/$SC-once.json -- $SC-once-accept "$E"
		shown $SC-once $W/$SC-once.json cmp
		watch_stop
		rm_devs $S $D
	done
}

# --- S3: the source's mailbox channel fails ------------------------------------------------
s3() {
	SC=s3
	S=$(new_dev q16) D=$(new_dev q16)
	echo "compare $SC: $S -> $D (cmd_fail on the source)"
	echo 1 >$F/$S/cmd_fail
	watch_start $S $D || return
	start_paused $W/s3.log --set-reg 0x00c=0 migrate $S $D
	wait_step $W/s3.log open
	l0=$(nsnaps)
	CMD="dev(\"$S\").hisi_acc.cmd_state | .errno == \"EINVAL\" and .status == \"not_opened\" and (.message | test(\"mailbox command channel is not ready\"))"
	DEV="dev(\"$S\").hisi_acc.dev_data | .errno == \"EBUSY\" and .status == \"not_ready\" and (.message | test(\"mailbox command failed\"))"
	# dev_data and cmd_state issue mailbox commands: migtop polls them at most once a
	# second (COSTLY_MS), so their poll interval is that, plus the snapshot in flight
	soon s3-cmd_state-not-ready "$l0" "$CMD" 3 $((COSTLY_MS / POLL_MS + 1))
	soon s3-dev_data-EBUSY-mailbox "$l0" "$DEV" 3 $((COSTLY_MS / POLL_MS + 1))
	shown s3-open $W/last.json "dev(\"$S\") | {state, cmd_state: .hisi_acc.cmd_state | {status, errno, message}, dev_data: .hisi_acc.dev_data | {status, errno, message}}"
	next_step
	wait_step $W/s3.log resuming && next_step
	wait_step $W/s3.log failed
	l0=$(nsnaps)
	if grep -q "STOP_COPY) failed: Device or resource busy (errno 16)" $W/s3.log; then pass s3-stop-EBUSY; else fail s3-stop-EBUSY "$(grep migtop-migrate: $W/s3.log | head -n 2 | tr '\n' ' ')"; fi
	KL="dev(\"$S\") | .state == \"RUNNING\" and (.kernel_log | any(.text | endswith(\"QM mailbox is busy to start!\"))) and (.kernel_log | any(.text | endswith(\"failed to stop QM VF function!\")))"
	soon s3-kernel-lines-state-stays "$l0" "$KL"
	jall $W/last.json -- s3-cmd_state-still-shown "$CMD"
	shown s3-failed $W/last.json "dev(\"$S\") | {state, cmd_state: .hisi_acc.cmd_state.errno, dev_data: .hisi_acc.dev_data.errno, kernel_log: [.kernel_log[] | .text] | group_by(.) | map({text: .[0], n: length})}"
	once $S $D $W/s3-once.json
	jall $W/s3-once.json -- s3-once-cmd_state "$CMD" s3-once-dev_data "$DEV"
	next_step
	end_paused
	watch_stop
	echo 0 >$F/$S/cmd_fail
	rm_devs $S $D
}

# --- S4: STOP_COPY with no reader ------------------------------------------------------------
STUCK_MS=2000
s4() {
	SC=s4
	S=$(new_dev q16) D=$(new_dev q16)
	echo "compare $SC: $S in STOP_COPY with no reader"
	watch_start $S $D || return
	start_paused $W/s4.log --set-reg 0x00c=0 state $S STOP_COPY
	wait_step $W/s4.log STOP_COPY
	l0=$(nsnaps)
	soon s4-stop-copy-shown "$l0" "dev(\"$S\").state == \"STOP_COPY\""
	sleep $((STUCK_MS / 1000 + 1))
	last_snap $W/last.json
	# how long the snapshots have shown it without a break
	age=$(head -n "$(nsnaps)" $SNAP | $J -r "$DEF [$TMS, dev(\"$S\").state] | @tsv" 2>/dev/null |
		awk -F'\t' '$2 == "STOP_COPY" { if (!t0) t0 = $1; t = $1; next } { t0 = 0 } END { print (t0 ? t - t0 : -1) }')
	echo "s4: migtop's snapshots show $S in STOP_COPY for $age ms (no reader)"
	if [ "$age" -ge $STUCK_MS ]; then pass s4-stop-copy-over-${STUCK_MS}ms; else fail s4-stop-copy-over-${STUCK_MS}ms "shown for $age ms"; fi
	# migtop's own figure: the time in the current state (state_age_ms)
	if jtrue $W/last.json "dev(\"$S\") | .state == \"STOP_COPY\" and .state_age_ms >= $STUCK_MS"; then
		pass s4-state-age-over-${STUCK_MS}ms
	else
		fail s4-state-age-over-${STUCK_MS}ms "$(jshow $W/last.json "dev(\"$S\") | {state, state_age_ms}")"
	fi
	shown s4-age $W/last.json "dev(\"$S\") | {state, state_age_ms}"
	shown s4-watched $W/last.json "{time, device: dev(\"$S\") | {state, transitions, dev_data: .hisi_acc.dev_data.status, migf_data: .hisi_acc.migf_data.status}}"
	end_paused
	watch_stop
	rm_devs $S $D
}

# --- S5: a truncated stream ------------------------------------------------------------------
s5() {
	SC=s5
	S=$(new_dev q16) D=$(new_dev q16)
	echo "compare $SC: $S -> $D (corrupt_next=truncate on the source)"
	echo truncate >$F/$S/corrupt_next
	watch_start $S $D || return
	# shellcheck disable=SC2086
	start_paused $W/s5.log $REGS migrate $S $D
	wait_step $W/s5.log open && next_step
	wait_step $W/s5.log resuming && wait_seen $D RESUMING && next_step
	wait_step $W/s5.log stopcopy && wait_seen $S STOP_COPY && next_step
	wait_step $W/s5.log failed
	l0=$(nsnaps)
	if grep -q "Invalid argument (errno 22)" $W/s5.log; then
		pass s5-stop-EINVAL
	else
		fail s5-stop-EINVAL "$(grep migtop-migrate: $W/s5.log | head -n 2 | tr '\n' ' ')"
	fi
	LEN='chk("accept").verdict == "fail" and (chk("accept").mismatches | any(.field == "length" and .src == 160))'
	REST='chk("restore").verdict == "fail" and (chk("restore").kernel_line | endswith("failed to recover the VF!"))'
	soon s5-accept-length "$l0" "$LEN"
	soon s5-restore-recover-line "$l0" "$REST"
	jall $W/last.json -- s5-reject '.compare.verdict == "reject"' \
		s5-length-reason 'chk("accept").reason | test("neither 40 nor 176")'
	shown s5-watched $W/last.json cmp
	once $S $D $W/s5-once.json
	jall $W/s5-once.json -- s5-once-accept-length "$LEN"
	shown s5-once $W/s5-once.json cmp
	next_step
	end_paused
	watch_stop
	rm_devs $S $D
}

# --- S6: V1 data into a V2 destination -------------------------------------------------------
# bytes POS OCTAL...: write the bytes (octal escapes) at offset POS of $V1BIN
bytes() {
	pos=$1
	shift
	# shellcheck disable=SC2059
	printf "$(printf '\\%s' "$@")" | dd of=$V1BIN bs=1 seek="$pos" conv=notrunc 2>/dev/null
}
s6() {
	SC=s6
	N=$(new_dev q16) S=$(new_dev q16) D=$(new_dev q16)
	echo "compare $SC: a V1 stream saved from $S into $D; $N: a source with no copy"
	V1BIN=$W/v1.bin
	# shellcheck disable=SC2086
	if ! $M $REGS save $S $W/v2.bin >$W/s6-save.log 2>&1; then
		fail s6-save "$(tail -n 2 $W/s6-save.log | tr '\n' ' ')"
		rm_devs $N $S $D
		return
	fi
	# What a 6.13 source sends (vf_qm_get_match_data and vf_qm_state_save before the V2
	# fix): acc_magic ACC_DEV_MAGIC_V1 0xcdcdcdcdfeedaacc, no version (bytes 28-31 zero),
	# eqe_dma = qm_eqc_dw[1] << 32 | qm_eqc_dw[0] (the old word order), aeqe_dma alike.
	# vf_qm_version_check() on the destination derives both from words 1 (low) and 2 (high).
	cp $W/v2.bin $V1BIN
	bytes 0 314 252 355 376 315 315 315 315
	bytes 28 000 000 000 000
	bytes 144 100 100 100 100 357 276 255 336 # 0xdeadbeef40404040
	bytes 152 140 140 140 140 015 360 376 312 # 0xcafef00d60606060
	if $M verify $V1BIN >$W/s6-verify.log 2>&1 && od -A d -t x1 $V1BIN | head -n 1 | grep -q "cc aa ed fe cd cd cd cd"; then
		pass s6-v1-stream-made
	else
		fail s6-v1-stream-made "$(tail -n 2 $W/s6-verify.log | tr '\n' ' ') $(od -A d -t x1 $V1BIN | head -n 1)"
	fi
	watch_start $N $D || return
	l0=$(nsnaps)
	if $M load $D $V1BIN >$W/s6-load.log 2>&1 && grep -q "load: accepted 176 bytes, device in STOP" $W/s6-load.log; then
		pass s6-v1-load-accepted
	else
		fail s6-v1-load-accepted "$(tail -n 2 $W/s6-load.log | tr '\n' ' ')"
	fi
	V1="dev(\"$D\") | .state == \"STOP\" and .hisi_acc.migf_data.layout == \"V1\" and .hisi_acc.migf_data.stream_length == 176"
	soon s6-watched-dst-V1 "$l0" "$V1"
	shown s6-watched $W/last.json "{dst: dev(\"$D\") | {state, migf_data: .hisi_acc.migf_data | {status, layout, stream_length}}, compare: cmp}"
	once $N $D $W/s6-once.json
	jall $W/s6-once.json -- s6-once-dst-V1 "$V1" \
		s6-once-magic-rule-passes 'chk("accept").verdict != "fail" and ([chk("accept").mismatches[] | select(.field == "acc_magic" or .field == "major_ver")] == [])'
	shown s6-once $W/s6-once.json "{dst: dev(\"$D\") | {state, migf_data: .hisi_acc.migf_data | {layout, stream_length}}, compare: cmp}"
	# beside it, the pair with the real source (its copy is the V2 stream it saved)
	once $S $D $W/s6-once-src.json
	shown s6-once-with-v2-source $W/s6-once-src.json cmp
	watch_stop
	rm_devs $N $S $D
}

# --- S7: a cancelled pre-copy ----------------------------------------------------------------
s7() {
	SC=s7
	S=$(new_dev q16) D=$(new_dev q16)
	echo "compare $SC: $S PRE_COPY -> RUNNING (cancelled pre-copy)"
	watch_start $S $D || return
	# shellcheck disable=SC2086
	if $M $REGS state $S PRE_COPY RUNNING >$W/s7.log 2>&1; then pass s7-cancelled; else fail s7-cancelled "$(tail -n 2 $W/s7.log | tr '\n' ' ')"; fi
	# the event is the PRE_COPY -> RUNNING arc at the end of that run (the copy is taken
	# there): the window starts when it returns, not before its open and register writes
	l0=$(nsnaps)
	C40="dev(\"$S\").hisi_acc.migf_data | .status == \"ok\" and .stream_length == 40 and .layout == \"V2\" and .fields.qp_num == 16 and .fields.aeq_int_mask == null"
	soon s7-watched-migf_data-40 "$l0" "$C40"
	shown s7-watched $W/last.json "dev(\"$S\") | {state, transitions, migf_data: .hisi_acc.migf_data | {status, errno, layout, length, stream_length}}"
	once $S $D $W/s7-once.json
	jall $W/s7-once.json "dev(\"$S\").hisi_acc.migf_data" -- s7-once-migf_data-40 "$C40" \
		s7-once-decodes-40-only "dev(\"$S\").hisi_acc.migf_data.fields | [.aeq_int_mask, .eq_int_mask, .page_size] == [null, null, null]"
	shown s7-once $W/s7-once.json "dev(\"$S\").hisi_acc.migf_data | {status, layout, length, stream_length, fields: (.fields | {acc_magic, qp_num, dev_id, vf_qm_state, aeq_int_mask})}"
	watch_stop
	rm_devs $S $D
}

# --- main ------------------------------------------------------------------------------------
if ! [ -x $T ] || ! [ -x $M ]; then
	skip compare "no migtop or migtop-migrate binary"
	exit 0
fi
if ! [ -x $J ]; then
	fail compare-jq "no jq in the VM (tests/vm/mkinitramfs.sh adds the host's /usr/bin/jq)"
	exit 0
fi
loaded=0
if ! [ -d $P ]; then
	if insmod "/lib/modules/$(uname -r)/extra/migtop_acc.ko" 2>$W/insmod.err; then
		loaded=1
	else
		fail compare-driver-loads "$(cat $W/insmod.err)"
		exit 0
	fi
fi
echo "compare: migtop watching pairs with -d $POLL_MS, asserting with $($J --version)"
for sc in happy s1 s2 s3 s4 s5 s6 s7; do
	echo "compare: $sc at uptime $(cut -d' ' -f1 /proc/uptime) s"
	$sc
done
echo "compare: end at uptime $(cut -d' ' -f1 /proc/uptime) s"
[ -n "$MT" ] && watch_stop
if [ $loaded = 1 ]; then
	rmmod migtop_acc 2>/dev/null || echo "compare: rmmod migtop_acc failed"
fi
echo "compare: done"
