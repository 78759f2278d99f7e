#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In the VM (busybox sh): on a kernel whose vfio core has its own debugfs
# (CONFIG_VFIO_DEBUGFS=y, the debug kernel of `make e2e-debug`), the core creates
# vfio/<dev>/migration/state and the bundled driver must add only hisi_acc/ under it.
#   sh /check-core-debugfs.sh [UUID]
# UUID: an existing migtop_acc device; without it the script creates (and removes) one of
# the first type, loading migtop_acc if needed.  An mtty sample device (a driver that adds
# nothing) shows what the core alone creates.  Prints "PASS name" / "FAIL name: why" /
# "SKIP name: why" like scenario.sh; everything SKIPs when the core made no vfio tree.
D=/sys/kernel/debug
V=$D/vfio
P=/sys/class/mdev_bus/migtop_acc
MT=/sys/class/mdev_bus/mtty

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }
uuid() { cat /proc/sys/kernel/random/uuid; }
# names DIR: the entries of DIR, sorted, on one line
names() { ls -1 "$1" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }
mode_of() { stat -c %a "$1" 2>/dev/null; }
first_type() { for t in "$1"/mdev_supported_types/*; do [ -d "$t" ] && echo "$t" && return; done; }

# 1. What the core alone creates: an mtty instance.
[ -d $MT ] || modprobe mtty 2>/dev/null
mt=$(first_type $MT)
if [ -z "$mt" ]; then
	skip core-debugfs "no mtty sample module (only the debug kernel ships it)"
	exit 0
fi
mu=$(uuid)
if ! echo "$mu" >"$mt/create" 2>/tmp/cdf.err; then
	fail core-debugfs-mtty "cannot create an mtty device: $(cat /tmp/cdf.err)"
	exit 0
fi
if [ ! -e "$V/$mu"/migration/state ]; then
	skip core-debugfs "the vfio core created no $V/<dev>/migration/state (no CONFIG_VFIO_DEBUGFS): $(names "$V/$mu")"
	echo 1 >"/sys/bus/mdev/devices/$mu/remove"
	exit 0
fi
core_layout=$(names "$V/$mu"/migration)
core_mode=$(mode_of "$V/$mu"/migration/state)
if [ "$core_layout" = state ] && [ "$(cat "$V/$mu"/migration/state)" = RUNNING ]; then
	pass core-debugfs-mtty
else
	fail core-debugfs-mtty "the core's tree of an mtty device: migration/ holds '$core_layout', state '$(cat "$V/$mu"/migration/state)'"
fi
echo 1 >"/sys/bus/mdev/devices/$mu/remove"

# 2. The bundled driver's device on the same kernel.
loaded=0 made=0
u=${1:-}
if [ -z "$u" ]; then
	if [ ! -d $P ]; then
		modprobe migtop_acc 2>/tmp/cdf.err || {
			fail core-debugfs-load "modprobe migtop_acc: $(cat /tmp/cdf.err)"
			exit 0
		}
		loaded=1
	fi
	t=$(first_type $P)
	u=$(uuid)
	if ! echo "$u" >"$t/create" 2>/tmp/cdf.err; then
		fail core-debugfs-create "$t/create: $(cat /tmp/cdf.err)"
		exit 0
	fi
	made=1
fi
m=$V/$u/migration
if [ -f "$m/state" ] && [ "$(mode_of "$m/state")" = "$core_mode" ] && [ "$(cat "$m/state")" = RUNNING ]; then
	pass core-debugfs-state
else
	fail core-debugfs-state "$m/state: mode '$(mode_of "$m/state")' (the core's is $core_mode), content '$(cat "$m/state" 2>&1)'"
fi
if [ -e "$m/features" ]; then
	fail core-debugfs-no-features "$m/features exists: the 6.12 core has no features file and the driver must not add one"
else
	pass core-debugfs-no-features
fi
if [ "$(names "$m/hisi_acc")" = "cmd_state dev_data migf_data" ]; then
	pass core-debugfs-hisi_acc
else
	fail core-debugfs-hisi_acc "$m/hisi_acc holds '$(names "$m/hisi_acc")', expected 'cmd_state dev_data migf_data'"
fi
if [ "$(names "$V/$u")" = migration ] && [ "$(names "$m")" = "hisi_acc $core_layout" ]; then
	pass core-debugfs-nothing-else
else
	fail core-debugfs-nothing-else "$V/$u holds '$(names "$V/$u")', migration/ '$(names "$m")': expected 'migration' and 'hisi_acc $core_layout'"
fi
# debugfs logs a name that already exists ("debugfs: File 'state' in directory
# 'migration' already present!") instead of failing the caller.
if dmesg | grep "already present" >/tmp/cdf.dup; then
	fail core-debugfs-no-duplicate "$(head -n 2 /tmp/cdf.dup | tr '\n' ' ')"
else
	pass core-debugfs-no-duplicate
fi

# 3. Removal: the core removes vfio/<dev>/ with everything under it; the driver must not
#    leave (or remove twice) anything.  A double removal shows as a KASAN report.
if [ $made = 1 ]; then
	echo 1 >"/sys/bus/mdev/devices/$u/remove"
	if [ -e "$V/$u" ]; then
		fail core-debugfs-remove "$V/$u still exists after the device was removed: $(names "$V/$u")"
	else
		pass core-debugfs-remove
	fi
fi
if [ $loaded = 1 ]; then
	if rmmod migtop_acc 2>/tmp/cdf.err && [ -d $V ]; then
		pass core-debugfs-rmmod
	else
		fail core-debugfs-rmmod "rmmod migtop_acc: $(cat /tmp/cdf.err); $V after it: $(names $V)"
	fi
fi
rmmod mtty 2>/dev/null
exit 0
