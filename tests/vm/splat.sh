#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The debug kernel's self-checks around the scenario (busybox sh, run by /init when the
# kernel command line has migtop.debug=1, i.e. `make e2e-debug`):
#   sh /splat.sh start   record every kernel log line from here on (a /dev/kmsg reader:
#                        the scenario's `dmesg -c` cannot hide a splat from it) and mark
#                        the boot's own kmemleak reports as seen
#   sh /splat.sh end     two kmemleak scans (an object is reported on its second scan and
#                        only when older than 5 s), then print the kmemleak report, the
#                        lockdep state and every recorded kernel log line between markers
# The host (tests/vm/run.sh) scans what this prints and fails on any splat.
KL=/sys/kernel/debug/kmemleak
LOG=/tmp/splat-kmsg.log

kmemleak_scan() {
	echo scan >$KL 2>/tmp/splat.err || echo "MIGTOP-KMEMLEAK-ERROR scan: $(cat /tmp/splat.err)"
}

case ${1:-} in
start)
	echo "MIGTOP-BOOTED-AFTER $(cut -d' ' -f1 /proc/uptime) s"
	# /dev/kmsg from its first record: boot messages included, so a boot splat counts too.
	cat /dev/kmsg >$LOG 2>&1 &
	echo $! >/tmp/splat-kmsg.pid
	if [ -w $KL ]; then
		t0=$(date +%s)
		kmemleak_scan
		kmemleak_scan
		echo clear >$KL
		echo "MIGTOP-KMEMLEAK-BASELINE $(($(date +%s) - t0)) s"
	else
		echo "MIGTOP-KMEMLEAK-ERROR $KL is missing or not writable (kmemleak disabled?)"
	fi
	;;
end)
	echo "MIGTOP-SPLAT-BEGIN"
	if [ -w $KL ]; then
		t0=$(date +%s)
		kmemleak_scan
		sleep 6
		kmemleak_scan
		echo "MIGTOP-KMEMLEAK-SCANNED $(($(date +%s) - t0)) s"
		sed 's/^/KMEMLEAK /' $KL
	else
		echo "MIGTOP-KMEMLEAK-ERROR $KL is missing or not writable (kmemleak disabled?)"
	fi
	# 1 while lockdep still runs: it switches itself off after its first report.
	echo "MIGTOP-DEBUG-LOCKS $(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats 2>/dev/null)"
	sleep 1
	kill "$(cat /tmp/splat-kmsg.pid 2>/dev/null)" 2>/dev/null
	# "prio,seq,usec,flags;text" plus " KEY=value" continuation lines: the text only.
	sed -n 's/^[0-9]*,[0-9]*,\([0-9]*\),[^;]*;/KMSG [\1] /p' $LOG
	echo "MIGTOP-SPLAT-END"
	;;
*)
	echo "usage: splat.sh start|end" >&2
	exit 64
	;;
esac
