#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the VM test (busybox sh).  Mounts the pseudo file systems, loads the vfio
# modules, then runs /scenario.sh in the mode given on the kernel command line
# (migtop.mode=e2e|demo|smoke, migtop.rows=R migtop.cols=C migtop.term=TERM) and powers off.
/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin:/sbin
export HOME=/root TERM=${TERM:-linux}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

mode=smoke rows=24 cols=80 debug=0 term=
for arg in $(cat /proc/cmdline); do
	case $arg in
	migtop.mode=*) mode=${arg#migtop.mode=} ;;
	migtop.rows=*) rows=${arg#migtop.rows=} ;;
	migtop.cols=*) cols=${arg#migtop.cols=} ;;
	migtop.term=*) term=${arg#migtop.term=} ;;
	migtop.debug=*) debug=${arg#migtop.debug=} ;; # the debug kernel (make e2e-debug)
	esac
done
export MIGTOP_MODE=$mode MIGTOP_ROWS=$rows MIGTOP_COLS=$cols MIGTOP_TERM=$term MIGTOP_DEBUG=$debug

echo "MIGTOP-VM-BOOTED $(uname -r) mode=$mode"
dmesg -n 1 # keep driver messages off the console: the scenario reads dmesg
for m in vfio vfio_iommu_type1 mdev; do
	grep -q "/$m.ko" /lib/modules/"$(uname -r)"/modules.builtin 2>/dev/null && continue # built in
	modprobe "$m" 2>/tmp/modprobe.err || { echo "modprobe $m failed:"; cat /tmp/modprobe.err; }
done

[ "$debug" = 1 ] && sh /splat.sh start
if [ "$mode" = demo ]; then
	stty rows "$rows" cols "$cols" 2>/dev/null
	setsid cttyhack sh /scenario.sh demo
else
	sh /scenario.sh "$mode" 2>&1
fi
if [ "$debug" = 1 ]; then
	sh /check-core-debugfs.sh 2>&1
	sh /splat.sh end
fi
echo "MIGTOP-VM-END"
sync
poweroff -f
