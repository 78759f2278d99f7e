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
# kmsg_has TEXT UUID: a /dev/kmsg record whose message holds TEXT carries DEVICE=+mdev:UUID
kmsg_has() {
	timeout 1 cat /dev/kmsg >$W/kmsg.txt 2>/dev/null
	awk -v t="$1" -v d=" DEVICE=+mdev:$2" '
		/^[0-9]+,/ { m = index($0, t) > 0; next }
		m && $0 == d { f = 1 }
		END { exit !f }' $W/kmsg.txt
}
# expect_exact NAME FILE TEXT: the file's content is exactly TEXT (printf format)
expect_exact() {
	# shellcheck disable=SC2059
	printf "$3" >$W/exact.want
	if $M cat "$2" >$W/exact.got && cmp -s $W/exact.want $W/exact.got; then
		pass "$1"
	else
		fail "$1" "$2: '$(od -c $W/exact.got | head -n 2 | tr '\n' ' ')' is not '$3'"
	fi
}
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
	# loaded modules, or built in (a debug kernel): both show in /sys/module
	ok vfio-modules-loaded sh -c "test -d /sys/module/vfio_iommu_type1 && test -d /sys/module/mdev"
	ok dev-vfio-vfio test -c /dev/vfio/vfio
	ok migrate-runs $M --help
	if [ -x $T ]; then ok migtop-runs $T --help; else skip migtop-runs "no migtop binary"; fi
}

setup_devices() {
	A=$(uuid) B=$(uuid) C=$(uuid) D=$(uuid) Q=$(uuid) R=$(uuid)
	echo "devices: A=$A B=$B (q16) C=$C (q8) D=$D (hpre) Q=$Q R=$R (p2p)"
	for t in q16 q8 hpre p2p; do
		ok type-$t test -f $P/mdev_supported_types/migtop_acc-$t/create
	done
	echo "$A" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$B" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$C" >$P/mdev_supported_types/migtop_acc-q8/create
	echo "$D" >$P/mdev_supported_types/migtop_acc-hpre/create
	echo "$Q" >$P/mdev_supported_types/migtop_acc-p2p/create
	echo "$R" >$P/mdev_supported_types/migtop_acc-p2p/create
	for u in $A $B $C $D $Q $R; do
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
	if [ $CORE = 1 ]; then
		# The vfio core made vfio/<uuid>/migration/ (CONFIG_VFIO_DEBUGFS): the driver
		# added only hisi_acc/, and created no second vfio/ (debugfs would log it).
		ok core-tree-no-duplicate sh -c "! dmesg | grep -q 'already present'"
		core_files=$(ls $V/$Q/migration | tr '\n' ' ')
		case $core_files in
		"features state ") pass core-tree-p2p-core-files-only ;;
		"state ") pass core-tree-p2p-core-files-only ;;
		*) fail core-tree-p2p-core-files-only "$V/$Q/migration has '$core_files'" ;;
		esac
	else
		ok driver-tree-p2p-no-driver-dir sh -c "[ \"\$(ls $V/$Q/migration | tr '\n' ' ')\" = 'features state ' ]"
	fi
	# features: the driver's (6.18's format) or a 6.18+ core's; a 6.12 core has none
	if [ -e "$V/$A/migration/features" ]; then
		expect_exact features-hisi-exact "$V/$A/migration/features" 'stop-copy\npre-copy\n'
		expect_exact features-hpre-exact "$V/$D/migration/features" 'stop-copy\npre-copy\n'
		expect_exact features-p2p-exact "$V/$Q/migration/features" 'stop-copy\np2p\npre-copy\n'
	else
		skip features "no migration/features: the vfio core made the tree and predates 6.18"
	fi
	ok hisi-driver-dir sh -c "[ \"\$(ls $V/$A/migration/hisi_acc | tr '\n' ' ')\" = 'cmd_state dev_data migf_data ' ]"
	expect_errno closed-dev_data-EINVAL "$V/$A/migration/hisi_acc/dev_data" EINVAL
	expect_errno closed-cmd_state-EINVAL "$V/$A/migration/hisi_acc/cmd_state" EINVAL
	expect_errno unmigrated-migf_data-EAGAIN "$V/$A/migration/hisi_acc/migf_data" EAGAIN
	ok info-A sh -c "$M info $A | grep -q 'dev_id 0xa256 qp_num 16 qp_base 0'"
	ok info-C sh -c "$M info $C | grep -q 'dev_id 0xa256 qp_num 8 qp_base 16'"
	ok info-D sh -c "$M info $D | grep -q 'dev_id 0xa259 qp_num 16'"
	ok info-flags-hisi sh -c "$M info $A | grep -q 'flags 0x5: stop-copy pre-copy\$'"
	ok info-flags-p2p sh -c "$M info $Q | grep -q 'flags 0x7: stop-copy p2p pre-copy\$'"
	ok info-stop-copy-size-176 sh -c "$M info $A | grep -q '^stop-copy size 176\$'"
	ok info-guest-not-ready sh -c "$M reg $A 0x00c 0x108 | tr '\n' ' ' | grep -q '0x00000001 .*0x00000000'"
	json_probe
	expect_json json-closed-running $A RUNNING dev_data EINVAL
	expect_json json-closed-migf_data-EAGAIN $A RUNNING migf_data EAGAIN
}

# Registers that make dev_data distinctive: the guest's QM driver running (QM_VF_STATE 0 =
# QM_READY), masks, page size, EQC/AEQC words (words 1, 2: the EQ/AEQ addresses), the SQC and
# CQC addresses (read through the mailbox).
REGS="--set-reg 0x00c=0 --set-reg 0x010=0x11 --set-reg 0x014=0x22 --set-reg 0x024=0x1000"
REGS="$REGS --set-reg 0x040=0x40404040 --set-reg 0x044=0xdeadbeef --set-reg 0x048=0x1234"
REGS="$REGS --set-reg 0x060=0x60606060 --set-reg 0x064=0xcafef00d --set-reg 0x068=0x5678"
REGS="$REGS --set-reg 0x090=0x9000 --set-reg 0x098=0x9800"
# The header the source q16 (A) writes: V2 magic, qp_num 16, dev_id 0xa256.
HDR0="de de ca de ed fe cc aa 10 00 00 00 56 a2 00 00"

