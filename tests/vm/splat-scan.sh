#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Host side of the debug kernel's splat check (make e2e-debug): reads the VM's serial log,
# where tests/vm/splat.sh printed every kernel log line of the run (KMSG lines),
# kmemleak's report after two scans (KMEMLEAK lines) and lockdep's state, and prints
# PASS/FAIL lines (tests/vm/run.sh counts them):
#   tests/vm/splat-scan.sh SERIAL.log OUT.txt
# Any WARNING, BUG, KASAN, lockdep ("possible circular ...") or RCU ("suspicious RCU")
# report, Oops, hung task, bare Call Trace, leaked object, kmemleak error or lockdep having
# switched itself off is a FAIL; the full text of each report goes to OUT.txt.
# Exit status: 0 clean, 1 a FAIL was printed, 64 usage.
set -uo pipefail

[[ $# -eq 2 && -r $1 ]] || {
	echo "usage: splat-scan.sh SERIAL.log OUT.txt (a readable serial log)" >&2
	exit 64
}
log=$1 out=$2
bad=0
header='WARNING:|BUG:|KASAN|possible circular|suspicious RCU|Oops|general protection fault|INFO: task .* blocked|kmemleak: .*(disabled|[Cc]annot)'

sect=$(sed -n '/MIGTOP-SPLAT-BEGIN/,/MIGTOP-SPLAT-END/p' "$log")
if ! grep -q 'MIGTOP-SPLAT-END' <<<"$sect"; then
	echo "FAIL splat-report: the VM printed no kernel log / kmemleak report (no MIGTOP-SPLAT-END in $log)"
	exit 1
fi

# One splat per report header (consecutive header lines are one report); a Call Trace with
# no header in the 60 lines before it (a bare dump_stack) counts as one too.
: >"$out"
n=$(grep -aoE 'KMSG .*' <<<"$sect" | awk -v out="$out" -v hdr="$header" '
	{ line[NR] = $0 }
	$0 ~ hdr {
		if (!n || NR > last + 2) { n++; start[n] = NR }
		last = NR
		next
	}
	/Call Trace/ { if (!n || NR > last + 60) { n++; start[n] = NR - 5 } last = NR }
	END {
		for (i = 1; i <= n; i++) {
			printf "---- splat %d\n", i >> out
			for (j = (start[i] > 1 ? start[i] : 1); j <= NR && j < start[i] + 60; j++)
				print line[j] >> out
		}
		print n + 0
	}')
leaks=$(grep -ac 'KMEMLEAK unreferenced object' <<<"$sect")
if ((leaks)); then
	{
		echo "---- kmemleak: $leaks unreferenced object(s)"
		grep -aoE 'KMEMLEAK .*' <<<"$sect"
	} >>"$out"
fi
locks=$(sed -n 's/.*MIGTOP-DEBUG-LOCKS *\([0-9]*\).*/\1/p' <<<"$sect" | head -n1)

if ((n)); then
	echo "FAIL kernel-splat: $n report(s) in the kernel log (full text in $out):"
	grep -aE "^KMSG .*($header|Call Trace)" "$out" | head -n 10 | sed 's/^KMSG /  /'
	bad=1
else
	echo "PASS kernel-splat-free"
fi
if grep -aq 'MIGTOP-KMEMLEAK-ERROR' <<<"$sect"; then
	echo "FAIL kmemleak: $(grep -aoE 'MIGTOP-KMEMLEAK-ERROR.*' <<<"$sect" | head -n1)"
	bad=1
elif ((leaks)); then
	echo "FAIL kmemleak: $leaks unreferenced object(s) (full text in $out):"
	grep -aoE 'KMEMLEAK .*' <<<"$sect" | head -n 20 | sed 's/^KMEMLEAK /  /'
	bad=1
else
	echo "PASS kmemleak-clean"
fi
if [[ $locks == 1 ]]; then
	echo "PASS lockdep-active"
elif [[ -z $locks ]]; then
	echo "FAIL lockdep-active: no debug_locks in /proc/lockdep_stats (a kernel without lockdep?)"
	bad=1
else
	echo "FAIL lockdep-active: debug_locks is $locks at the end (lockdep switched itself off after a report)"
	bad=1
fi
echo "splat-scan: $n splat(s), $leaks leaked object(s), booted to /init in $(grep -aoE 'MIGTOP-BOOTED-AFTER [0-9.]+' "$log" | cut -d' ' -f2 | head -n1) s, kmemleak scans: $(grep -aoE 'MIGTOP-KMEMLEAK-(BASELINE|SCANNED) [0-9]+ s' "$log" | sed 's/MIGTOP-KMEMLEAK-//' | tr '\n' ' ')"
exit $bad
