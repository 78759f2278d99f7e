#!/usr/bin/env bash
# The packaging and install tests (make pkg-test).  Without root only the tests that need no
# package changes run; as root (CI) also dkms.sh and deb.sh, which install and remove Debian
# packages and restore what they found.  PKG_ONLY=regex runs the matching tests only.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=(install misc)
if [[ $(id -u) -eq 0 ]]; then
	tests+=(deb dkms)
else
	echo "pkg-test: not root: skipping dkms and deb (they install packages)"
fi
failed=()
start=$SECONDS
for t in "${tests[@]}"; do
	[[ -n ${PKG_ONLY:-} && ! $t =~ $PKG_ONLY ]] && continue
	t0=$SECONDS
	"$here/$t.sh" || failed+=("$t")
	echo "pkg-test: $t took $((SECONDS - t0)) s"
done
echo "pkg-test: $((SECONDS - start)) s"
if ((${#failed[@]})); then
	echo "pkg-test: FAILED: ${failed[*]}"
	exit 1
fi
echo "pkg-test: all passed"
