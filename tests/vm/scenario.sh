#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The in-VM test (busybox sh), run by /init:  sh /scenario.sh e2e|smoke|demo
# Each check prints "PASS name" or "FAIL name: why" (and "SKIP name: why"); the host
# (tests/vm/run.sh) counts them.  debugfs files are read with `migtop-migrate cat`, which
# prints the content or "ERRNO <name> <n>", so that every errno is checked; migtop's own
# batch mode (`migtop --once --json`) is checked beside it when it works.
mode=${1:-e2e}
M=/usr/bin/migtop-migrate
T=/usr/bin/migtop
DBG=/sys/kernel/debug
V=$DBG/vfio
F=$DBG/migtop_acc
P=/sys/class/mdev_bus/migtop_acc
W=/tmp/w
mkdir -p $W

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }
# ok NAME CMD...: PASS when CMD succeeds.
ok() {
	n=$1
	shift
	if "$@" >$W/ok.out 2>&1; then pass "$n"; else fail "$n" "'$*' failed: $(tail -n 3 $W/ok.out | tr '\n' ' ')"; fi
}
# expect_rc NAME RC CMD...: PASS when CMD exits with RC.
expect_rc() {
	n=$1 want=$2
	shift 2
	"$@" >$W/rc.out 2>&1
	rc=$?
	if [ $rc -eq "$want" ]; then pass "$n"; else fail "$n" "'$*' exited $rc, expected $want: $(tail -n 3 $W/rc.out | tr '\n' ' ')"; fi
}
# rd FILE: $OUT = content, or "ERRNO NAME n"
rd() { OUT=$($M cat "$1" 2>&1); }
# expect_file NAME FILE PATTERN: the file reads and its content matches the grep -E pattern
expect_file() {
	rd "$2"
	if echo "$OUT" | grep -qE "$3"; then pass "$1"; else fail "$1" "$2: '$(echo "$OUT" | head -n 2 | tr '\n' ' ')' does not match '$3'"; fi
}
# expect_errno NAME FILE ERRNO: reading the file fails with that errno
expect_errno() {
	rd "$2"
	case $OUT in
	"ERRNO $3 "*) pass "$1" ;;
	*) fail "$1" "$2: expected $3, got '$(echo "$OUT" | head -n 1)'" ;;
	esac
}
expect_state() { expect_file "$1" "$V/$2/migration/state" "^$3\$"; }
dmesg_has() { dmesg | grep -q "$1"; }
uuid() { cat /proc/sys/kernel/random/uuid; }

# migtop batch mode (written by another helper): used when it answers.
JSON=0
json_probe() {
	if [ -x $T ] && $T --once --json --root $V >$W/json 2>$W/json.err && grep -q '{' $W/json; then
		JSON=1
		pass migtop-json-runs
	else
		skip migtop-json "migtop --once --json unavailable: $(head -n 1 $W/json.err 2>/dev/null)"
	fi
}
# json_dev UUID: the device's object from migtop's JSON, flattened to one line
json_dev() {
	$T --once --json --root $V 2>$W/json.err | tr -d ' \n' | sed 's/{"name":"/\n&/g' |
		grep "^{\"name\":\"$1\""
}
# expect_json NAME UUID STATE [FILE ERRNO]: migtop's JSON shows the device in that state
# (and the hisi_acc FILE failing with ERRNO)
expect_json() {
	[ $JSON = 1 ] || return 0
	obj=$(json_dev "$2")
	st=$(echo "$obj" | sed -n 's/^[^{]*{"name":"[^"]*",[^{]*"state":"\([A-Z_a-z]*\)".*/\1/p')
	if [ -z "$obj" ]; then
		fail "$1" "migtop JSON has no device $2: $(head -n 1 $W/json.err)"
	elif [ "$st" != "$3" ]; then
		fail "$1" "migtop JSON says state '$st', expected $3"
	elif [ -n "${4:-}" ] && ! echo "$obj" | grep -q "\"$4\":{\"status\":\"[a-z_]*\",\"errno\":\"$5\""; then
		fail "$1" "migtop JSON: $4 is not failing with $5: $(echo "$obj" | grep -o "\"$4\":{[^}]*" | head -c 200)"
	else
		pass "$1"
	fi
}