full_migration() { # every debugfs file at every step of A -> B with pre-copy
	L=$W/full.log
	DA=$V/$A/migration/hisi_acc DB=$V/$B/migration/hisi_acc
	# shellcheck disable=SC2086
	start_paused $L $REGS --precopy 2 --dirty 3 --save $W/full.bin migrate $A $B
	if ! wait_step $L open; then
		fail full-open "migrate did not open the devices: $(tail -n 3 $L | tr '\n' ' ')"
		end_paused
		return
	fi
	expect_state open-state-A $A RUNNING
	expect_state open-state-B $B RUNNING
	# dev_data = hisi_acc_vf_dev_read(): a zeroed struct, the cached vf_qm_state (1 =
	# QM_NOT_READY until a save or a load), the registers; bytes 0-23 and 28-39 stay zero.
	expect_file open-dev_data-rows "$DA/dev_data" "^Dev Data:00000080: "
	expect_file open-dev_data-qm-cached "$DA/dev_data" "^guest driver load: 1\$"
	expect_file open-dev_data-size "$DA/dev_data" "^data size: 176\$"
	expect_file open-dev_data-header-zero "$DA/dev_data" "^Dev Data:00000000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\$"
	expect_file open-dev_data-qm-state-only "$DA/dev_data" "^Dev Data:00000010: 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00\$"
	expect_file open-dev_data-regs "$DA/dev_data" "^Dev Data:00000020: 00 00 00 00 00 00 00 00 11 00 00 00 22 00 00 00\$"
	expect_file open-cmd_state "$DA/cmd_state" "^mailbox cmd channel ready!\$"
	expect_errno open-migf_data-EAGAIN "$DA/migf_data" EAGAIN
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
	expect_errno resuming-migf_data-B-EAGAIN "$DB/migf_data" EAGAIN
	# B's guest driver is not running: the device check fails before anything is read
	expect_errno resuming-dev_data-B-ETIMEDOUT "$DB/dev_data" ETIMEDOUT
	expect_errno resuming-cmd_state-B-ETIMEDOUT "$DB/cmd_state" ETIMEDOUT
	expect_json json-resuming $B RESUMING
	next_step
	wait_step $L precopy && expect_state precopy-state-A $A PRE_COPY
	expect_state precopy-state-B $B RESUMING
	expect_file precopy-dev_data "$DA/dev_data" "^guest driver load: 1\$"
	expect_errno precopy-migf_data-B-EAGAIN "$DB/migf_data" EAGAIN
	expect_json json-precopy $A PRE_COPY
	next_step
	wait_step $L stopcopy && expect_state stopcopy-state-A $A STOP_COPY
	dump_rows "$DA/dev_data" >$W/devA.rows
	if [ "$(wc -l <$W/devA.rows)" -eq 9 ]; then pass stopcopy-dev_data-9-rows; else fail stopcopy-dev_data-9-rows "$(wc -l <$W/devA.rows) rows"; fi
	expect_file stopcopy-dev_data-qm-saved "$DA/dev_data" "^guest driver load: 0\$"
	expect_file stopcopy-dev_data-header-zero "$DA/dev_data" "^Dev Data:00000010: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\$"
	expect_file stopcopy-cmd_state "$DA/cmd_state" "^mailbox cmd channel ready!\$"
	expect_errno stopcopy-migf_data-A-EAGAIN "$DA/migf_data" EAGAIN
	expect_json json-stopcopy $A STOP_COPY
	next_step
	wait_step $L stop && expect_state stop-state-A $A STOP
	expect_state stop-state-B $B STOP
	for u in A B; do
		if [ $u = A ]; then uu=$A; else uu=$B; fi
		dump_rows "$V/$uu/migration/hisi_acc/migf_data" >$W/migf$u.rows
		expect_file migf_data-$u-header "$V/$uu/migration/hisi_acc/migf_data" "^Mig Data:00000000: $HDR0\$"
		expect_file migf_data-$u-qm-ready "$V/$uu/migration/hisi_acc/migf_data" "^Mig Data:00000010: 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00\$"
		expect_file migf_data-$u-length "$V/$uu/migration/hisi_acc/migf_data" "^migrate data length: 176\$"
		# the registers part equals the source's dev_data at stop-copy
		if [ "$(wc -l <$W/migf$u.rows)" -eq 9 ] && [ "$(tail -n 7 $W/migf$u.rows)" = "$(tail -n 7 $W/devA.rows)" ]; then
			pass migf_data-$u-regs-equal-source-dev_data
		else
			fail migf_data-$u-regs-equal-source-dev_data "$(diff $W/devA.rows $W/migf$u.rows | head -n 4 | tr '\n' ' ')"
		fi
	done
	if cmp -s $W/migfA.rows $W/migfB.rows; then pass migf_data-B-equals-A; else fail migf_data-B-equals-A "$(diff $W/migfA.rows $W/migfB.rows | head -n 4 | tr '\n' ' ')"; fi
	# B after the load: its registers, except what qm_dev_cmd_init() wrote (IFC source 1, mask 0)
	dump_rows "$DB/dev_data" >$W/devB.rows
	if [ "$(tail -n 5 $W/devA.rows)" = "$(tail -n 5 $W/devB.rows)" ]; then pass stop-dev_data-B-regs-equal-A; else fail stop-dev_data-B-regs-equal-A "$(diff $W/devA.rows $W/devB.rows | head -n 4 | tr '\n' ' ')"; fi
	expect_file stop-dev_data-B-cmd-init "$DB/dev_data" "^Dev Data:00000030: 01 00 00 00 00 00 00 00 00 00 00 00 00 10 00 00\$"
	expect_file stop-dev_data-B-qm-loaded "$DB/dev_data" "^guest driver load: 0\$"
	expect_json json-stop $B STOP
	next_step
	wait_step $L running && expect_state running-state-B $B RUNNING
	expect_state running-state-A $A STOP
	expect_json json-running $B RUNNING
	end_paused
	if [ $RC -eq 0 ]; then pass full-migration-exit-0; else fail full-migration-exit-0 "rc $RC: $(grep migtop-migrate: $L | head -n 2 | tr '\n' ' ')"; fi
	grep '^phase\|pre-copy iteration\|data_fd' $L
	ok full-precopy-initial-40 grep -q "^pre-copy iteration 1: initial 40 dirty 0 -> read 40 bytes" $L
	ok full-precopy-then-nothing grep -q "^pre-copy iteration 2: initial 0 dirty 0 -> read 0 bytes" $L
	ok full-precopy-poll-idle grep -q "^pre-copy end: data_fd not readable" $L
	ok full-stopcopy-poll-readable grep -q "^stop-copy: data_fd readable" $L
	ok full-stopcopy-moved-136 sh -c "grep -q '^phase stop-copy *136 ' $L"
	ok full-stream-valid $M verify $W/full.bin
	ok full-stream-176 sh -c "[ \$(wc -c <$W/full.bin) -eq 176 ]"
	# After the tool closed the devices: the state stays where it was (hisi_acc resets it
	# on the next open), dev_data says "not opened", migf_data keeps the last migration.
	expect_state closed-again-state-A $A STOP
	ok reopen-resets-to-running sh -c "$M info $A | grep -q '^state RUNNING'"
	expect_errno closed-again-dev_data-EINVAL "$DB/dev_data" EINVAL
	expect_file closed-again-migf_data "$DB/migf_data" "^Mig Data:00000000: $HDR0\$"
}

