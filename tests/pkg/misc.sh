#!/usr/bin/env bash
# Small install-side checks: make -C kernel without headers, make demo without a terminal,
# and the filter that strips the VM's terminal escapes from the e2e CI log.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/migtop-misc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$top" || exit 1

# 1. make -C kernel: a missing headers tree is named with what to do about it.
make -s -C kernel KDIR="$tmp/nonexistent" >"$tmp/out" 2>&1
rc=$?
if [[ $rc -ne 0 ]] && grep -q "KDIR must name a kernel build or headers tree" "$tmp/out" &&
	! grep -q "No such file or directory" "$tmp/out"; then
	ok kernel-bad-kdir
else
	bad kernel-bad-kdir "rc $rc: $(head -3 "$tmp/out")"
fi
if [[ -e /lib/modules/$(uname -r)/build ]]; then
	echo "SKIP misc/kernel-no-headers: this machine has the running kernel's headers"
else
	make -s -C kernel >"$tmp/out" 2>&1
	rc=$?
	if [[ $rc -ne 0 ]] && grep -qF "apt-get install linux-headers-$(uname -r)" "$tmp/out" &&
		grep -q "KDIR=" "$tmp/out" && ! grep -q "No such file or directory" "$tmp/out"; then
		ok kernel-no-headers
	else
		bad kernel-no-headers "rc $rc: $(head -3 "$tmp/out")"
	fi
fi

# 2. make demo without a terminal refuses before building anything (a fresh build dir
#    stays without a binary).
timeout 60 make --no-print-directory B="$tmp/b" demo </dev/null >"$tmp/out" 2>&1
rc=$?
if [[ $rc -ne 0 ]] && grep -q "needs a terminal" "$tmp/out" && [[ ! -e $tmp/b/migtop ]] &&
	! ls "$tmp"/b/tui/*.o >/dev/null 2>&1; then
	ok demo-no-terminal
else
	bad demo-no-terminal "rc $rc, built: $(ls "$tmp/b" 2>/dev/null | tr '\n' ' ') $(tail -2 "$tmp/out")"
fi

# 3. The serial console filter: a sample as the e2e test's QEMU writes it (SeaBIOS's reset,
#    no-wrap and clear-screen sequences glued to the first lines, colours, a title, BEL).
printf '%b' '\033c\033[?7l\033[2J\033[0mSeaBIOS (version 1.16.2-debian-1.16.2-1)\n' \
	'Booting from ROM..\033c\033[?7l\033[2JMIGTOP-VM-BOOTED 6.12.117+deb12-amd64 mode=e2e\n' \
	'\033[1;31mFAIL stuck-flag: x=1\033[0m \033]0;title\007tail\a\n' \
	'PASS compare/match-4\tok\033(B\n' >"$tmp/serial.raw"
tests/vm/strip-esc.sh <"$tmp/serial.raw" >"$tmp/serial.out"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/serial.out"; then
	bad strip-esc-clean "$(cat -v "$tmp/serial.out" | head -3)"
else
	ok strip-esc-clean
fi
want=$'SeaBIOS (version 1.16.2-debian-1.16.2-1)\nBooting from ROM..MIGTOP-VM-BOOTED 6.12.117+deb12-amd64 mode=e2e\nFAIL stuck-flag: x=1 tail\nPASS compare/match-4\tok'
if [[ $(cat "$tmp/serial.out") == "$want" ]]; then
	ok strip-esc-text-kept
else
	bad strip-esc-text-kept "$(cat -v "$tmp/serial.out")"
fi
check strip-esc-used grep -q '| tee "$log" | "$here/strip-esc.sh"' tests/vm/run.sh
finish