# --- a paused migration: the tool waits for a line on a FIFO between steps --------------
CTL=$W/ctl
start_paused() { # LOG ARGS...
	log=$1
	shift
	rm -f $CTL
	mkfifo $CTL
	$M --pause "$@" <$CTL >$log 2>&1 &
	BG=$!
	exec 7>$CTL
}
wait_step() { # LOG STEP: wait (bounded) until the tool reports STEP
	i=0
	while ! grep -q "^STEP $2\$" "$1"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 $BG 2>/dev/null; then
			grep -q "^STEP $2\$" "$1" && return 0
			return 1
		fi
		sleep 0.1
	done
}
next_step() { echo >&7; }
end_paused() { # close the FIFO: the tool runs to the end without waiting
	exec 7>&-
	wait $BG
	RC=$?
}

dump_rows() { # FILE -> the hex bytes of the dump rows, without their prefix
	$M cat "$1" | sed -n 's/^.*[0-9a-f]\{8\}: \(\([0-9a-f][0-9a-f] \)*[0-9a-f][0-9a-f]\)$/\1/p'
}

harness_checks() {
	ok vm-kernel-6.12 sh -c "uname -r | grep -q '^6\.12\.'"
	ok debugfs-mounted test -d $DBG/dri -o -d $DBG/block -o -d $DBG/tracing
	ok vfio-modules-loaded sh -c "lsmod | grep -q '^vfio_iommu_type1' && lsmod | grep -q '^mdev'"
	ok dev-vfio-vfio test -c /dev/vfio/vfio
	ok migrate-runs $M --help
	if [ -x $T ]; then ok migtop-runs $T --help; else skip migtop-runs "no migtop binary"; fi
}

setup_devices() {
	A=$(uuid) B=$(uuid) C=$(uuid) D=$(uuid)
	echo "devices: A=$A B=$B (q16) C=$C (q8) D=$D (hpre)"
	for t in q16 q8 hpre; do
		ok type-$t test -f $P/mdev_supported_types/migtop_acc-$t/create
	done
	echo "$A" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$B" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$C" >$P/mdev_supported_types/migtop_acc-q8/create
	echo "$D" >$P/mdev_supported_types/migtop_acc-hpre/create
	for u in $A $B $C $D; do
		g=$(basename "$(readlink /sys/bus/mdev/devices/$u/iommu_group)")
		if [ -c /dev/vfio/$g ] && [ -d $V/$u/migration ]; then
			pass "create-$u"
		else
			fail "create-$u" "no /dev/vfio/$g or $V/$u/migration"
		fi
	done
}

closed_checks() { # the core files with no user: state/features readable, hisi_acc errnos
	expect_state closed-state-A $A RUNNING
	expect_file closed-features "$V/$A/migration/features" "^pre-copy\$"
	expect_file closed-features-stopcopy "$V/$A/migration/features" "^stop-copy\$"
	expect_errno closed-dev_data-EINVAL "$V/$A/migration/hisi_acc/dev_data" EINVAL
	expect_errno closed-cmd_state-EINVAL "$V/$A/migration/hisi_acc/cmd_state" EINVAL
	expect_errno unmigrated-migf_data-EAGAIN "$V/$A/migration/hisi_acc/migf_data" EAGAIN
	ok info-A sh -c "$M info $A | grep -q 'dev_id 0xa256 qp_num 16 qp_base 0'"
	ok info-C sh -c "$M info $C | grep -q 'dev_id 0xa256 qp_num 8 qp_base 16'"
	ok info-D sh -c "$M info $D | grep -q 'dev_id 0xa259 qp_num 16'"
	ok info-flags sh -c "$M info $A | grep -q 'stop-copy p2p pre-copy'"
	json_probe
	expect_json json-closed-running $A RUNNING dev_data EINVAL
	expect_json json-closed-migf_data-EAGAIN $A RUNNING migf_data EAGAIN
}

