#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The VM end-to-end test (`make e2e`) and demo (`make demo`): boots Debian's packaged 6.12
# kernel in QEMU (TCG) with an initramfs holding the vfio modules, the bundled driver and
# the migtop binaries, runs tests/vm/scenario.sh inside and reads its PASS/FAIL markers
# from the serial console.
#   tests/vm/run.sh [--demo | --smoke] [--kvm] [--keep] [--debug-kernel]
# --debug-kernel (or MIGTOP_KERNEL=debug): boot the self-built KASAN/lockdep/kmemleak kernel
#   with the vfio core's own debugfs (tests/vm/debug-kernel.sh) and fail on any splat.
# Environment: MIGTOP, MIGRATE (built binaries; set by make), E2E_TIMEOUT (seconds, 420;
#   1800 on the debug kernel), MIGTOP_CACHE / MIGTOP_KVER (see fetch-kernel.sh),
#   MIGTOP_ACCEL (tcg|kvm), B (build dir).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=e2e accel=${MIGTOP_ACCEL:-tcg} keep=0 debug=0
[[ ${MIGTOP_KERNEL:-} == debug ]] && debug=1
for a in "$@"; do
	case $a in
	--demo) mode=demo ;;
	--smoke) mode=smoke ;;
	--kvm) accel=kvm ;;
	--keep) keep=1 ;;
	--debug-kernel) debug=1 ;;
	-h | --help)
		sed -n '2,13p' "$0"
		exit 0
		;;
	*)
		echo "run.sh: unknown option $a" >&2
		exit 64
		;;
	esac
done
# Before fetching and building anything (make demo checks this too).
if [[ $mode == demo ]] && ! [[ -t 0 && -t 1 ]]; then
	echo "demo: error: the demo needs a terminal (stdin and stdout)" >&2
	exit 1
fi
timeout_s=${E2E_TIMEOUT:-420} tag='' mem=512
if [[ $debug -eq 1 ]]; then
	# KASAN + lockdep + kmemleak under TCG: 21-30 s to /init, 941 s for the suite (measured).
	timeout_s=${E2E_TIMEOUT:-1800} tag=-debug mem=1024
