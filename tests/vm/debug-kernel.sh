#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build (once) and cache a debug kernel from Debian's linux-source-6.12: defconfig plus
# CONFIG_VFIO=y with the vfio core's own debugfs (VFIO_DEBUGFS), mdev and the mtty sample
# as modules, KASAN, lockdep (PROVE_LOCKING) and kmemleak.  `make e2e-debug` boots it.
# Prints the same shell assignments as fetch-kernel.sh, for eval:
#   eval "$(tests/vm/debug-kernel.sh)"
#   -> KVER KDIR VMLINUZ MODDIR PAHOLE_DIR   (KDIR is the kept build tree: make -C KDIR M=DIR)
#   tests/vm/debug-kernel.sh --check   exit 0 if a complete build is cached, 1 if not
#                                      (nothing is built, nothing is installed)
#   tests/vm/debug-kernel.sh --print-config   the config fragment
# Environment: MIGTOP_CACHE (default /var/cache/migtop as root, else ~/.cache/migtop),
#   MIGTOP_DEBUG_JOBS (make -j, default 2), MIGTOP_KSRC (source tarball, default
#   /usr/src/linux-source-6.12.tar.xz of the Debian package linux-source-6.12).
# The cache entry is keyed by a hash of the config fragment and the source package's
# version; a complete entry is reused, an interrupted build resumes where it stopped.
# Cold: 53 min measured on 2 shared, busy cores (nice -n 10).  Log: <entry>/build.log.
set -euo pipefail

log() { echo "debug-kernel: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

mode=build
case ${1:-} in
--check) mode=check ;;
--print-config) mode=print ;;
-h | --help)
	sed -n '3,17p' "$0"
	exit 0
	;;
'') ;;
*) die "unknown option $1 (--check, --print-config, --help)" ;;
esac

# The fragment applied with scripts/config on top of x86_64 defconfig.  Changing a line
# changes the cache key.  Besides what the test needs, large subsystems a QEMU guest
# without graphics, sound, USB or Wi-Fi never uses are turned off to shorten the build.
fragment() {
	cat <<'EOF'
--enable DEBUG_FS
--enable DEBUG_KERNEL
--enable VFIO
--enable VFIO_GROUP
--enable VFIO_CONTAINER
--enable VFIO_IOMMU_TYPE1
--enable VFIO_DEBUGFS
--disable VFIO_NOIOMMU
--module VFIO_MDEV
--enable SAMPLES
--module SAMPLE_VFIO_MDEV_MTTY
--enable DEVTMPFS
--enable DEVTMPFS_MOUNT
--enable BLK_DEV_INITRD
--enable RD_GZIP
--enable TMPFS
--enable SERIAL_8250
--enable SERIAL_8250_CONSOLE
--enable PRINTK
--enable MODULES
--enable MODULE_UNLOAD
--disable MODULE_SIG
--disable DEBUG_INFO
--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
--disable DEBUG_INFO_DWARF4
--disable DEBUG_INFO_DWARF5
--disable DEBUG_INFO_BTF
--enable DEBUG_INFO_NONE
--enable KASAN
--enable KASAN_GENERIC
--enable KASAN_INLINE
--enable PROVE_LOCKING
--enable PROVE_RCU
--enable DEBUG_ATOMIC_SLEEP
--enable DEBUG_LIST
--enable DEBUG_KMEMLEAK
--disable DEBUG_KMEMLEAK_DEFAULT_OFF
--disable DEBUG_KMEMLEAK_AUTO_SCAN
--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 64000
--set-str LOCALVERSION -migtop-debug
--disable LOCALVERSION_AUTO
--disable WERROR
--disable DRM
--disable SOUND
--disable USB_SUPPORT
--disable WLAN
--disable WIRELESS
--disable CFG80211
--disable MAC80211
--disable BT
--disable HID
--disable INPUT_JOYSTICK
--disable INPUT_TABLET
--disable INPUT_TOUCHSCREEN
--disable AGP
--disable FB
--disable NETFILTER
--disable IPV6
--disable NETWORK_FILESYSTEMS
--disable ETHERNET
--disable SECURITY_SELINUX
--disable AUDIT
--disable MEDIA_SUPPORT
EOF
}
# Options that must hold in the final .config (olddefconfig may drop what a dependency
# forbids): the build fails rather than caching a kernel that tests less than it claims.
required=(CONFIG_VFIO=y CONFIG_VFIO_GROUP=y CONFIG_VFIO_CONTAINER=y CONFIG_VFIO_IOMMU_TYPE1=y
	CONFIG_VFIO_DEBUGFS=y CONFIG_VFIO_MDEV=m CONFIG_SAMPLE_VFIO_MDEV_MTTY=m CONFIG_DEBUG_FS=y
	CONFIG_DEVTMPFS=y CONFIG_BLK_DEV_INITRD=y CONFIG_KASAN=y CONFIG_PROVE_LOCKING=y
	CONFIG_DEBUG_KMEMLEAK=y CONFIG_SERIAL_8250_CONSOLE=y CONFIG_DEBUG_INFO_NONE=y)
# Bump when the build recipe below changes in a way that changes the result.
recipe=1

if [[ $mode == print ]]; then
	fragment
	exit 0
fi

if [[ -n ${MIGTOP_CACHE:-} ]]; then
	cache=$MIGTOP_CACHE
elif [[ $(id -u) -eq 0 ]]; then
	cache=/var/cache/migtop
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/migtop
fi
src_pkg=linux-source-6.12
tarball=${MIGTOP_KSRC:-/usr/src/$src_pkg.tar.xz}
srcver=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null || true)