# Registers that make dev_data distinctive: QM_READY, masks, page size, EQC/AEQC words.
REGS="--set-reg 0x00c=1 --set-reg 0x010=0x11 --set-reg 0x014=0x22 --set-reg 0x024=0x1000"
REGS="$REGS --set-reg 0x040=0x40404040 --set-reg 0x044=0xdeadbeef --set-reg 0x048=0x1234"
REGS="$REGS --set-reg 0x060=0x60606060 --set-reg 0x064=0xcafef00d --set-reg 0x068=0x5678"
REGS="$REGS --set-reg 0x080=0x1000 --set-reg 0x100=7"

full_migration() { # every debugfs file at every step of A -> B with pre-copy
	L=$W/full.log
	# shellcheck disable=SC2086
	start_paused $L $REGS --precopy 2 --dirty 3 --save $W/full.bin migrate $A $B
	if ! wait_step $L open; then
		fail full-open "migrate did not open the devices: $(tail -n 3 $L | tr '\n' ' ')"
		end_paused
		return
	fi
	expect_state open-state-A $A RUNNING
	expect_state open-state-B $B RUNNING
	expect_file open-dev_data-rows "$V/$A/migration/hisi_acc/dev_data" "^Dev Data:00000080: "
	expect_file open-dev_data-qm "$V/$A/migration/hisi_acc/dev_data" "^guest driver load: 1\$"
	expect_file open-dev_data-size "$V/$A/migration/hisi_acc/dev_data" "^data size: 176\$"
	expect_file open-dev_data-magic "$V/$A/migration/hisi_acc/dev_data" "^Dev Data:00000000: de de ca de ed fe cc aa 10 00 00 00 56 a2 00 00\$"
	expect_file open-cmd_state "$V/$A/migration/hisi_acc/cmd_state" "^mailbox cmd channel ready!\$"
	expect_errno open-migf_data-EAGAIN "$V/$A/migration/hisi_acc/migf_data" EAGAIN
	expect_json json-open-running $A RUNNING
	if [ $JSON = 1 ]; then
		if json_dev $A | grep -q '"dev_data":{"status":"ok"'; then
			pass json-open-dev_data-ok
		else
			fail json-open-dev_data-ok "$(json_dev $A | grep -o '"dev_data":{[^}]*' | head -c 200)"
		fi
	fi
	next_step
	wait_step $L resuming && expect_state resuming-state-B $B RESUMING
	expect_state resuming-state-A $A RUNNING
	expect_errno resuming-migf_data-B-EAGAIN "$V/$B/migration/hisi_acc/migf_data" EAGAIN
	expect_file resuming-dev_data-B-opened "$V/$B/migration/hisi_acc/dev_data" "^data size: 176\$"
	expect_file resuming-cmd_state-B "$V/$B/migration/hisi_acc/cmd_state" "^mailbox cmd channel ready!\$"
	expect_json json-resuming $B RESUMING
	next_step
	wait_step $L precopy && expect_state precopy-state-A $A PRE_COPY
	expect_state precopy-state-B $B RESUMING
	expect_file precopy-dev_data "$V/$A/migration/hisi_acc/dev_data" "^guest driver load: 1\$"
	expect_json json-precopy $A PRE_COPY
	next_step
	wait_step $L stopcopy && expect_state stopcopy-state-A $A STOP_COPY
	dump_rows "$V/$A/migration/hisi_acc/dev_data" >$W/devA.rows
	if [ "$(wc -l <$W/devA.rows)" -eq 9 ]; then pass stopcopy-dev_data-9-rows; else fail stopcopy-dev_data-9-rows "$(wc -l <$W/devA.rows) rows"; fi
	expect_file stopcopy-cmd_state "$V/$A/migration/hisi_acc/cmd_state" "^mailbox cmd channel ready!\$"
	expect_file stopcopy-features "$V/$A/migration/features" "^p2p\$"
	expect_errno stopcopy-migf_data-A-EAGAIN "$V/$A/migration/hisi_acc/migf_data" EAGAIN
	expect_json json-stopcopy $A STOP_COPY
	next_step
	wait_step $L stop && expect_state stop-state-A $A STOP
	expect_state stop-state-B $B STOP
	for u in A B; do
		if [ $u = A ]; then uu=$A; else uu=$B; fi
		dump_rows "$V/$uu/migration/hisi_acc/migf_data" >$W/migf$u.rows
		if [ -s $W/migf$u.rows ] && cmp -s $W/devA.rows $W/migf$u.rows; then
			pass migf_data-$u-equals-source-dev_data
		else
			fail migf_data-$u-equals-source-dev_data "$(diff $W/devA.rows $W/migf$u.rows | head -n 4 | tr '\n' ' ')"
		fi
		expect_file migf_data-$u-prefix "$V/$uu/migration/hisi_acc/migf_data" "^Mig Data:00000000: "
		expect_file migf_data-$u-length "$V/$uu/migration/hisi_acc/migf_data" "^migrate data length: [1-9][0-9]*\$"
	done
	dump_rows "$V/$B/migration/hisi_acc/dev_data" >$W/devB.rows
	if cmp -s $W/devA.rows $W/devB.rows; then pass stop-dev_data-B-equals-A; else fail stop-dev_data-B-equals-A "$(diff $W/devA.rows $W/devB.rows | head -n 4 | tr '\n' ' ')"; fi
	expect_json json-stop $B STOP
	next_step
	wait_step $L running && expect_state running-state-B $B RUNNING
	expect_state running-state-A $A STOP
	expect_json json-running $B RUNNING
	end_paused
	if [ $RC -eq 0 ]; then pass full-migration-exit-0; else fail full-migration-exit-0 "rc $RC: $(grep migtop-migrate: $L | head -n 2 | tr '\n' ' ')"; fi
	grep '^phase\|pre-copy iteration' $L
	ok full-precopy-moved-data sh -c "grep -q '^phase pre-copy *[1-9]' $L"
	ok full-stopcopy-moved-data sh -c "grep -q '^phase stop-copy *[1-9]' $L"
	ok full-stream-valid $M verify $W/full.bin
	# After the tool closed the devices: the state stays where it was (hisi_acc resets it
	# on the next open), dev_data says "not opened", migf_data keeps the last migration.
	expect_state closed-again-state-A $A STOP
	ok reopen-resets-to-running sh -c "$M info $A | grep -q '^state RUNNING'"
	expect_errno closed-again-dev_data-EINVAL "$V/$B/migration/hisi_acc/dev_data" EINVAL
	expect_file closed-again-migf_data "$V/$B/migration/hisi_acc/migf_data" "^Mig Data:"
}