fi
build=${B:-$top/build}
[[ $build == /* ]] || build=$top/$build
vmdir=$build/vm
mkdir -p "$vmdir"

die() {
	echo "$mode: error: $*" >&2
	[[ $mode == demo ]] || echo "$mode: 0 passed, 1 failed"
	exit 1
}
need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found: apt-get install --no-install-recommends $2"
}
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need busybox busybox-static
need depmod kmod
need timeout coreutils

# 1. The kernel image, its modules and matching headers (cached, no install).
if [[ $debug -eq 1 ]]; then
	fetch_out=$("$here/debug-kernel.sh") || die "could not build the debug kernel (see above)"
else
	fetch_out=$("$here/fetch-kernel.sh") || die "could not fetch Debian's 6.12 kernel (see above)"
fi
eval "$fetch_out"
[[ -f $VMLINUZ && -d $MODDIR ]] || die "kernel cache incomplete: $VMLINUZ / $MODDIR"
echo "$mode: kernel $KVER"

# 2. The bundled driver, built against those headers in a copy of kernel/ under the build
#    directory (the source tree stays clean).
module=
if [[ -f $top/kernel/Makefile ]] && ls "$top"/kernel/*.c >/dev/null 2>&1; then
	need "x86_64-linux-gnu-gcc-12" gcc-12
	kmod=$vmdir/kmod$tag
	rm -rf "$kmod"
	mkdir -p "$kmod"
	tar -C "$top/kernel" --exclude=./tools --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
		--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order -cf - . |
		tar -C "$kmod" -xf - || die "cannot copy kernel/ to $kmod"
	echo "$mode: building kernel/ against $KDIR"
	if ! PATH=$PAHOLE_DIR:$PATH make -s -C "$kmod" KDIR="$KDIR" >"$vmdir/kbuild$tag.log" 2>&1; then
		cat "$vmdir/kbuild$tag.log" >&2
		die "the module does not build (log above, $vmdir/kbuild$tag.log)"
	fi
	module=$kmod/migtop_acc.ko
	[[ -f $module ]] || die "make -C kernel succeeded but no migtop_acc.ko was built"
	modver=$(modinfo -F vermagic "$module" | cut -d' ' -f1)
	[[ $modver == "$KVER" ]] || die "migtop_acc.ko is built for $modver, not $KVER"
else
	echo "$mode: no kernel/Makefile yet: booting with the stock vfio modules only"
fi

# 3. The initramfs (with the host terminal's terminfo entry for the demo).
term=${TERM:-xterm-256color}
[[ $term =~ ^[[:alnum:]][[:alnum:]._+-]*$ ]] || term=xterm-256color
initrd=$vmdir/initramfs$tag.cpio.gz
extra_mods=
[[ $debug -eq 1 ]] && extra_mods=mtty # what the vfio core alone creates, for comparison
MIGRATE=${MIGRATE:-$build/migtop-migrate} MIGTOP=${MIGTOP:-$top/tui/migtop} MIGTOP_TERM=$term \
	MIGTOP_EXTRA_MODS=$extra_mods "$here/mkinitramfs.sh" "$initrd" "$KVER" "$MODDIR" ${module:+"$module"} || die "mkinitramfs failed"

# 4. Boot.
qemu=(qemu-system-x86_64 -accel "$accel" -m "$mem" -smp 1 -nographic -no-reboot
	-kernel "$VMLINUZ" -initrd "$initrd")
append="console=ttyS0 panic=-1 quiet migtop.mode=$mode"
# A large log buffer: the guest's /dev/kmsg reader must never be overtaken.
[[ $debug -eq 1 ]] && append="$append migtop.debug=1 log_buf_len=16M"
if [[ $mode == demo ]]; then
	[[ -t 0 && -t 1 ]] || die "the demo needs a terminal"
	size=$(stty size 2>/dev/null || echo "24 80")
	rows=${size% *} cols=${size#* }
	[[ $rows =~ ^[0-9]+$ && $rows -ge 10 ]] || rows=24
	[[ $cols =~ ^[0-9]+$ && $cols -ge 40 ]] || cols=80
	echo
	echo "  migtop demo: the VM boots in a few seconds, then runs the migtop console"
	echo "  (${cols}x$rows, TERM=$term) while devices migrate in the background with a"
	echo "  fault now and then."
	echo "  QUIT: q quits migtop and powers the VM off; Ctrl-A then X kills QEMU."
	echo
	sleep 2
	"${qemu[@]}" -append "$append migtop.rows=$rows migtop.cols=$cols migtop.term=$term"
	qrc=$?
	# Ctrl-A X may leave the guest's full-screen mode on: leave it, show the cursor.
	tput rmcup 2>/dev/null || printf '\033[?1049l'
	tput sgr0 2>/dev/null
	tput cnorm 2>/dev/null || printf '\033[?25h'
	stty sane 2>/dev/null
	echo "demo: QEMU exited ($qrc)"
	exit 0
fi

log=$vmdir/$mode$tag-serial.log
echo "$mode: booting (timeout ${timeout_s}s, log $log)"
start=$(date +%s)
timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" -append "$append" </dev/null 2>&1 |
	tr -d '\r' | tee "$log" | "$here/strip-esc.sh" | grep --line-buffered -av 'RECB64 '
qrc=${PIPESTATUS[0]}
echo "$mode: VM ran $(($(date +%s) - start)) s, qemu exit $qrc"
# Recordings the scenario printed (compare.sh export_rec: "RECB64 NAME BASE64"): kept as
# $vmdir/NAME.rec (tests/fixtures/recordings/ holds one taken from here).
grep -aoE 'RECB64 [a-z0-9-]+ [A-Za-z0-9+/=]+' "$log" | while read -r _ name data; do
	printf '%s' "$data" | base64 -d >"$vmdir/$name.rec" && echo "$mode: recording $vmdir/$name.rec ($(stat -c %s "$vmdir/$name.rec") bytes)"
done

# 5. Markers.  They may share a line with firmware escapes: match them as substrings.
#    The debug kernel's log dump (KMSG/KMEMLEAK lines) is not scenario output.
rlog=$vmdir/$mode$tag-results.log
grep -avE '^(KMSG|KMEMLEAK) ' "$log" >"$rlog"
pass=$(grep -acE '(^|[^[:alnum:]_])PASS [[:alnum:]_./:=-]+' "$rlog")
fail=$(grep -acE '(^|[^[:alnum:]_])FAIL [[:alnum:]_./:=-]+' "$rlog")
skip=$(grep -acE '(^|[^[:alnum:]_])SKIP [[:alnum:]_./:=-]+' "$rlog")
if [[ $qrc -eq 124 || $qrc -eq 137 ]]; then
	echo "FAIL vm-timeout: the VM did not finish within ${timeout_s}s"
	fail=$((fail + 1))
elif ! grep -aq 'MIGTOP-VM-END' "$log"; then
	echo "FAIL vm-finished: no end marker (kernel panic or scenario crash?), qemu exit $qrc"
	fail=$((fail + 1))
fi
if grep -aq 'MIGTOP-VM-BOOTED' "$log" && [[ $pass -eq 0 && $fail -eq 0 ]]; then
	echo "FAIL vm-markers: the scenario printed no result"
	fail=$((fail + 1))
fi
if grep -aqE '(^|[^[:alnum:]_])FAIL [[:alnum:]_./:=-]+' "$rlog"; then
	echo "failed checks:"
	grep -aoE '(^|[^[:alnum:]_])FAIL .*' "$rlog" | sed 's/^[^F]*/  /'
fi
if [[ $debug -eq 1 ]]; then # any splat, leak or lockdep switch-off fails the run
	"$here/splat-scan.sh" "$log" "$vmdir/$mode-debug-splats.txt" | tee "$vmdir/splat-scan.out"
	pass=$((pass + $(grep -c '^PASS ' "$vmdir/splat-scan.out")))
	fail=$((fail + $(grep -c '^FAIL ' "$vmdir/splat-scan.out")))
fi
[[ $keep -eq 1 ]] || rm -f "$initrd"
echo "$mode: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
