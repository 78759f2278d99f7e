#!/usr/bin/env bash
# Fetch and cache Debian's 6.12 kernel image and the matching headers WITHOUT installing
# them: apt-get download + dpkg -x into a cache folder.  Prints shell assignments for eval:
#   eval "$(tests/vm/fetch-kernel.sh)"
#   -> KVER KDIR VMLINUZ MODDIR PAHOLE_DIR
# Environment: MIGTOP_CACHE (default /var/cache/migtop as root, else ~/.cache/migtop),
#              MIGTOP_KVER (pin a kernel version such as 6.12.117+deb12-amd64; falls back
#              to the newest when the mirror no longer has it).
# Idempotent: a completed cache entry is reused without touching apt.
set -euo pipefail

log() { echo "fetch-kernel: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

if [[ -n ${MIGTOP_CACHE:-} ]]; then
	cache=$MIGTOP_CACHE
elif [[ $(id -u) -eq 0 ]]; then
	cache=/var/cache/migtop
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/migtop
fi
mkdir -p "$cache"
# One fetch at a time per cache (parallel CI jobs, make -j): wait for the other to finish.
exec 9>"$cache/.lock"
if command -v flock >/dev/null; then
	flock -w 900 9 || die "timed out waiting for another fetch-kernel.sh ($cache/.lock)"
fi

meta=linux-headers-6.12-amd64

newest_kver() {
	# "Depends: linux-headers-6.12.117+deb12-amd64" -> 6.12.117+deb12-amd64
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\(6\.12\.[^ ]*-amd64\)$/\1/p' | head -n1
}

emit() {
	local root=$1 kver=$2
	echo "KVER=$kver"
	echo "KDIR=$root/usr/src/linux-headers-$kver"
	echo "VMLINUZ=$root/boot/vmlinuz-$kver"
	echo "MODDIR=$root/lib/modules/$kver"
	echo "PAHOLE_DIR=$root/pahole-bin"
}

kver=${MIGTOP_KVER:-}
# Fast path: a pinned or previously fetched version that is complete.
if [[ -z $kver && -e $cache/current ]]; then
	kver=$(cat "$cache/current")
fi
if [[ -n $kver && -e $cache/$kver/.complete ]]; then
	emit "$cache/$kver/root" "$kver"
	exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found (this script needs a Debian system)"
newest=$(newest_kver)
if [[ -z $newest ]]; then
	log "no candidate for $meta in the apt lists; running apt-get update"
	apt-get update -qq >&2 || die "apt-get update failed (run as root, or check the mirror)"
	newest=$(newest_kver)
fi
[[ -n $newest ]] || die "apt-cache knows no $meta: is Debian's bookworm-updates/security enabled?"

if [[ -n ${MIGTOP_KVER:-} && $MIGTOP_KVER != "$newest" ]]; then
	if ! apt-cache show "linux-image-$MIGTOP_KVER-unsigned" >/dev/null 2>&1; then
		log "pinned $MIGTOP_KVER is no longer on the mirror; using the newest, $newest"
		kver=$newest
	else
		kver=$MIGTOP_KVER
	fi
else
	kver=$newest
fi
if [[ -e $cache/$kver/.complete ]]; then
	echo "$kver" >"$cache/current"
	emit "$cache/$kver/root" "$kver"
	exit 0
fi

kabi=${kver%-amd64} # 6.12.117+deb12
dir=$cache/$kver
root=$dir/root
debs=$dir/debs
rm -rf "$root"
mkdir -p "$root" "$debs"
pkgs=("linux-image-$kver-unsigned" "linux-headers-$kver" "linux-headers-$kabi-common"
	"linux-kbuild-$kabi")
command -v pahole >/dev/null || pkgs+=(pahole)

log "downloading ${pkgs[*]} into $debs"
sandbox=()
[[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
if ! (cd "$debs" && apt-get download -q "${sandbox[@]}" "${pkgs[@]}" >&2); then
	for p in "${pkgs[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 ||
			log "the Debian mirror has no package $p (the archive keeps only recent 6.12 builds)"
	done
	die "apt-get download failed for ${pkgs[*]}: no matching image/headers on the mirror, no network, or stale lists (apt-get update); pin another version with MIGTOP_KVER"
fi

for deb in "$debs"/*.deb; do
	log "extracting $(basename "$deb")"
	dpkg -x "$deb" "$root"
done

kdir=$root/usr/src/linux-headers-$kver
[[ -f $kdir/Makefile ]] || die "headers not found at $kdir after extraction"
# The -amd64 headers include the -common Makefile (and link scripts/tools into kbuild) by
# absolute /usr/... paths: point them into the cache.
sed -i "s#/usr/src/linux-headers-$kabi-common#$root/usr/src/linux-headers-$kabi-common#g" \
	"$kdir/Makefile"
find "$root/usr/src" "$root/usr/lib" -type l 2>/dev/null | while read -r link; do
	target=$(readlink "$link")
	if [[ $target == /usr/* ]]; then
		ln -sfn "$root$target" "$link"
	fi
done

mkdir -p "$root/pahole-bin"
if command -v pahole >/dev/null; then
	ln -sfn "$(command -v pahole)" "$root/pahole-bin/pahole"
else
	ln -sfn "$root/usr/bin/pahole" "$root/pahole-bin/pahole"
fi
if ! "$root/pahole-bin/pahole" --version >/dev/null 2>&1; then
	# The extracted pahole needs libbpf1/libdw1; as root, install the package instead.
	if [[ $(id -u) -eq 0 ]]; then
		log "the extracted pahole does not run; installing the pahole package"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pahole >&2 ||
			die "apt-get install pahole failed"
		ln -sfn "$(command -v pahole)" "$root/pahole-bin/pahole"
	fi
	"$root/pahole-bin/pahole" --version >/dev/null 2>&1 ||
		die "pahole does not run from $root/pahole-bin: apt-get install pahole"
fi

img=$root/boot/vmlinuz-$kver
[[ -f $img ]] || die "kernel image not found at $img"
[[ -d $root/lib/modules/$kver/kernel ]] || die "modules not found under $root/lib/modules/$kver"

rm -rf "$debs" # the extracted tree is what is used; keep the cache small
touch "$dir/.complete"
echo "$kver" >"$cache/current"
log "cached $kver in $dir ($(du -sh "$dir" | cut -f1))"
emit "$root" "$kver"