mismatch_checks() {
	ok save-A $M --set-reg 0x00c=1 save $A $W/a.bin
	ok verify-saved $M verify $W/a.bin
	ok load-B-accepted $M load $B $W/a.bin
	dmesg -c >/dev/null
	expect_rc load-q16-into-q8-rejected 2 $M load $C $W/a.bin
	ok q16-q8-dmesg-qp-num dmesg_has "failed to match VF qp num"
	expect_rc migrate-q16-to-q8-fails 1 $M migrate $A $C
	ok migrate-q16-to-q8-message grep -q "MIG_DEVICE_STATE STOP.*Invalid argument" $W/rc.out
	expect_rc load-into-hpre-rejected 2 $M load $D $W/a.bin
	ok hpre-dmesg-devices dmesg_has "failed to match VF devices"
	echo 1 >/sys/module/migtop_acc/parameters/iso_cfg
	expect_rc load-iso-mismatch-rejected 2 $M load $B $W/a.bin
	ok iso-dmesg dmesg_has "failed to match isolation state"
	echo 0 >/sys/module/migtop_acc/parameters/iso_cfg
	ok load-after-iso-reset $M load $B $W/a.bin
	# Guest driver not loaded: only the 40-byte match part travels.
	ok save-not-ready $M --set-reg 0x00c=0 save $A $W/nr.bin
	ok not-ready-state-len-40 sh -c "$M verify $W/nr.bin | grep -q 'state_len 40 '"
	ok load-not-ready $M load $B $W/nr.bin
	expect_file not-ready-migf_data-qm "$V/$B/migration/hisi_acc/migf_data" "^Mig Data:00000010: .. .. .. .. .. .. .. .. 00 00 00 00"
}

