#!/usr/bin/env bash
# mandoc -Tlint at its default level (style and up) on the man pages as `make install`
# writes them (DATADIR substituted, manN/ directories).  Usage: lint-man.sh PAGE...
# Every message fails, except "referenced manual not found" for a page of another package
# (mandoc looks cross-references up in this machine's /usr/share/man, so they depend on
# what is installed here) and mandoc.db staleness notes; a cross-reference to one of our
# own pages must name a page given here (tests/pkg/deb.sh lints the installed pages, where
# mandoc finds them).
set -uo pipefail
(($# > 0)) || {
	echo "usage: $0 PAGE..." >&2
	exit 64
}
command -v mandoc >/dev/null || {
	echo "lint-man: mandoc not found: apt-get install mandoc" >&2
	exit 1
}
tmp=$(mktemp -d /tmp/migtop-lintman.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ours=()
for m in "$@"; do
	s=${m##*.} n=${m##*/}
	mkdir -p "$tmp/man$s"
	sed 's|/usr/local/share/migtop|/usr/share/migtop|g' "$m" >"$tmp/man$s/$n"
	ours+=("${n%.*} $s")
done
# stdout and stderr apart: interleaved, one stream cuts the other's lines
(cd "$tmp" && mandoc -Tlint man*/* >"$tmp/lint.out" 2>"$tmp/lint.err")
out=$(cat "$tmp/lint.out" "$tmp/lint.err")
rc=0
while IFS= read -r line; do
	[[ -z $line ]] && continue
	case $line in
	*"outdated mandoc.db"*) continue ;;
	*"referenced manual not found: Xr "*)
		xr=${line##*Xr }
		xr=${xr% (* times)}
		found=0
		for o in "${ours[@]}"; do [[ $o == "$xr" ]] && found=1; done
		if [[ $xr == migtop* && $found -eq 0 ]]; then
			echo "$line (not one of: $*)"
			rc=1
		fi
		continue
		;;
	esac
	echo "$line"
	rc=1
done <<<"$out"
if ((rc == 0)); then
	echo "lint-man: $# pages clean (mandoc -Tlint, default level)"
else
	echo "lint-man: mandoc -Tlint messages above (pages as installed: $tmp is removed)" >&2
fi
exit $rc
