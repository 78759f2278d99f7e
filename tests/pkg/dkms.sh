#!/usr/bin/env bash
# kernel/dkms.conf on Debian 12 (dkms 3.0.10): with the module added to dkms, installing or
# updating the stock 6.1 kernel's headers must succeed (the module is skipped: Kbuild needs
# 6.8), and for 6.12 the module must build.  Root only; the module is added under a test
# version so that an installed migtop-acc-dkms is not touched, and everything the test
# added (the dkms module, packages it installed) is removed at the end.
# 6.12: the installed headers when there are (/lib/modules/6.12*/build), otherwise Debian's
# 6.12 headers unpacked into the e2e cache by tests/vm/fetch-kernel.sh (no linux-image
# install: those headers depend on it).
. "$(dirname "$0")/lib.sh"
is_root || die "needs root (installs packages, dkms add)"
command -v dkms >/dev/null || die "dkms not installed (make deps)"
cd "$top" || exit 1
upstream=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' kernel/dkms.conf)
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' kernel/dkms.conf)
ver=$upstream.pkgtest
src=/usr/src/$name-$ver
tmp=$(mktemp -d /tmp/migtop-dkms.XXXXXX)
dpkg-query -W -f='${Package}\n' | sort >"$tmp/pkgs-before"
# dkms makes a module signing key on its first build: removed again if this test made it
mok_before=$(ls /var/lib/dkms/mok.key /var/lib/dkms/mok.pub 2>/dev/null)
cleanup() {
	dkms remove "$name/$ver" --all >/dev/null 2>&1
	[[ -z $mok_before ]] && rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	rm -rf "$src" "/var/lib/dkms/$name/$ver"
	rmdir "/var/lib/dkms/$name" 2>/dev/null
	dpkg-query -W -f='${Package}\n' | sort >"$tmp/pkgs-after"
	mapfile -t added < <(comm -13 "$tmp/pkgs-before" "$tmp/pkgs-after")
	if ((${#added[@]})); then
		echo "dkms: removing the packages this test installed: ${added[*]}"
		apt_get remove --purge "${added[@]}" >/dev/null 2>&1 || echo "dkms: could not remove ${added[*]}"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The stock 6.1 kernel's headers (what linux-headers-amd64 depends on in Debian 12).
h61=$(apt-cache depends linux-headers-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-headers-6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | head -n1)
[[ -n $h61 ]] || h61=$(apt-cache pkgnames linux-headers-6.1.0- | grep -E '^linux-headers-6\.1\.0-[0-9]+-amd64$' | sort -V | tail -n1)
[[ -n $h61 ]] || die "no linux-headers-6.1.0-N-amd64 in the apt lists (apt-get update?)"
k61=${h61#linux-headers-}
if ! installed "$h61"; then
	apt_get install --no-install-recommends "$h61" >"$tmp/apt.log" 2>&1 || {
		tail -20 "$tmp/apt.log"
		die "apt-get install $h61 failed"
	}
fi

# Add the tree's module (dkms.conf as it is, only the version changed).
rm -rf "$src"
mkdir -p "$src"
cp kernel/Kbuild kernel/Makefile kernel/*.c kernel/*.h "$src/"
sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$ver\"/" kernel/dkms.conf >"$src/dkms.conf"
dkms add "$name/$ver" >"$tmp/add.log" 2>&1 || {
	cat "$tmp/add.log"
	die "dkms add failed"
}

# 1. A header reinstall runs /etc/kernel/header_postinst.d/dkms: it must succeed.
if apt_get install --reinstall --no-install-recommends "$h61" >"$tmp/reinstall.log" 2>&1; then
	ok "reinstall-$k61"
else
	grep -iE 'dkms|error|run-parts' "$tmp/reinstall.log" | tail -8
	bad "reinstall-$k61"
fi
/etc/kernel/header_postinst.d/dkms "$k61" >"$tmp/hook.log" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then ok "hook-$k61"; else bad "hook-$k61" "exit $rc: $(tail -3 "$tmp/hook.log")"; fi
check "not-built-$k61" bash -c "! dkms status '$name/$ver' -k '$k61' 2>/dev/null | grep -qE 'built|installed'"
# An explicit build says why it does not (exit 77: excluded, not failed).
dkms build "$name/$ver" -k "$k61" >"$tmp/b61.log" 2>&1
rc=$?
if [[ $rc -eq 77 ]] && grep -q BUILD_EXCLUSIVE "$tmp/b61.log"; then
	ok "build-$k61-excluded"
else
	bad "build-$k61-excluded" "exit $rc: $(tail -3 "$tmp/b61.log")"
fi

# 2. 6.12: the module builds.
k612=$(ls -d /lib/modules/6.12.*/build 2>/dev/null | sort -V | tail -n1)
ksrc=()
if [[ -n $k612 ]]; then
	k612=${k612#/lib/modules/}
	k612=${k612%/build}
else
	eval "$(tests/vm/fetch-kernel.sh)" || die "tests/vm/fetch-kernel.sh failed"
	k612=$KVER
	ksrc=(--kernelsourcedir "$KDIR")
	export PATH=$PAHOLE_DIR:$PATH
fi
t0=$SECONDS
dkms build "$name/$ver" -k "$k612" "${ksrc[@]}" >"$tmp/b612.log" 2>&1
rc=$?
ko=$(ls /var/lib/dkms/"$name/$ver/$k612"/*/module/migtop_acc.ko* 2>/dev/null | head -n1)
if [[ $rc -eq 0 && -n $ko ]] && modinfo -F vermagic "$ko" | grep -q "^$k612 "; then
	ok "build-$k612 ($((SECONDS - t0)) s)"
else
	tail -20 "$tmp/b612.log"
	tail -20 /var/lib/dkms/"$name/$ver"/build/make.log 2>/dev/null
	bad "build-$k612" "exit $rc"
fi

# 3. Again for 6.1, now that dkms also lists the module as built for 6.12 (dkms then reads
#    AUTOINSTALL with $kernelver set to 6.12, not to the kernel being installed).
/etc/kernel/header_postinst.d/dkms "$k61" >"$tmp/hook2.log" 2>&1
rc=$?
if [[ $rc -eq 0 ]]; then ok "hook-$k61-after-$k612"; else bad "hook-$k61-after-$k612" "exit $rc: $(tail -3 "$tmp/hook2.log")"; fi
finish