mismatch_checks() {
	# shellcheck disable=SC2086
	ok save-A $M $REGS save $A $W/a.bin
	ok verify-saved $M verify $W/a.bin
	ok saved-176-bytes sh -c "[ \$(wc -c <$W/a.bin) -eq 176 ]"
	ok load-B-accepted $M load $B $W/a.bin
	# q16 -> q8: the write that completes byte 40 fails with EFAULT (vf_qm_check_match),
	# whatever the write size; the destination's migf_data (copied when it is closed)
	# shows what it received.
	dmesg -c >/dev/null
	for c in 1 7 40 4096; do
		off=$((39 / c * c)) len=$c
		[ $((off + len)) -gt 176 ] && len=$((176 - off))
		$M --chunk $c load $C $W/a.bin >$W/ch.out 2>&1
		rc=$?
		if [ $rc -eq 2 ] && grep -q "^load: rejected: Bad address (errno 14) by the write at offset $off ($len bytes), device left in RESUMING" $W/ch.out; then
			pass q16-q8-chunk-$c-EFAULT-at-$off
		else
			fail q16-q8-chunk-$c-EFAULT-at-$off "rc $rc: $(tr '\n' ' ' <$W/ch.out | head -c 300)"
		fi
		expect_file q16-q8-chunk-$c-migf_data-header "$V/$C/migration/hisi_acc/migf_data" "^Mig Data:00000000: $HDR0\$"
		expect_file q16-q8-chunk-$c-migf_data-length "$V/$C/migration/hisi_acc/migf_data" "^migrate data length: $((off + len))\$"
	done
	ok q16-q8-dmesg-qp-num dmesg_has "failed to match VF qp num"
	if command -v timeout >/dev/null; then
		ok q16-q8-kmsg-device kmsg_has "failed to match VF qp num" "$C"
	else
		skip q16-q8-kmsg-device "no timeout command to read /dev/kmsg"
	fi
	expect_rc migrate-q16-to-q8-fails 1 $M migrate $A $C
	ok migrate-q16-to-q8-message grep -q "write(data_fd) failed: Bad address (errno 14)" $W/rc.out
	ok migrate-q16-to-q8-offset grep -q "the write at offset 0 (176 bytes) failed" $W/rc.out
	expect_rc load-into-hpre-rejected 2 $M load $D $W/a.bin
	ok hpre-dmesg-devices dmesg_has "failed to match VF devices"
	echo 1 >/sys/module/migtop_acc/parameters/iso_cfg
	expect_rc load-iso-mismatch-rejected 2 $M load $B $W/a.bin
	ok iso-dmesg dmesg_has "failed to match isolation state"
	echo 0 >/sys/module/migtop_acc/parameters/iso_cfg
	ok load-after-iso-reset $M load $B $W/a.bin
	# A write past 176 bytes fails with ENOMEM and takes none of its bytes.
	{ cat $W/a.bin; printf x; } >$W/long.bin
	expect_rc load-177-rejected 2 $M --chunk 40 load $B $W/long.bin
	ok load-177-ENOMEM-at-160 grep -q "^load: rejected: Cannot allocate memory (errno 12) by the write at offset 160 (17 bytes)" $W/rc.out
	expect_file load-177-migf_data-length "$V/$B/migration/hisi_acc/migf_data" "^migrate data length: 160\$"
	# Guest driver not running: only the 40-byte match part travels (vf_qm_state 1).
	ok save-not-ready $M --set-reg 0x00c=1 save $A $W/nr.bin
	ok not-ready-40-bytes sh -c "$M verify $W/nr.bin | grep -q 'valid hisi_acc stream, 40 bytes'"
	ok not-ready-qm-state-1 sh -c "$M verify $W/nr.bin | grep -q 'vf_qm_state 1\$'"
	ok load-not-ready $M load $B $W/nr.bin
	expect_file not-ready-migf_data-qm "$V/$B/migration/hisi_acc/migf_data" "^Mig Data:00000010: .. .. .. .. .. .. .. .. 01 00 00 00"
	expect_file not-ready-migf_data-length "$V/$B/migration/hisi_acc/migf_data" "^migrate data length: 40\$"
	# Zero DMA addresses: accepted, the device marked not ready.
	dmesg -c >/dev/null
	# shellcheck disable=SC2086
	ok save-null-dma $M $REGS --set-reg 0x044=0 --set-reg 0x048=0 save $A $W/nd.bin
	ok load-null-dma-accepted $M load $B $W/nd.bin
	ok null-dma-dmesg dmesg_has "resume dma addr is NULL!"
	# match_done (hisi_acc): once a resume passed the match check, the device skips the check
	# until it is opened again; a reset does not clear it.  So a q16 stream loads into the
	# q8 device C after a good resume and a reset, and is rejected after a reopen.
	ok match_done-save-C $M --set-reg 0x00c=0 save $C $W/c.bin
	$M load $C $W/c.bin $W/a.bin >$W/md.out 2>&1
	rc=$?
	if [ $rc -eq 0 ] && [ "$(grep -c 'load: accepted' $W/md.out)" -eq 2 ]; then
		pass match_done-kept-across-reset
	else
		fail match_done-kept-across-reset "rc $rc: $(tr '\n' ' ' <$W/md.out | head -c 300)"
	fi
	expect_rc match_done-cleared-by-open 2 $M load $C $W/a.bin
	# A cancelled pre-copy (PRE_COPY -> RUNNING): migf_data holds its 40-byte header.
	ok cancelled-precopy $M state $A PRE_COPY RUNNING
	expect_file cancelled-precopy-migf_data-length "$V/$A/migration/hisi_acc/migf_data" "^migrate data length: 40\$"
	expect_file cancelled-precopy-migf_data-header "$V/$A/migration/hisi_acc/migf_data" "^Mig Data:00000000: $HDR0\$"
}

