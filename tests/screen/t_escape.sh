# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/screen/run.sh (its helpers: t, fix, mig, see, keys, cap...).
# Issue 12 item 7: a device name with ESC, BEL or a wide character reaches the console
# escaped (\x1b, \x07, \xe4\xb8\xad: core/esc.h) before its width is measured, so its row's
# columns line up with every other row (before: ncurses drew "^[[31m^G" and the row shifted).

# esc_col TEXT: the column (in characters) of STATE's "STOP" on the first line holding TEXT.
esc_col() {
	local line
	while IFS= read -r line; do
		if [[ $line == *"$1"* && $line == *" STOP "* ]]; then
			line=${line%% STOP *}
			echo "${#line}"
			return
		fi
	done <"$tmp/cap"
}
esc_aligned() { # the rows of the hostile names have STOP where the source's row has it
	local a b c
	a=$(esc_col "$SRC")
	b=$(esc_col 'x07X')
	c=$(esc_col 'xb8\xad')
	[[ -n $a && $a == "$b" && $a == "$c" ]]
}

if t "escape: ESC, BEL and a wide character in a device name do not shift the columns"; then
	fix pair-ok
	cp -r "$root/$DST" "$root/"$'0000:86:00.2\e[31m\aX'
	cp -r "$root/$DST" "$root/"$'0000:86:00.3\xe4\xb8\xad'
	mig 120 40
	see "$SRC +STOP"
	see 'x1b\[31m\\x07X +STOP|\\x07X +STOP'
	see '\\xb8\\xad +STOP'
	if wait_cond esc_aligned; then
		ok
	else
		bad "columns shifted: STOP at $(esc_col "$SRC"), $(esc_col 'x07X'), $(esc_col 'xb8\xad')"
	fi
	if grep -q '\^\[' "$tmp/cap"; then bad "a raw ESC drawn as ^["; else ok; fi
	keys Down Down
	keys Enter
	see 'x1b\[31m\\x07X'
	alive
	keys q
fi

if t "escape: a kernel log record's ESC, newline and invalid UTF-8 in the detail view"; then
	fix pair-ok
	# as /dev/kmsg prints it (every byte < 0x20, >= 0x7f and '\' as \xNN)
	printf '%s\n' \
		"3,2001,6000000000,-;hisi_acc_vfio_pci $DST: name \\x1b]0;pwned\\x07 red\\x0a[ 1.0] forged \\xff caf\\xc3\\xa9" \
		' SUBSYSTEM=pci' " DEVICE=+pci:$DST" >"$root.kmsg"
	migk 120 40
	see "$DST"
	keys Down
	keys Enter
	# wrapped to the pane, never inside an escape
	see 'name \\x1b\]0;pwned\\x07 red\\x0a\[ 1\.0\] forged( |$)'
	see '\\xff café'
	alive
	keys q
fi