fault_checks() {
	FA=$F/$A
	ok faultdir-exists test -d $FA
	# cmd_fail: the channel fails; cmd_state reads ETIMEDOUT while opened, saving fails EIO.
	echo 1 >$FA/cmd_fail
	expect_file cmd_fail-reads-back $FA/cmd_fail "^1"
	start_paused $W/cf.log state $A RUNNING
	if wait_step $W/cf.log RUNNING; then
		expect_errno cmd_fail-cmd_state-ETIMEDOUT "$V/$A/migration/hisi_acc/cmd_state" ETIMEDOUT
	else
		fail cmd_fail-open "$(tail -n 2 $W/cf.log | tr '\n' ' ')"
	fi
	end_paused
	expect_rc cmd_fail-save-fails 1 $M save $A $W/x.bin
	ok cmd_fail-save-message grep -q "errno 5" $W/rc.out
	echo 0 >$FA/cmd_fail
	ok cmd_fail-cleared-save $M save $A $W/x.bin

	# dev_data_delay_ms: reads are slow but correct; a migration still completes.
	echo 200 >$FA/dev_data_delay_ms
	expect_file delay-reads-back $FA/dev_data_delay_ms "^200"
	start_paused $W/dl.log state $A RUNNING
	if wait_step $W/dl.log RUNNING; then
		t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
		expect_file delay-dev_data-still-valid "$V/$A/migration/hisi_acc/dev_data" "^data size: 176\$"
		echo "dev_data read with dev_data_delay_ms=200 took $(($(cut -d' ' -f1 /proc/uptime | tr -d .) - t0))0 ms (uptime resolution 10 ms)"
	fi
	end_paused
	(for i in 1 2 3 4 5; do $M cat $V/$A/migration/hisi_acc/dev_data >/dev/null; done) &
	ok delay-migrate-while-polled $M --quiet migrate $A $B
	wait
	echo 0 >$FA/dev_data_delay_ms

	# corrupt_next: the next stream is corrupted that way; the destination rejects it.
	for how in magic version byte truncate crc; do
		echo $how >$FA/corrupt_next
		expect_file corrupt-$how-reads-back $FA/corrupt_next "$how"
		dmesg -c >/dev/null
		ok corrupt-$how-save $M save $A $W/c-$how.bin
		expect_rc corrupt-$how-load-rejected 2 $M load $B $W/c-$how.bin
		expect_file corrupt-$how-one-shot $FA/corrupt_next "none"
		ok corrupt-$how-dmesg sh -c "dmesg | grep -q migtop_acc"
	done
	expect_rc corrupt-crc-detected-by-verify 2 $M verify $W/c-crc.bin
	expect_rc corrupt-truncate-detected-by-verify 2 $M verify $W/c-truncate.bin
	ok corrupt-clean-after $M --quiet migrate $A $B

	# fail_next: the next arc into STOP_COPY fails with EIO and the device goes to ERROR.
	echo STOP_COPY >$FA/fail_next
	expect_file fail_next-reads-back $FA/fail_next "STOP_COPY"
	start_paused $W/fn.log migrate $A $B
	wait_step $W/fn.log open && next_step
	wait_step $W/fn.log resuming && next_step
	if wait_step $W/fn.log failed; then
		pass fail_next-migration-fails
		expect_state fail_next-state-ERROR $A ERROR
		expect_json json-error $A ERROR
	else
		fail fail_next-migration-fails "$(tail -n 3 $W/fn.log | tr '\n' ' ')"
	fi
	end_paused
	ok fail_next-message grep -q "STOP_COPY) failed: Input/output error (errno 5)" $W/fn.log
	expect_state fail_next-error-after-close $A ERROR
	ok fail_next-one-shot $M --quiet migrate $A $B

	# stall_save_ms: a slow STOP_COPY still completes.
	echo 300 >$FA/stall_save_ms
	expect_file stall-reads-back $FA/stall_save_ms "^300"
	ok stall-migrate-completes $M migrate $A $B
	grep '^phase stop-copy' $W/ok.out
	echo 0 >$FA/stall_save_ms
}

