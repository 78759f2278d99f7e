#!/usr/bin/env bash
# Memory per device: build fixture trees of idle hisi_acc devices (RUNNING, dev_data and
# cmd_state readable, migf_data EAGAIN: the mkfixture "not-migrated" device, in the
# kernel's formats) at several sizes and measure the maximum RSS of one JSON snapshot with
# /usr/bin/time -v.  KB per device = (RSS at N - RSS of an empty tree) / N.  The empty tree
# starts no reader thread, so the figure at 1,000 also carries the readers' malloc arenas
# (about 0.6 KB per device there, 0.06 at 10,000: compare MALLOC_ARENA_MAX=1), and it
# varies by about +-0.3 KB from run to run; heaptrack gives the heap alone.
# Usage: bench/mem.sh [N...]   (default: 1000 10000).  Env: B (build dir), MIGTOP, FIXGEN,
# MEM_TMP (where the trees go; default a fresh directory under ${TMPDIR:-/tmp}).
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
if [ -z "${MIGTOP:-}" ] || [ -z "${FIXGEN:-}" ]; then
	make -s -j2 B="$B" "$B/tests/mkfixture" "$( [ "$B" = build ] && echo tui/migtop || echo "$B/migtop")"
fi
MIGTOP=${MIGTOP:-$( [ "$B" = build ] && echo tui/migtop || echo "$B/migtop")}
FIXGEN=${FIXGEN:-$B/tests/mkfixture}
if ! [ -x /usr/bin/time ]; then
	echo "bench/mem.sh: /usr/bin/time is missing (apt-get install time)" >&2
	exit 1
fi
[ $# -gt 0 ] || set -- 1000 10000
tmp=${MEM_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/migtop-mem.XXXXXX")}
trap 'rm -rf "$tmp"' EXIT

# One template device from the fixture generator; its files are copied N times with the
# shell's own redirections (no fork per file: 10,000 devices take a few seconds).
"$FIXGEN" "$tmp/tpl" not-migrated >/dev/null
tdev=$(cd "$tmp/tpl" && echo *)
declare -A content
while IFS= read -r -d '' f; do
	rel=${f#"$tmp/tpl/$tdev/"}
	content[$rel]=$(cat "$f"; printf x)
	content[$rel]=${content[$rel]%x}
done < <(find "$tmp/tpl/$tdev" -type f -print0)

mktree() { # dir n
	local dir=$1 n=$2 i name rel dirs=()
	mkdir -p "$dir"
	for ((i = 0; i < n; i++)); do
		printf -v name '%04x:%02x:%02x.%x' $((i >> 16)) $(((i >> 8) & 255)) $(((i >> 3) & 31)) $((i & 7))
		dirs+=("$dir/$name/migration/hisi_acc")
		if [ ${#dirs[@]} -ge 1000 ]; then mkdir -p "${dirs[@]}"; dirs=(); fi
	done
	[ ${#dirs[@]} -eq 0 ] || mkdir -p "${dirs[@]}"
	for ((i = 0; i < n; i++)); do
		printf -v name '%04x:%02x:%02x.%x' $((i >> 16)) $(((i >> 8) & 255)) $(((i >> 3) & 31)) $((i & 7))
		for rel in "${!content[@]}"; do
			printf '%s' "${content[$rel]}" >"$dir/$name/$rel"
		done
	done
}

# Max RSS (KB) of one snapshot of tree $1.
maxrss() {
	/usr/bin/time -v "$MIGTOP" --root "$1" --fixture --once --json --deadline 60000 \
		>/dev/null 2>"$tmp/time.err" || {
		local rc=$?
		# exit 1 (a device could not be read) still measures; anything else is a failure
		if [ $rc -ne 1 ]; then
			echo "bench/mem.sh: migtop failed on $1 (exit $rc):" >&2
			cat "$tmp/time.err" >&2
			exit 1
		fi
	}
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/time.err"
}

mktree "$tmp/empty" 0
base=$(maxrss "$tmp/empty")
echo "migtop memory: empty tree ${base} KB max RSS ($MIGTOP)"
for n in "$@"; do
	rm -rf "$tmp/t"
	mktree "$tmp/t" "$n"
	rss=$(maxrss "$tmp/t")
	awk -v n="$n" -v r="$rss" -v b="$base" \
		'BEGIN { printf "migtop memory: %6d idle devices: %8d KB max RSS, %.2f KB per device\n", n, r, (r - b) / n }'
	rm -rf "$tmp/t"
done