emit() {
	local dir=$1 kver
	kver=$(cat "$dir/kver")
	echo "KVER=$kver"
	echo "KDIR=$dir/linux"
	echo "VMLINUZ=$dir/root/boot/vmlinuz-$kver"
	echo "MODDIR=$dir/root/lib/modules/$kver"
	echo "PAHOLE_DIR=$dir/pahole-bin"
}

key_of() { # $1: source version
	{
		fragment
		echo "source $1 recipe $recipe"
	} | sha256sum | cut -c1-12
}

# --check: only look, never build or install (make check uses it to decide).
if [[ $mode == check ]]; then
	[[ -n $srcver ]] || exit 1
	[[ -e $cache/debug-kernel/$srcver-$(key_of "$srcver")/.complete ]]
	exit
fi

# Host packages the kernel build needs; installed here when root.
need_pkgs=(make gcc flex bison libelf-dev dwarves bc libssl-dev xz-utils kmod cpio "$src_pkg")
missing=()
for p in "${need_pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	[[ $(id -u) -eq 0 ]] ||
		die "missing packages: ${missing[*]} (as root: apt-get install --no-install-recommends ${missing[*]})"
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
		log "apt-get install failed; running apt-get update and retrying"
		apt-get update -qq >&2 || die "apt-get update failed"
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
	srcver=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null || true)
fi
[[ -n $srcver ]] || die "package $src_pkg is not installed"
[[ -f $tarball ]] || die "$tarball not found (apt-get install $src_pkg)"

dir=$cache/debug-kernel/$srcver-$(key_of "$srcver")
mkdir -p "$dir"
# One build per entry at a time (parallel make/CI): wait for the other to finish.
exec 9>"$dir/.lock"
if command -v flock >/dev/null; then
	flock -w 3600 9 || die "timed out waiting for another debug-kernel.sh ($dir/.lock)"
fi
if [[ -e $dir/.complete ]]; then
	emit "$dir"
	exit 0
fi

blog=$dir/build.log
t0=$(date +%s)
tree=$dir/linux
if [[ ! -e $dir/.unpacked ]]; then
	log "unpacking $tarball ($src_pkg $srcver) into $dir"
	rm -rf "$tree" "$dir/unpack"
	mkdir -p "$dir/unpack"
	tar -C "$dir/unpack" -xf "$tarball" || die "cannot unpack $tarball"
	top=$(find "$dir/unpack" -mindepth 1 -maxdepth 1 -type d -print -quit)
	[[ -f $top/Makefile ]] || die "no kernel tree in $tarball"
	mv "$top" "$tree"
	rmdir "$dir/unpack"
	touch "$dir/.unpacked"
fi

kmake() { nice -n 10 make -C "$tree" -j"${MIGTOP_DEBUG_JOBS:-2}" "$@" >>"$blog" 2>&1; }
if [[ ! -e $dir/.configured ]]; then
	log "configuring (x86_64 defconfig + fragment; debug-kernel.sh --print-config)"
	: >"$blog"
	kmake defconfig || die "make defconfig failed (see $blog)"
	args=()
	while read -r opt name val; do
		args+=("$opt" "$name")
		[[ -n ${val:-} ]] && args+=("$val")
	done < <(fragment)
	(cd "$tree" && ./scripts/config "${args[@]}") || die "scripts/config failed"
	kmake olddefconfig || die "make olddefconfig failed (see $blog)"
	for want in "${required[@]}"; do
		grep -qx "$want" "$tree/.config" ||
			die "$want did not survive olddefconfig (a dependency is missing): $(grep "^${want%%=*}=\|${want%%=*} is not set" "$tree/.config" || echo unset)"
	done
	fragment >"$dir/config-fragment"
	touch "$dir/.configured"
fi

log "building: make -j${MIGTOP_DEBUG_JOBS:-2} bzImage modules (about 1 h cold on 2 busy cores; log $blog)"
kmake bzImage modules || die "kernel build failed (last lines of $blog:
$(tail -n 30 "$blog"))"
# The release string (with CONFIG_LOCALVERSION) exists once the build has synced the config.
kver=$(cat "$tree/include/config/kernel.release" 2>/dev/null) || die "no include/config/kernel.release"

log "installing modules into $dir/root"
rm -rf "$dir/root"
mkdir -p "$dir/root/boot"
kmake INSTALL_MOD_PATH="$dir/root" modules_install || die "modules_install failed (see $blog)"
cp "$tree/arch/x86/boot/bzImage" "$dir/root/boot/vmlinuz-$kver"
cp "$tree/.config" "$dir/root/boot/config-$kver"
rm -f "$dir/root/lib/modules/$kver/build" "$dir/root/lib/modules/$kver/source"
[[ -d $dir/root/lib/modules/$kver/kernel ]] || die "no modules under $dir/root/lib/modules/$kver"

# Keep only what out-of-tree builds need (make clean keeps .config, generated headers,
# scripts and Module.symvers); the objects are several GB.
cp "$tree/Module.symvers" "$dir/Module.symvers"
kmake clean || die "make clean failed (see $blog)"
[[ -f $tree/Module.symvers ]] || cp "$dir/Module.symvers" "$tree/Module.symvers"

mkdir -p "$dir/pahole-bin" # no BTF in this kernel: pahole is not needed
if command -v pahole >/dev/null; then
	ln -sfn "$(command -v pahole)" "$dir/pahole-bin/pahole"
fi
echo "$kver" >"$dir/kver"
echo "$(($(date +%s) - t0))" >"$dir/build-seconds"
touch "$dir/.complete"
log "cached $kver in $dir ($(du -sh "$dir" | cut -f1), built in $(($(date +%s) - t0)) s)"
emit "$dir"
