#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the VM test's initramfs (gzip'd cpio): busybox-static, tests/vm/init.sh as /init,
# tests/vm/scenario.sh, the vfio/mdev modules of the Debian image (+ depmod -b), the
# project's module, and the migtop binaries with their shared libraries and terminfo.
#   tests/vm/mkinitramfs.sh OUT.cpio.gz KVER MODDIR [MODULE.ko]
# Environment: MIGRATE, MIGTOP (binaries; either may be missing: the scenario reports it),
#   MIGTOP_TERM (a terminfo entry to add: the host's TERM for the demo), MIGTOP_EXTRA_MODS
#   (more modules to add, e.g. "mtty" for the debug kernel; built-in ones are skipped),
#   MIGTOP_SSH_AUTHKEYS (a public key file: add Debian's sshd with its libraries, a host
#   key generated here, a minimal /etc/ssh/sshd_config and that key as root's
#   authorized_keys, for `make e2e-hosts`; nothing of the host's ssh configuration is read).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1 kver=$2 moddir=$3 module=${4:-}
log() { echo "mkinitramfs: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

busybox=$(command -v busybox || true)
[[ -n $busybox ]] || die "busybox not found (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: install busybox-static"
fi
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
command -v depmod >/dev/null || die "depmod not found (apt-get install kmod)"

stage=$(mktemp -d "${TMPDIR:-/tmp}/migtop-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,run,etc,root,lib,lib64,usr/bin,usr/lib}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$here/init.sh" "$stage/init"
install -m 0755 "$here/scenario.sh" "$stage/scenario.sh"
for f in splat.sh check-core-debugfs.sh compare.sh; do
	if [[ -f $here/$f ]]; then install -m 0755 "$here/$f" "$stage/$f"; fi
done

# Kernel modules: copy each wanted module and, recursively, what it depends on.
kmods=$stage/lib/modules/$kver
mkdir -p "$kmods"
cp "$moddir"/modules.order "$moddir"/modules.builtin* "$kmods/" 2>/dev/null || true
declare -A seen=()
add_mod() {
	local name=$1 f dep
	[[ -n ${seen[$name]:-} ]] && return 0
	seen[$name]=1
	# Built into the kernel (the debug kernel has CONFIG_VFIO=y): nothing to copy.
	grep -qE "/($name|${name//_/-})\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
	f=$(find "$moddir/kernel" -name "$name.ko*" -print -quit)
	if [[ -z $f ]]; then
		f=$(find "$moddir/kernel" -name "${name//_/-}.ko*" -print -quit)
	fi
	[[ -n $f ]] || die "module $name not found under $moddir"
	mkdir -p "$kmods/$(dirname "${f#"$moddir"/}")"
	cp "$f" "$kmods/${f#"$moddir"/}"
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_mod "$dep"
	done
}
for m in vfio vfio_iommu_type1 mdev ${MIGTOP_EXTRA_MODS:-}; do
	add_mod "$m"
done
if [[ -n $module ]]; then
	[[ -f $module ]] || die "module $module not found"
	mkdir -p "$kmods/extra"
	cp "$module" "$kmods/extra/"
	for dep in $(modinfo -F depends "$module" | tr ',' ' '); do
		add_mod "$dep"
	done
fi
depmod -b "$stage" "$kver"

# Binaries and their shared libraries (ldd), plus terminfo for the curses UI.
add_bin() {
	local bin=$1 name=$2 dir=${3:-usr/bin} lib
	[[ -n $bin && -x $bin ]] || return 0
	mkdir -p "$stage/$dir"
	cp "$bin" "$stage/$dir/$name"
	ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		[[ -e $lib ]] || continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}
add_bin "${MIGRATE:-}" migtop-migrate
add_bin "${MIGTOP:-}" migtop
add_bin "$(command -v jq || true)" jq # compare.sh asserts on migtop's JSON with it
# The host's TERM (MIGTOP_TERM, for the demo) beside the usual ones.
terms="l/linux v/vt100 v/vt220 x/xterm x/xterm-256color d/dumb s/screen s/screen-256color t/tmux-256color"
if [[ ${MIGTOP_TERM:-} =~ ^[[:alnum:]][[:alnum:]._+-]*$ ]]; then
	terms="$terms ${MIGTOP_TERM:0:1}/$MIGTOP_TERM"
fi
for t in $terms; do
	for d in "${HOME:-/root}/.terminfo" /etc/terminfo /lib/terminfo /usr/share/terminfo; do
		if [[ -e $d/$t ]]; then
			mkdir -p "$stage/usr/share/terminfo/$(dirname "$t")"
			cp -L "$d/$t" "$stage/usr/share/terminfo/$t"
			break
		fi
	done
done
echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
echo "root:x:0:" >"$stage/etc/group"

# sshd (make e2e-hosts): the guest is reached as root with the test's key only.
if [[ -n ${MIGTOP_SSH_AUTHKEYS:-} ]]; then
	[[ -s $MIGTOP_SSH_AUTHKEYS ]] || die "no public key in $MIGTOP_SSH_AUTHKEYS"
	[[ -x /usr/sbin/sshd ]] || die "/usr/sbin/sshd not found (apt-get install openssh-server)"
	command -v ssh-keygen >/dev/null || die "ssh-keygen not found (apt-get install openssh-client)"
	add_bin /usr/sbin/sshd sshd usr/sbin
	# OpenSSH 9.8 and later run each connection in sshd-session
	for f in /usr/lib/openssh/sshd-session /usr/lib/openssh/sshd-auth; do
		if [[ -x $f ]]; then add_bin "$f" "${f##*/}" usr/lib/openssh; fi
	done
	mkdir -p "$stage/etc/ssh" "$stage/root/.ssh"
	ssh-keygen -q -t ed25519 -N '' -C migtop-vm -f "$stage/etc/ssh/ssh_host_ed25519_key"
	cat >"$stage/etc/ssh/sshd_config" <<'CFG'
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile /root/.ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
StrictModes no
PidFile /run/sshd.pid
CFG
	install -m 0600 "$MIGTOP_SSH_AUTHKEYS" "$stage/root/.ssh/authorized_keys"
	chmod 0700 "$stage/root/.ssh"
	# the privilege separation user, its chroot (made by /init) and the name service
	echo "sshd:x:100:65534::/run/sshd:/bin/false" >>"$stage/etc/passwd"
	echo "nogroup:x:65534:" >>"$stage/etc/group"
	printf 'passwd: files\ngroup: files\nshadow: files\n' >"$stage/etc/nsswitch.conf"
fi

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "wrote $out ($(du -h "$out" | cut -f1))"