fuzz_checks() {
	ok fuzz-base-save $M --set-reg 0x00c=1 --set-reg 0x044=0x44 save $A $W/base.bin
	n=0 bad=0
	for s in 1 2 3 4 5 6 7 8 9 10 11 12; do
		$M mutate $W/base.bin $W/mut.bin $s >>$W/mut.log
		$M load $B $W/mut.bin >>$W/mut.log 2>&1
		rc=$?
		n=$((n + 1))
		[ $rc -eq 0 ] || [ $rc -eq 2 ] || bad=$((bad + 1))
	done
	if [ $bad -eq 0 ]; then pass mutate-load-cli-12; else fail mutate-load-cli-12 "$bad of $n loads failed otherwise than accepted/rejected"; fi
	ok fuzz-200-streams $M --quiet --count 200 --seed 7 fuzz $B $W/base.bin
	grep '^fuzz' $W/ok.out | tail -n 1
	ok fuzz-match-only-60-streams $M --quiet --count 60 --seed 9 fuzz $B $W/nr.bin
	grep '^fuzz' $W/ok.out | tail -n 1
	ok fuzz-precopy-stream-60 $M --quiet --count 60 --seed 11 fuzz $B $W/full.bin
	grep '^fuzz' $W/ok.out | tail -n 1
	ok fuzz-device-still-migrates $M --quiet migrate $A $B
}

loop_checks() {
	ok loop-4-precopy $M --quiet --loop 4 --precopy 1 migrate $A $B
	ok stop-after-stopcopy $M --stop-after stopcopy migrate $A $B
	expect_state stop-after-closed-A $A STOP_COPY
	ok state-cmd-stop $M state $A STOP
	expect_rc bad-state-name 1 $M state $A BOGUS
}

remove_checks() {
	# Files open while their device goes away: reads fail cleanly, nothing crashes.
	exec 3<"$V/$A/migration/state" 4<"$V/$A/migration/hisi_acc/migf_data" 5<"$F/$A/cmd_fail"
	echo 1 >/sys/bus/mdev/devices/$A/remove
	ok remove-A-gone sh -c "! test -e $V/$A"
	rd fd:3
	echo "read of state after remove: $OUT"
	case $OUT in ERRNO*) pass remove-open-state-fails ;; *) fail remove-open-state-fails "read gave '$OUT'" ;; esac
	rd fd:4
	case $OUT in ERRNO*) pass remove-open-migf_data-fails ;; *) fail remove-open-migf_data-fails "read gave '$OUT'" ;; esac
	rd fd:5
	case $OUT in ERRNO*) pass remove-open-fault-file-fails ;; *) fail remove-open-fault-file-fails "read gave '$OUT'" ;; esac
	exec 3<&- 4<&- 5<&-
	# rmmod with B, C, D still present: refused while a debugfs file of the module is open
	# (the open file holds a module reference), then clean once it is closed.
	exec 3<"$V/$B/migration/state" 4<"$V/$B/migration/hisi_acc/dev_data"
	expect_rc rmmod-refused-with-open-files 1 rmmod migtop_acc
	rd fd:3
	case $OUT in ERRNO*) fail rmmod-refused-file-still-works "read gave '$OUT'" ;; *) pass rmmod-refused-file-still-works ;; esac
	exec 3<&- 4<&-
	ok rmmod-with-devices-present rmmod migtop_acc
	ok rmmod-tree-gone sh -c "! test -e $V/$B && ! test -e $P"
	ok reload-module insmod "/lib/modules/$(uname -r)/extra/migtop_acc.ko"
	E=$(uuid)
	echo "$E" >$P/mdev_supported_types/migtop_acc-q16/create
	expect_state reload-new-device $E RUNNING
	echo 1 >/sys/bus/mdev/devices/$E/remove
	ok rmmod-clean rmmod migtop_acc
}