GEN=/sys/module/migtop_acc/parameters/hisi_gen
fault_checks() {
	FA=$F/$A
	DA=$V/$A/migration/hisi_acc
	ok faultdir-exists test -d $FA
	ok fail_next-only-p2p sh -c "! test -e $FA/fail_next && test -f $F/$Q/fail_next"
	expect_file hisi_gen-default $GEN "^616\$"
	expect_rc hisi_gen-rejects-700 1 sh -c "echo 700 >$GEN"
	# cmd_fail: the mailbox register reads all ones.  cmd_state fails with EINVAL, dev_data
	# with the mailbox's errno (EBUSY; EINVAL on 6.12-6.15), and the stop arc with EBUSY
	# (the state stays: hisi_acc never enters ERROR).
	echo 1 >$FA/cmd_fail
	expect_file cmd_fail-reads-back $FA/cmd_fail "^1"
	start_paused $W/cf.log --set-reg 0x00c=0 state $A RUNNING
	if wait_step $W/cf.log RUNNING; then
		expect_errno cmd_fail-cmd_state-EINVAL "$DA/cmd_state" EINVAL
		expect_errno cmd_fail-dev_data-EBUSY "$DA/dev_data" EBUSY
		echo 613 >$GEN
		expect_errno cmd_fail-dev_data-EINVAL-613 "$DA/dev_data" EINVAL
		echo 616 >$GEN
	else
		fail cmd_fail-open "$(tail -n 2 $W/cf.log | tr '\n' ' ')"
	fi
	end_paused
	ok cmd_fail-register-all-ones sh -c "$M reg $A 0x108 | grep -q '= 0xffffffff'"
	dmesg -c >/dev/null
	expect_rc cmd_fail-save-fails 1 $M --set-reg 0x00c=0 save $A $W/x.bin
	ok cmd_fail-save-EBUSY grep -q "STOP_COPY) failed: Device or resource busy (errno 16)" $W/rc.out
	ok cmd_fail-dmesg-mailbox dmesg_has "QM mailbox is busy to start!"
	ok cmd_fail-dmesg-stop dmesg_has "failed to stop QM VF function!"
	expect_state cmd_fail-state-stays-RUNNING $A RUNNING
	echo 0 >$FA/cmd_fail
	ok cmd_fail-cleared-save $M save $A $W/x.bin

	# guest_stop: the guest's QM driver stops (QM_VF_STATE bit 0 set): the device check of
	# dev_data and cmd_state times out (EBUSY on 6.13-6.15); a save carries 40 bytes.
	start_paused $W/gs.log --set-reg 0x00c=0 state $A RUNNING
	if wait_step $W/gs.log RUNNING; then
		expect_file guest-running-dev_data "$DA/dev_data" "^data size: 176\$"
		echo 1 >$FA/guest_stop
		expect_errno guest_stop-dev_data-ETIMEDOUT "$DA/dev_data" ETIMEDOUT
		expect_errno guest_stop-cmd_state-ETIMEDOUT "$DA/cmd_state" ETIMEDOUT
		echo 613 >$GEN
		expect_errno guest_stop-dev_data-EBUSY-613 "$DA/dev_data" EBUSY
		expect_errno guest_stop-cmd_state-EBUSY-613 "$DA/cmd_state" EBUSY
		echo 616 >$GEN
		echo 0 >$FA/guest_stop
		expect_file guest_stop-cleared-dev_data "$DA/dev_data" "^data size: 176\$"
	else
		fail guest_stop-open "$(tail -n 2 $W/gs.log | tr '\n' ' ')"
	fi
	end_paused
	echo 1 >$FA/guest_stop
	ok guest_stop-save $M --set-reg 0x00c=0 save $A $W/gs.bin
	ok guest_stop-save-40 sh -c "$M verify $W/gs.bin | grep -q 'valid hisi_acc stream, 40 bytes'"
	echo 0 >$FA/guest_stop

	# dev_data_delay_ms: reads are slow but correct; a migration still completes.
	echo 200 >$FA/dev_data_delay_ms
	expect_file delay-reads-back $FA/dev_data_delay_ms "^200"
	start_paused $W/dl.log --set-reg 0x00c=0 state $A RUNNING
	if wait_step $W/dl.log RUNNING; then
		t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
		expect_file delay-dev_data-still-valid "$DA/dev_data" "^data size: 176\$"
		echo "dev_data read with dev_data_delay_ms=200 took $(($(cut -d' ' -f1 /proc/uptime | tr -d .) - t0))0 ms (uptime resolution 10 ms)"
	fi
	end_paused
	(for i in 1 2 3 4 5; do $M cat $DA/dev_data >/dev/null; done) &
	ok delay-migrate-while-polled $M --quiet --set-reg 0x00c=0 migrate $A $B
	wait
	echo 0 >$FA/dev_data_delay_ms

	# corrupt_next on a hisi device: magic and version fail the match check (EFAULT at the
	# write), a flipped qp_base bit goes unnoticed (hisi_acc does not check it), a stream cut
	# 16 bytes short fails the load (EINVAL), crc does not apply (no crc in a hisi stream).
	for how in magic version byte truncate; do
		echo $how >$FA/corrupt_next
		expect_file corrupt-$how-reads-back $FA/corrupt_next "$how"
		dmesg -c >/dev/null
		# shellcheck disable=SC2086
		ok corrupt-$how-save $M $REGS save $A $W/c-$how.bin
		expect_file corrupt-$how-one-shot $FA/corrupt_next "none"
	done
	expect_rc corrupt-magic-load-EFAULT 2 $M load $B $W/c-magic.bin
	ok corrupt-magic-write grep -q "Bad address (errno 14) by the write at offset 0" $W/rc.out
	expect_rc corrupt-magic-verify 2 $M verify $W/c-magic.bin
	dmesg -c >/dev/null
	expect_rc corrupt-version-load-EFAULT 2 $M load $B $W/c-version.bin
	ok corrupt-version-dmesg-info dmesg_has "migration driver version<2.0> not match!"
	ok corrupt-version-dmesg-magic dmesg_has "failed to match ACC_DEV_MAGIC"
	ok corrupt-byte-load-accepted $M load $B $W/c-byte.bin
	ok corrupt-byte-verify-valid $M verify $W/c-byte.bin
	dmesg -c >/dev/null
	expect_rc corrupt-truncate-load-EINVAL 2 $M load $B $W/c-truncate.bin
	ok corrupt-truncate-at-stop grep -q "Invalid argument (errno 22) at RESUMING -> STOP" $W/rc.out
	ok corrupt-truncate-dmesg dmesg_has "failed to recover the VF!"
	expect_rc corrupt-truncate-verify 2 $M verify $W/c-truncate.bin
	expect_rc corrupt-crc-refused-hisi 1 sh -c "echo crc >$FA/corrupt_next"
	ok corrupt-clean-after $M --quiet migrate $A $B

	# ERROR is not a state of hisi_acc: asking for it fails and the state stays.
	expect_rc hisi-error-refused 1 $M state $A ERROR
	ok hisi-error-EINVAL grep -q "MIG_DEVICE_STATE ERROR) failed: Invalid argument" $W/rc.out

	# stall_save_ms: a slow STOP_COPY still completes.
	echo 300 >$FA/stall_save_ms
	expect_file stall-reads-back $FA/stall_save_ms "^300"
	ok stall-migrate-completes $M --set-reg 0x00c=0 migrate $A $B
	grep '^phase stop-copy' $W/ok.out
	echo 0 >$FA/stall_save_ms
}

