#!/usr/bin/env bash
# Run checkpatch --strict --no-tree on the bundled driver's sources (kernel/*.c, kernel/*.h;
# not kernel/include, kernel/tools or generated *.mod.c).  checkpatch.pl is taken from
# $KSRC, /work/src/linux-source-6.12, or unpacked from /usr/src/linux-source-6.12.tar.xz
# (scripts/ only) into a cache directory ($MIGTOP_CACHE, default ~/.cache/migtop).
# Prints "checkpatch: N files clean", or the warnings and exits 1.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
find_checkpatch() {
	local d
	for d in "${KSRC:-}" /work/src/linux-source-6.12; do
		if [[ -n $d && -f $d/scripts/checkpatch.pl ]]; then
			echo "$d/scripts/checkpatch.pl"
			return 0
		fi
	done
	local tarball=/usr/src/linux-source-6.12.tar.xz
	local cache=${MIGTOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/migtop}/checkpatch
	if [[ ! -f $cache/scripts/checkpatch.pl ]]; then
		[[ -f $tarball ]] || return 1
		mkdir -p "$cache"
		tar -xJf "$tarball" -C "$cache" --strip-components=1 --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' >&2 || return 1
	fi
	echo "$cache/scripts/checkpatch.pl"
}

if ! cp=$(find_checkpatch); then
	echo "checkpatch: checkpatch.pl not found (set KSRC, or install linux-source-6.12)" >&2
	exit 2
fi

files=()
for f in "$here"/kernel/*.c "$here"/kernel/*.h; do
	[[ -e $f ]] || continue
	[[ $f == *.mod.c ]] && continue
	files+=("$f")
done
if [[ ${#files[@]} -eq 0 ]]; then
	echo "checkpatch: no files under $here/kernel" >&2
	exit 2
fi

fail=0
for f in "${files[@]}"; do
	if ! out=$(perl "$cp" --strict --no-tree --quiet --no-summary --show-types -f "$f" 2>&1) ||
		[[ -n $out ]]; then
		printf '%s\n' "$out"
		fail=1
	fi
done
if [[ $fail -ne 0 ]]; then
	echo "checkpatch: warnings in kernel/ (see above)" >&2
	exit 1
fi
echo "checkpatch: ${#files[@]} files clean"