final_checks() {
	if dmesg | grep -E "Oops|WARNING:|BUG:|KASAN|general protection" >$W/bad.txt; then
		fail dmesg-clean "$(head -n 3 $W/bad.txt | tr '\n' ' ')"
		dmesg | tail -n 60
	else
		pass dmesg-clean
	fi
}

demo() {
	modprobe migtop_acc 2>/dev/null || insmod "/lib/modules/$(uname -r)/extra/migtop_acc.ko" 2>/dev/null
	stty rows "${MIGTOP_ROWS:-24}" cols "${MIGTOP_COLS:-80}" 2>/dev/null
	if [ ! -d $P ]; then
		echo "migtop_acc is not available in this VM. Press Ctrl-A X to quit."
		sleep 3600
	fi
	A=$(uuid) B=$(uuid)
	echo "$A" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$B" >$P/mdev_supported_types/migtop_acc-q16/create
	(
		i=0
		while :; do
			i=$((i + 1))
			case $((i % 7)) in
			3) echo 300 >$F/$A/stall_save_ms ;;
			5) echo crc >$F/$A/corrupt_next ;;
			6) echo STOP_COPY >$F/$B/fail_next ;;
			*) echo 0 >$F/$A/stall_save_ms ;;
			esac
			# --pause fed one line a second: each step stays visible for a while
			(while :; do sleep 1; echo; done) |
				$M --quiet --pause --precopy 1 --set-reg 0x00c=1 --set-reg 0x044=$i migrate $A $B >/dev/null 2>&1
			(while :; do sleep 1; echo; done) |
				$M --quiet --pause --precopy 1 --set-reg 0x00c=1 migrate $B $A >/dev/null 2>&1
		done
	) &
	while :; do
		clear
		echo "migtop demo -- migrations run in a loop with a fault now and then.  Quit: Ctrl-A X"
		if [ -x $T ]; then
			# the full report when it fits, else one line per file for every device
			$T --once --root $V >$W/once.txt 2>&1
			if [ "$(wc -l <$W/once.txt)" -gt $((${MIGTOP_ROWS:-24} - 3)) ]; then
				grep -E '^device|state:|hisi_acc/|migrate data length' $W/once.txt | cut -c1-"${MIGTOP_COLS:-80}"
			else
				cat $W/once.txt
			fi
		else
			for u in $A $B; do echo "$u $($M cat $V/$u/migration/state)"; done
		fi
		sleep 2
	done
}

case $mode in
demo)
	demo
	;;
smoke)
	harness_checks
	;;
*)
	harness_checks
	mod="/lib/modules/$(uname -r)/extra/migtop_acc.ko"
	if [ ! -f $mod ]; then
		fail driver-present "no migtop_acc.ko in the initramfs (kernel/ not built?)"
	elif ! insmod $mod payload_kib=64 2>$W/insmod.err; then
		fail driver-loads "$(cat $W/insmod.err)"
	else
		pass driver-loads
		setup_devices
		closed_checks
		full_migration
		mismatch_checks
		fault_checks
		fuzz_checks
		loop_checks
		remove_checks
	fi
	final_checks
	;;
esac
echo "E2E-DONE"