# The p2p type (as mlx5 and pds): P2P states, a framed crc-checked stream with pre-copy
# dirty tracking, ERROR on a failed arc, no driver directory in debugfs.
p2p_checks() {
	FQ=$F/$Q
	ok p2p-migrate-precopy $M --precopy 2 --dirty 3 --save $W/p2p.bin migrate $Q $R
	cp $W/ok.out $W/p2p.out
	grep '^phase\|pre-copy iteration\|data_fd' $W/p2p.out
	ok p2p-precopy-moved-data sh -c "grep -q '^phase pre-copy *[1-9]' $W/p2p.out"
	ok p2p-precopy-poll-idle grep -q "^pre-copy end: data_fd not readable" $W/p2p.out
	ok p2p-stopcopy-poll-readable grep -q "^stop-copy: data_fd readable" $W/p2p.out
	ok p2p-stream-valid $M verify $W/p2p.bin
	expect_state p2p-state-R $R RUNNING
	ok p2p-save $M save $Q $W/q.bin
	echo crc >$FQ/corrupt_next
	ok p2p-corrupt-crc-save $M save $Q $W/q-crc.bin
	expect_rc p2p-corrupt-crc-load-rejected 2 $M load $R $W/q-crc.bin
	ok p2p-corrupt-crc-at-stop grep -q "Invalid argument (errno 22) at RESUMING -> STOP" $W/rc.out
	expect_rc p2p-corrupt-crc-verify 2 $M verify $W/q-crc.bin
	# fail_next: the next arc into STOP_COPY fails with EIO and the device goes to ERROR;
	# every later request fails with EIO (ERROR included) without a kernel warning.
	dmesg -c >/dev/null
	echo STOP_COPY >$FQ/fail_next
	expect_file fail_next-reads-back $FQ/fail_next "STOP_COPY"
	$M state $Q STOP_COPY RUNNING ERROR STOP >$W/fn.log 2>&1
	RC=$?
	expect_state fail_next-state-ERROR $Q ERROR
	expect_json json-error $Q ERROR
	cat $W/fn.log
	if [ $RC -eq 1 ] && [ "$(grep -c 'failed: Input/output error (errno 5)' $W/fn.log)" -eq 4 ] &&
		[ "$(grep -c -- '-> failed: state ERROR' $W/fn.log)" -eq 4 ]; then
		pass fail_next-every-request-EIO
	else
		fail fail_next-every-request-EIO "rc $RC: $(tr '\n' ' ' <$W/fn.log | head -c 300)"
	fi
	ok fail_next-no-warning sh -c "! dmesg | grep -q 'WARNING:'"
	ok fail_next-dmesg dmesg_has "injected failure of the arc STOP -> STOP_COPY"
	expect_state fail_next-error-after-close $Q ERROR
	ok fail_next-one-shot $M --quiet migrate $Q $R
	ok fuzz-p2p-precopy-stream-60 $M --quiet --count 60 --seed 11 fuzz $R $W/p2p.bin
	grep '^fuzz' $W/ok.out | tail -n 1
}

