#!/usr/bin/env bash
# make deb, then on this machine (root, Debian 12): apt-get install both packages, use them,
# lint them, purge them, and check that nothing of theirs is left.
# Environment: PKG_DEBDIR (default build/pkg-deb).
. "$(dirname "$0")/lib.sh"
is_root || die "needs root (installs packages)"
cd "$top" || exit 1
debdir=${PKG_DEBDIR:-build/pkg-deb}
for p in migtop migtop-acc-dkms; do
	installed "$p" && die "$p is already installed here: remove it first (apt-get remove --purge $p)"
done
[[ -e /usr/src/migtop-acc-0.1.0 ]] && die "/usr/src/migtop-acc-0.1.0 exists (a dkms add by hand?): remove it first"
tmp=$(mktemp -d /tmp/migtop-deb.XXXXXX)
cleanup() {
	for p in migtop migtop-acc-dkms; do installed "$p" && apt_get remove --purge "$p" >/dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT
version=$(sed -n 's/^VERSION *:= *//p' Makefile)

# What the packages may touch, before.
snap() {
	find /usr/bin/migtop /usr/share/migtop /usr/share/doc/migtop /usr/share/doc/migtop-acc-dkms \
		/usr/share/man/man1/migtop.1.gz /usr/share/man/man5/migtop-theme.5.gz \
		/usr/src/migtop-acc-"$version" /var/lib/dkms/migtop-acc /lib/modules/*/updates/dkms/migtop_acc.ko* \
		2>/dev/null | sort
}
snap >"$tmp/before"

# 1. Build.
t0=$SECONDS
if make --no-print-directory DEBDIR="$debdir" deb >"$tmp/build.log" 2>&1; then
	ok "build ($((SECONDS - t0)) s)"
else
	tail -30 "$tmp/build.log"
	die "make deb failed"
fi
bin=$debdir/migtop_${version}_$(dpkg --print-architecture).deb
dkms=$debdir/migtop-acc-dkms_${version}_all.deb
check built test -f "$bin" -a -f "$dkms"

# 2. lintian: no errors; the warnings are printed.
if command -v lintian >/dev/null; then
	lintian "$bin" "$dkms" >"$tmp/lintian" 2>&1
	grep -v 'running with root privileges' "$tmp/lintian" | sed 's/^/  lintian: /'
	if grep -q '^E:' "$tmp/lintian"; then bad lintian-no-errors; else ok lintian-no-errors; fi
else
	bad lintian-no-errors "lintian not installed (make deps)"
fi

# 3. Install both with apt (dependencies resolved from the archive).
if apt_get install "./$bin" "./$dkms" >"$tmp/install.log" 2>&1; then
	ok apt-install
else
	tail -30 "$tmp/install.log"
	bad apt-install
fi
check version-runs bash -c "migtop --version | grep -qx 'migtop $version'"
# Slim container images tell dpkg not to unpack man pages (path-exclude): then the pages
# are checked in the package instead.
noman=0
grep -rqsE '^path-exclude[= ]+/usr/share/man/' /etc/dpkg/dpkg.cfg.d/ && noman=1
if [[ $noman -eq 1 ]]; then
	echo "SKIP deb/man-w: dpkg here excludes /usr/share/man (/etc/dpkg/dpkg.cfg.d): checking the package's contents"
	check man-in-deb bash -c "dpkg-deb -c '$bin' | grep -q ' ./usr/share/man/man1/migtop.1.gz$' &&
		dpkg-deb -c '$bin' | grep -q ' ./usr/share/man/man5/migtop-theme.5.gz$'"
else
	check man-w test "$(man -w migtop 2>/dev/null)" = /usr/share/man/man1/migtop.1.gz
	check man-w-theme test "$(man -w 5 migtop-theme 2>/dev/null)" = /usr/share/man/man5/migtop-theme.5.gz
fi
s=$(console_status /usr/bin/migtop light "$tmp/home")
if grep -q 'no vfio device' <<<"$s" && ! grep -q 'theme:' <<<"$s"; then
	ok installed-theme-found
else
	bad installed-theme-found "$(grep -m1 'theme:' <<<"$s")"
fi
check dkms-registered bash -c "dkms status migtop-acc/$version 2>/dev/null | grep -q '^migtop-acc/$version'"
# The installed pages, where mandoc finds our cross-references, at the default level.
if [[ $noman -eq 1 ]]; then
	dpkg-deb -x "$bin" "$tmp/x"
	zcat "$tmp/x/usr/share/man/man1/migtop.1.gz" >"$tmp/migtop.1"
	zcat "$tmp/x/usr/share/man/man5/migtop-theme.5.gz" >"$tmp/migtop-theme.5"
else
	zcat /usr/share/man/man1/migtop.1.gz >"$tmp/migtop.1"
	zcat /usr/share/man/man5/migtop-theme.5.gz >"$tmp/migtop-theme.5"
fi
# (Pages of other packages are found only when those are installed: not counted; nor ours
# when dpkg does not unpack man pages.)
xr_other='([^m]|m[^i]|mi[^g])'
[[ $noman -eq 1 ]] && xr_other='.'

lint=$(mandoc -Tlint "$tmp/migtop.1" "$tmp/migtop-theme.5" 2>&1 | grep -v 'outdated mandoc.db' |
	grep -v -E "referenced manual not found: Xr $xr_other")
if [[ -z $lint ]]; then ok installed-man-lint; else bad installed-man-lint "$lint"; fi

# 4. Purge both: nothing of theirs is left, dkms forgot the module.
if apt_get remove --purge migtop migtop-acc-dkms >"$tmp/remove.log" 2>&1; then
	ok apt-purge
else
	tail -20 "$tmp/remove.log"
	bad apt-purge
fi
for p in migtop migtop-acc-dkms; do
	check "gone-$p" bash -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q installed"
done
snap >"$tmp/after"
if cmp -s "$tmp/before" "$tmp/after"; then ok nothing-left; else bad nothing-left "$(diff "$tmp/before" "$tmp/after")"; fi
check dkms-forgot bash -c "! dkms status 2>/dev/null | grep -q '^migtop-acc/'"
finish
