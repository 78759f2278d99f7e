#!/usr/bin/env bash
# make install / uninstall into a temporary PREFIX after a build for the default PREFIX:
# the installed binary must find its installed themes (the data directory is compiled in,
# so the install must rebuild), the man pages (migtop.1 and migtop-theme.5) must be
# installed and name the real paths, and uninstall must leave nothing.
# Environment: PKG_B (build directory, default build/pkg: reused between runs).
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || die "tmux not found: apt-get install tmux"
b=${PKG_B:-build/pkg}
tmp=$(mktemp -d /tmp/migtop-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
p=$tmp/prefix
cd "$top" || exit 1

# 1. A build for the default PREFIX, then make install with another one.
make -s -j2 B="$b" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; die "make B=$b failed"; }
make -s -j2 B="$b" PREFIX="$p" install >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; die "make install PREFIX=$p failed"; }
check bin test -x "$p/bin/migtop"
check themes test -f "$p/share/migtop/themes/light.theme"
check man1 test -f "$p/share/man/man1/migtop.1"
check man5 test -f "$p/share/man/man5/migtop-theme.5"
check rules test -f "$p/share/migtop/migtop.rules.yml"

# 2. The installed binary finds an installed theme (nothing next to it: $p/themes does not
#    exist), and says so when a theme is missing (the check can fail).
s=$(console_status "$p/bin/migtop" light "$tmp/home")
if grep -q 'no vfio device' <<<"$s" && ! grep -q 'theme:' <<<"$s"; then
	ok theme-found
else
	bad theme-found "$(grep -m1 'theme:' <<<"$s")"
fi
s=$(console_status "$p/bin/migtop" no-such-theme "$tmp/home")
if grep -q "theme: theme 'no-such-theme' not found in: .*$p/share/migtop/themes" <<<"$s"; then
	ok theme-missing-named
else
	bad theme-missing-named "$(grep -m1 'theme' <<<"$s")"
fi

# 3. The installed pages name the installed data directory, not the default one.
if grep -q "$p/share/migtop/themes" "$p/share/man/man1/migtop.1" &&
	grep -q "$p/share/migtop/themes" "$p/share/man/man5/migtop-theme.5" &&
	! grep -q /usr/local/share/migtop "$p/share/man/man1/migtop.1" "$p/share/man/man5/migtop-theme.5"; then
	ok man-files-paths
else
	bad man-files-paths "$(grep -n 'share/migtop' "$p"/share/man/man*/* | head -3)"
fi

# 4. A plain make afterwards builds for the default PREFIX again, and uninstall removes
#    every file it installed.
make -s -j2 B="$b" >"$tmp/build2.log" 2>&1 || die "make B=$b failed"
check rebuilt-default grep -qx "VERSION=[^ ]* DATADIR=/usr/local/share/migtop" "$b/baked.stamp"
make -s B="$b" PREFIX="$p" uninstall >/dev/null 2>&1 || bad uninstall-runs
left=$(find "$p" -type f 2>/dev/null)
if [[ -z $left ]]; then ok uninstall-clean; else bad uninstall-clean "$left"; fi
finish