fuzz_checks() {
	# shellcheck disable=SC2086
	ok fuzz-base-save $M $REGS --set-reg 0x044=0x44 save $A $W/base.bin
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
	ok fuzz-200-chunk-7 $M --quiet --chunk 7 --count 200 --seed 8 fuzz $B $W/base.bin
	grep '^fuzz' $W/ok.out | tail -n 1
	ok fuzz-match-only-60-streams $M --quiet --count 60 --seed 9 fuzz $B $W/nr.bin
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

# --- migtop watching a migration: -n/-d/--json snapshots and --log -----------------------
SNAP=$W/watch.jsonl
WLOG=$W/mig.log
# snap_state UUID [FILE]: the device's state in the last complete snapshot line ("absent",
# "gone", "null" when unreadable); with FILE given, one word per snapshot line of FILE
snap_state() {
	if [ -n "${2:-}" ]; then cat "$2"; else tail -n 2 $SNAP | grep '}$' | tail -n 1; fi |
		awk -v u="$1" '{
			i = index($0, "{\"name\":\"" u "\"")
			if (!i) { print "absent"; next }
			s = substr($0, i + 1)
			j = index(s, "{\"name\":\"")
			if (j) s = substr(s, 1, j - 1)
			if (s ~ /"gone":true/) { print "gone"; next }
			st = "null"
			if (match(s, /"state":"[A-Z_0-9]*"/)) st = substr(s, RSTART + 9, RLENGTH - 10)
			print st
		}'
}
# wait_seen UUID STATE: wait (bounded: 20 s) until migtop's snapshots show the device so
wait_seen() {
	i=0
	while [ "$(snap_state "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		kill -0 $MT 2>/dev/null || return 1
		sleep 0.2
	done
}
# seen_seq UUID: the states the snapshots showed, consecutive repeats folded
seen_seq() {
	snap_state "$1" $SNAP | awk '$0 != p { printf "%s ", $0; p = $0 }'
}
# log_arcs UUID LOG...: "FROM TO CLASS [INFERRED...]" per state line of the device, from
# JSON lines ({"device":..,"event":"state","from":..,"to":..,"class":..,"inferred":[..]})
# or text lines (TIME DEV state FROM -> TO (CLASS[ via A, B]))
log_arcs() {
	u=$1
	shift
	cat "$@" 2>/dev/null | awk -v u="$u" '
		function get(k,   r) {
			if (!match($0, "\"" k "\":\"[^\"]*\"")) return "?"
			r = substr($0, RSTART, RLENGTH)
			sub(/^"[a-z]*":"/, "", r)
			sub(/"$/, "", r)
			return r
		}
		index($0, "\"device\":\"" u "\"") && index($0, "\"event\":\"state\"") {
			inf = ""
			if (match($0, /"inferred":\[[^]]*\]/)) {
				inf = substr($0, RSTART + 12, RLENGTH - 13)
				gsub(/[",]/, " ", inf)
			}
			print get("from"), get("to"), get("class"), inf
			next
		}
		$2 == u && $3 == "state" && $5 == "->" {
			c = $7
			gsub(/[()]/, "", c)
			inf = ""
			if (match($0, / via [^)]*/)) {
				inf = substr($0, RSTART + 5, RLENGTH - 5)
				gsub(/,/, " ", inf)
			}
			print $4, $6, c, inf
		}' | tr -s ' ' | sed 's/ $//'
}
# log_seq UUID LOG...: the states the log shows the device through, inferred steps included
log_seq() {
	log_arcs "$@" | awk '{
		if ($1 != last) printf "%s ", $1
		for (k = 4; k <= NF; k++) printf "%s ", $k
		printf "%s ", $2
		last = $2
	}'
}
# expect_seq NAME SEQ REGEX: the space-separated sequence contains the pattern
expect_seq() {
	if echo " $2" | grep -qE " $3 "; then pass "$1"; else fail "$1" "'$2' has no '$3'"; fi
}
# expect_arc NAME UUID FROM TO CLASS LOG...: the log has FROM -> TO classified CLASS
expect_arc() {
	n=$1 u=$2 from=$3 to=$4 cls=$5
	shift 5
	if log_arcs "$u" "$@" | grep -q "^$from $to $cls\( \|\$\)"; then
		pass "$n"
	else
		fail "$n" "no '$from -> $to ($cls)' in: $(log_arcs "$u" "$@" | tr '\n' ';' | head -c 300)"
	fi
}

watch_checks() {
	if ! [ -x $T ] || ! $T --help 2>&1 | grep -q -- '--log'; then
		skip watch "migtop has no --log/-n batch mode"
		return
	fi
	# The watched pair is of the p2p type: its P2P states give the combination arcs below.
	S=$(uuid) G=$(uuid)
	echo "watched devices: source $S destination $G (p2p)"
	rm -f $SNAP $WLOG $WLOG.1
	$T --root $V -n 100000 -d 200 --json --log $WLOG >$SNAP 2>$W/watch.err &
	MT=$!
	i=0
	while ! grep -q '}$' $SNAP 2>/dev/null && [ $i -lt 100 ] && kill -0 $MT 2>/dev/null; do
		i=$((i + 1))
		sleep 0.2
	done
	if ! grep -q '}$' $SNAP 2>/dev/null; then
		fail watch-starts "no snapshot from 'migtop -n -d 200 --json --log': $(head -c 300 $W/watch.err)"
		kill $MT 2>/dev/null
		wait $MT
		return
	fi
	pass watch-starts
	echo "$S" >$P/mdev_supported_types/migtop_acc-p2p/create
	echo "$G" >$P/mdev_supported_types/migtop_acc-p2p/create
	if wait_seen $S RUNNING && wait_seen $G RUNNING; then pass watch-new-devices-appear; else fail watch-new-devices-appear "last snapshot: $S $(snap_state $S), $G $(snap_state $G)"; fi

	# A paused migration; each step is held until migtop has shown it.
	start_paused $W/watch-mig.log --precopy 1 migrate $S $G
	for st in "open $S RUNNING" "resuming $G RESUMING" "precopy $S PRE_COPY" \
		"stopcopy $S STOP_COPY" "stop $S STOP" "stop $G STOP" "running $G RUNNING"; do
		set -- $st
		if ! wait_step $W/watch-mig.log $1; then
			fail watch-step-$1 "migrate did not reach step $1: $(tail -n 2 $W/watch-mig.log | tr '\n' ' ')"
			break
		fi
		wait_seen $2 $3 || echo "watch: migtop did not show $2 in $3 at step $1 (shows $(snap_state $2))"
		[ "$1" = stop ] && [ "$2" = "$S" ] && continue
		next_step
	done
	end_paused
	if [ $RC -eq 0 ]; then pass watch-migration-exit-0; else fail watch-migration-exit-0 "rc $RC: $(tail -n 2 $W/watch-mig.log | tr '\n' ' ')"; fi

	# SIGHUP reopens the log: the old file is renamed, the new one gets the next lines.
	mv $WLOG $WLOG.1
	kill -HUP $MT
	i=0
	while [ ! -e $WLOG ] && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.2
	done
	if [ -e $WLOG ]; then pass watch-log-reopened-on-sighup; else fail watch-log-reopened-on-sighup "no new $WLOG after SIGHUP"; fi

	echo 1 >/sys/bus/mdev/devices/$S/remove
	i=0
	while :; do
		case $(snap_state $S) in absent | gone) break ;; esac
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.2
	done
	case $(snap_state $S) in
	absent | gone) pass watch-removed-device-gone ;;
	*) fail watch-removed-device-gone "last snapshot still shows $S as $(snap_state $S)" ;;
	esac
	kill -TERM $MT # a background job of sh has SIGINT ignored (POSIX), which migtop keeps
	wait $MT
	rc=$?
	if [ $rc -eq 0 ]; then pass watch-sigterm-exit-0; else fail watch-sigterm-exit-0 "migtop exited $rc: $(head -c 200 $W/watch.err)"; fi
	echo "watch: $(wc -l <$SNAP) snapshots, $(cat $WLOG.1 $WLOG | wc -l) log lines"

	# What the snapshots showed.
	first=$(grep '}$' $SNAP | head -n 1 >$W/first.jsonl && snap_state $S $W/first.jsonl)
	if [ "$first" = absent ] && [ "$(snap_state $G $W/first.jsonl)" = absent ]; then pass watch-new-devices-not-in-first-snapshot; else fail watch-new-devices-not-in-first-snapshot "first snapshot shows $S as $first"; fi
	if grep -q "\"time\":\"" $SNAP; then pass watch-snapshots-have-time; else fail watch-snapshots-have-time "no \"time\" key: $(head -c 200 $SNAP)"; fi
	sq=$(seen_seq $S) dq=$(seen_seq $G)
	echo "watch: source seen as: $sq"
	echo "watch: destination seen as: $dq"
	expect_seq watch-source-states-seen "$sq" "RUNNING PRE_COPY (PRE_COPY_P2P )?STOP_COPY STOP (absent|gone)"
	expect_seq watch-destination-states-seen "$dq" "RUNNING RESUMING STOP RUNNING"

	# What the log says, both files together (the device stays in the log after removal).
	ls=$(log_seq $S $WLOG.1 $WLOG) ld=$(log_seq $G $WLOG.1 $WLOG)
	echo "watch: log, source: $ls"
	echo "watch: log, destination: $ld"
	expect_seq watch-log-source-sequence "$ls" "RUNNING PRE_COPY (PRE_COPY_P2P )?STOP_COPY STOP"
	expect_seq watch-log-destination-sequence "$ld" "RESUMING STOP (RUNNING_P2P )?RUNNING"
	expect_arc watch-log-running-precopy-direct $S RUNNING PRE_COPY direct $WLOG.1
	expect_arc watch-log-precopy-stopcopy-via-p2p $S PRE_COPY STOP_COPY "combination PRE_COPY_P2P" $WLOG.1
	expect_arc watch-log-stopcopy-stop-direct $S STOP_COPY STOP direct $WLOG.1
	expect_arc watch-log-resuming-stop-direct $G RESUMING STOP direct $WLOG.1
	expect_arc watch-log-stop-running-combination $G STOP RUNNING combination $WLOG.1
	# one line per change the snapshots saw, each with a known classification
	nseen=$(echo "$sq" | tr ' ' '\n' | grep -cE '^[A-Z_]+$')
	nlog=$(log_arcs $S $WLOG.1 $WLOG | wc -l)
	nbad=$(log_arcs $S $WLOG.1 $WLOG | grep -cvE '^[A-Z_]+ [A-Z_]+ (direct|combination|to_error|reset|impossible)( |$)')
	if [ "$nlog" -ge $((nseen - 1)) ] && [ "$nseen" -ge 4 ] && [ "$nbad" -eq 0 ]; then
		pass watch-log-line-per-change
	else
		fail watch-log-line-per-change "$nlog classified lines ($nbad unclassified) for $nseen states seen"
	fi
	for u in source destination; do
		if [ $u = source ]; then uu=$S; else uu=$G; fi
		if grep "$uu" $WLOG.1 | grep -qiE 'added|appeared'; then
			pass watch-log-$u-added
		else
			fail watch-log-$u-added "no line saying $uu was added in $WLOG.1"
		fi
	done
	if grep "$S" $WLOG | grep -qiE 'removed|gone|vanish'; then pass watch-log-removed-after-sighup; else fail watch-log-removed-after-sighup "$WLOG: $(head -c 300 $WLOG)"; fi
	if grep "$G" $WLOG | grep -qiE 'removed|gone|vanish'; then fail watch-log-destination-not-removed "$(grep "$G" $WLOG | head -n 1)"; else pass watch-log-destination-not-removed; fi
	echo "watch: log excerpt:"
	grep -E "$S|$G" $WLOG.1 $WLOG | grep -v '"event":"file"\| file ' | head -n 20 | cut -c1-200

	# --deadline: a dev_data read held up by the driver is reported blocked, not waited for.
	echo 3000 >$F/$B/dev_data_delay_ms
	start_paused $W/dl2.log --set-reg 0x00c=0 state $B RUNNING
	if wait_step $W/dl2.log RUNNING; then
		$T --once --json --deadline 300 --root $V >$W/dl.json 2>$W/dl.err
		obj=$(tr -d ' \n' <$W/dl.json | sed 's/{"name":"/\n&/g' | grep "^{\"name\":\"$B\"")
		if echo "$obj" | grep -q '"dev_data":{"status":"blocked"'; then
			pass watch-deadline-dev_data-blocked
		else
			fail watch-deadline-dev_data-blocked "$(echo "$obj" | grep -o '"dev_data":{[^}]*' | head -c 200) $(head -c 200 $W/dl.err)"
		fi
	else
		fail watch-deadline-open "$(tail -n 2 $W/dl2.log | tr '\n' ' ')"
	fi
	end_paused
	echo 0 >$F/$B/dev_data_delay_ms
	echo 1 >/sys/bus/mdev/devices/$G/remove
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
	# Any kernel splat is a failure: warnings, bugs, KASAN, lockdep, RCU, kmemleak.
	if [ -w $DBG/kmemleak ]; then
		echo scan >$DBG/kmemleak
		sleep 1
		echo scan >$DBG/kmemleak
		cat $DBG/kmemleak >$W/kmemleak.txt
		if [ -s $W/kmemleak.txt ]; then
			fail kmemleak-clean "$(grep -c 'unreferenced object' $W/kmemleak.txt) leaks: $(head -n 12 $W/kmemleak.txt | tr '\n' ' ')"
		else
			pass kmemleak-clean
		fi
	else
		skip kmemleak-clean "no $DBG/kmemleak (kernel without CONFIG_DEBUG_KMEMLEAK)"
	fi
	if dmesg | grep -E "Oops|WARNING|BUG|KASAN|possible circular|suspicious RCU|Call Trace|general protection" >$W/bad.txt; then
		fail dmesg-clean "$(head -n 3 $W/bad.txt | tr '\n' ' ')"
		dmesg | tail -n 60
	else
		pass dmesg-clean
	fi
}

