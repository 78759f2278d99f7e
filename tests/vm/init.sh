#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the VM test (busybox sh).  Mounts the pseudo file systems, loads the vfio
# modules, then runs /scenario.sh in the mode given on the kernel command line
# (migtop.mode=e2e|demo|smoke, migtop.rows=R migtop.cols=C migtop.term=TERM) and powers off.
# migtop.mode=hosts (make e2e-hosts, tests/vm/hosts.sh): one of two guests: loads the
# driver, creates the mdevs of migtop.mdev=TYPE:UUID,... , names itself migtop.name=,
# configures QEMU's user network (10.0.2.15/24, gateway 10.0.2.2), starts sshd and waits
# for the host's ssh sessions; powers off after migtop.timeout=S seconds (default 900).
/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin:/sbin
export HOME=/root TERM=${TERM:-linux}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

mode=smoke rows=24 cols=80 debug=0 term= name=guest mdevs='' limit=900
for arg in $(cat /proc/cmdline); do
	case $arg in
	migtop.mode=*) mode=${arg#migtop.mode=} ;;
	migtop.rows=*) rows=${arg#migtop.rows=} ;;
	migtop.cols=*) cols=${arg#migtop.cols=} ;;
	migtop.term=*) term=${arg#migtop.term=} ;;
	migtop.debug=*) debug=${arg#migtop.debug=} ;; # the debug kernel (make e2e-debug)
	migtop.name=*) name=${arg#migtop.name=} ;;    # mode=hosts
	migtop.mdev=*) mdevs=${arg#migtop.mdev=} ;;
	migtop.timeout=*) limit=${arg#migtop.timeout=} ;;
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
if [ "$mode" = hosts ]; then
	hostname "$name"
	ok=1
	modprobe migtop_acc 2>/tmp/modprobe.err || { echo "HOSTS-FAIL modprobe migtop_acc: $(cat /tmp/modprobe.err)"; ok=0; }
	for td in $(echo "$mdevs" | tr ',' ' '); do
		t=${td%%:*} u=${td#*:}
		echo "$u" >"/sys/class/mdev_bus/migtop_acc/mdev_supported_types/migtop_acc-$t/create" ||
			{ echo "HOSTS-FAIL mdev $t $u not created"; ok=0; }
	done
	modprobe e1000 2>/tmp/modprobe.err || echo "HOSTS-FAIL modprobe e1000: $(cat /tmp/modprobe.err)"
	ip link set lo up
	i=0
	while ! ip link show eth0 >/dev/null 2>&1 && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! { ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2; }; then
		echo "HOSTS-FAIL network: $(ip addr 2>&1 | tr '\n' ' ')"
		ok=0
	fi
	mkdir -p /run/sshd /var/log /var/empty
	chmod 0755 /run/sshd
	/usr/sbin/sshd -E /tmp/sshd.log || { echo "HOSTS-FAIL sshd: $(cat /tmp/sshd.log)"; ok=0; }
	echo "MIGTOP-HOSTS-READY $name ok=$ok $(ls /sys/bus/mdev/devices | tr '\n' ' ')"
	# the host's test powers the guest off (poweroff -f over ssh) or kills QEMU
	sleep "$limit"
	echo "MIGTOP-HOSTS-TIMEOUT $name after $limit s"
elif [ "$mode" = demo ]; then
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