# --- the demo (make demo): the interactive console while devices migrate ---------------
DEMO_LOG=$W/demo.log
STEP_S=2 # seconds each migration step is held: every state stays on screen a while
# demo_mig ARGS...: a migtop-migrate run that advances one --pause step every STEP_S
demo_mig() {
	(while sleep $STEP_S; do echo || break; done) |
		$M --pause --precopy 1 --set-reg 0x00c=0 "$@" >>$DEMO_LOG 2>&1
	echo "exit $?" >>$DEMO_LOG
}
say() { echo "demo: $*" >>$DEMO_LOG; }
# The background loop: A <-> B migrations, and each round one fault, then a recovery.
demo_loop() {
	i=0
	while :; do
		i=$((i + 1))
		say "round $i: migrate A -> B"
		demo_mig --set-reg 0x044=$i migrate $A $B
		case $((i % 5)) in
		1)
			say "fault: stall_save_ms=4000 on B: a slow STOP_COPY"
			echo 4000 >$F/$B/stall_save_ms
			demo_mig migrate $B $A
			echo 0 >$F/$B/stall_save_ms
			;;
		2)
			say "fault: qp mismatch: B (16 queue pairs) -> C (8): C rejects the stream"
			demo_mig migrate $B $C
			say "recover: B -> A"
			demo_mig migrate $B $A
			;;
		3)
			say "fault: corrupt_next=magic on B: A rejects the stream's match data (EFAULT)"
			echo magic >$F/$B/corrupt_next
			demo_mig migrate $B $A
			say "recover: B -> A"
			demo_mig migrate $B $A
			;;
		4)
			say "fault: cmd_fail on B: cmd_state EINVAL, dev_data and saving fail EBUSY"
			echo 1 >$F/$B/cmd_fail
			(sleep $((STEP_S * 3)) && echo) | $M --pause state $B RUNNING >>$DEMO_LOG 2>&1
			demo_mig migrate $B $A
			echo 0 >$F/$B/cmd_fail
			say "recover: B -> A"
			demo_mig migrate $B $A
			;;
		0)
			say "fault: guest_stop on B: the guest's driver stops, dev_data times out, 40-byte stream"
			echo 1 >$F/$B/guest_stop
			demo_mig migrate $B $A
			echo 0 >$F/$B/guest_stop
			sleep $((STEP_S * 2))
			say "recover: B -> A"
			demo_mig migrate $B $A
			;;
		esac
	done
}
# demo_once_loop: the fallback without the interactive console: --once every 2 s
demo_once_loop() {
	while :; do
		clear
		echo "migtop demo (--once every 2 s): q quits + powers off, Ctrl-A X kills QEMU"
		if [ -x $T ]; then
			# the full report when it fits, else one line per file for every device
			$T --once --root $V >$W/once.txt 2>&1
			if [ "$(wc -l <$W/once.txt)" -gt $((${MIGTOP_ROWS:-24} - 3)) ]; then
				grep -E '^device|state:|hisi_acc/|migrate data length' $W/once.txt | cut -c1-"${MIGTOP_COLS:-80}"
			else
				cat $W/once.txt
			fi
		else
			for u in $A $B $C; do echo "$u $($M cat $V/$u/migration/state)"; done
		fi
		key=
		# shellcheck disable=SC3045 # busybox ash has read -t -n
		read -r -t 2 -n 1 key 2>/dev/null
		[ "$key" = q ] && break
	done
}
demo() {
	modprobe migtop_acc 2>/dev/null || insmod "/lib/modules/$(uname -r)/extra/migtop_acc.ko" 2>/dev/null
	stty rows "${MIGTOP_ROWS:-24}" cols "${MIGTOP_COLS:-80}" 2>/dev/null
	if [ ! -d $P ]; then
		echo "migtop_acc is not available in this VM. Press Ctrl-A X to quit."
		sleep 3600
	fi
	# TERM: the host's when its terminfo entry came along, else xterm-256color, vt100
	for t in "${MIGTOP_TERM:-}" xterm-256color vt100; do
		[ -n "$t" ] || continue
		first=$(echo "$t" | cut -c1)
		if [ -e "/usr/share/terminfo/$first/$t" ]; then
			export TERM="$t" TERMINFO=/usr/share/terminfo
			break
		fi
	done
	A=$(uuid) B=$(uuid) C=$(uuid)
	echo "$A" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$B" >$P/mdev_supported_types/migtop_acc-q16/create
	echo "$C" >$P/mdev_supported_types/migtop_acc-q8/create
	say "A=$A B=$B (16 queue pairs) C=$C (8)"
	demo_loop </dev/null >/dev/null 2>&1 &
	clear
	echo
	echo "  migtop demo (TERM=$TERM, ${MIGTOP_COLS:-80}x${MIGTOP_ROWS:-24})"
	echo
	echo "  Devices A=${A%%-*} and B=${B%%-*} (16 queue pairs) migrate back and forth, each"
	echo "  step held $STEP_S s; each round injects one fault, then recovers: a slow STOP_COPY,"
	echo "  a qp mismatch (B -> C=${C%%-*}, 8 queue pairs), a corrupted stream, a failing"
	echo "  mailbox, a guest driver that stops."
	echo
	echo "  Keys: ? help, Enter detail, s/d mark source/destination, c compare, x hex."
	echo "  QUIT: q quits migtop and powers the VM off; Ctrl-A then X kills QEMU."
	echo
	sleep 4
	rc=1
	if [ -x $T ] && $T --help 2>&1 | grep -q 'interactive console'; then
		t0=$(cut -d. -f1 /proc/uptime)
		$T --root $V -d 500 --label "demo VM - q: quit + power off"
		rc=$?
		# an early failure (no terminal, no curses): fall back to the batch loop
		if [ $rc -ne 0 ] && [ $(($(cut -d. -f1 /proc/uptime) - t0)) -lt 3 ]; then
			echo "migtop exited $rc: falling back to 'migtop --once' every 2 s"
			sleep 2
		else
			rc=0
		fi
	fi
	[ $rc -eq 0 ] || demo_once_loop
	clear
	echo "demo: migtop quit; powering the VM off"
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
	# kmemleak (a debug kernel): forget what boot left, so the final scan reports this run
	if [ -w $DBG/kmemleak ]; then
		echo scan >$DBG/kmemleak
		echo clear >$DBG/kmemleak
	fi
	# vfio/ before the driver is loaded: the vfio core has its own debugfs tree
	CORE=0
	[ -d $V ] && CORE=1
	echo "debugfs tree: $([ $CORE = 1 ] && echo 'the vfio core (CONFIG_VFIO_DEBUGFS)' || echo 'made by the driver')"
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
		p2p_checks
		fuzz_checks
		loop_checks
		watch_checks
		remove_checks
		sh /compare.sh # the compare's failure scenarios, asserted on migtop's JSON (issue 9)
	fi
	final_checks
	;;
esac
echo "E2E-DONE"
