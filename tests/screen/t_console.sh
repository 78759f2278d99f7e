# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2154 # tmp, root, MIGTOP, FIXGEN, SRC, DST: set by run.sh
# Console polish (issue 12 items 9, 10, 11, 14, 20): sourced by run.sh after its own tests,
# with its helpers (t, fix, mig, start, see, see_not, keys, cap, alive, want_exit, ...).

# ascii_only: the screen holds no byte >= 0x80 and no curses meta notation ("~@", what a
# raw UTF-8 byte becomes in the C locale).
ascii_only() {
	! LC_ALL=C grep -aqP '[\x80-\xff]|~@' "$tmp/cap"
}
# no_ascii_fail WHAT: fail with the offending lines when the screen is not plain ASCII.
no_ascii_fail() {
	cap >"$tmp/cap"
	if ascii_only; then ok; else
		bad "$1: non-ASCII on screen: $(LC_ALL=C grep -naP '[\x80-\xff]|~@' "$tmp/cap" | head -n 3 | cat -v)"
	fi
}
# col_at HEADING ROWREGEX: the text of a list row under a column heading (by its offset).
col_at() {
	awk -v h="$1" -v r="$2" 'NR == 2 { i = index($0, h) }
		i && $0 ~ r { s = substr($0, i); sub(/ .*/, "", s); print s; exit }' "$tmp/cap"
}

console_tests() {
	local late v1 v2

	if t "console: no vfio tree yet: stays up with the remediation, shows the devices when it appears"; then
		late="$tmp/late-$RANDOM/vfio"
		mkdir -p "${late%/vfio}"
		start 100 30 "$MIGTOP" --root "$late" --fixture
		see "cannot open $late: No such file or directory"
		see "Waiting for it"
		alive
		keys r
		see "still no vfio debugfs tree"
		"$FIXGEN" "$late" pair-qpnum >/dev/null || bad "mkfixture failed"
		see "$SRC +STOP"
		see "$DST +RESUMING"
		see_not "Waiting for it"
		keys q
		want_exit 0
	fi

	if t "console: C locale: nothing but ASCII in list, detail, compare, hex and help"; then
		# pair-header: the registers' snapshot lacks fields, drawn as the absent mark
		fix pair-header
		# a name that is UTF-8 but no glyph: escaped as bytes, as batch output does
		mkdir "$root/$SRC/migration/caf$(printf '\303\251')"
		start 120 40 env LC_ALL=C LANG=C "$MIGTOP" --root "$root" --fixture --pair "$SRC=$DST"
		see "^S $SRC +STOP"
		see "^D $DST +STOP"
		no_ascii_fail list
		keys Enter
		see "[Tt]imeline"
		set_state "$SRC" PRE_COPY
		see "STOP -> PRE_COPY"
		see "caf\\\\xc3\\\\xa9: driver directory migtop does not know"
		no_ascii_fail detail
		keys Escape c
		see "^verdict: "
		see "^  aeq_int_mask +40 +- "
		no_ascii_fail compare
		keys x
		see "00000000:? +[0-9a-f]{2} "
		no_ascii_fail "compare hex"
		keys '?'
		see "[Qq]uit"
		no_ascii_fail help
		tm resize-window -t "$S" -x 50 -y 20
		keys Escape Escape
		see "$SRC"
		no_ascii_fail "list at 50 columns (cut text)"
	fi

	if t "console: 80x24 list: every column, no status word cut"; then
		fix pair-qpnum
		mig 80 24
		list_up
		see "^  DEVICE\\*? +STATE +AGE +DRIVER +DEV_DATA +MIGF_DATA +MATCH +CMD +CHG"
		see "^  $DST +RESUMING +[0-9.ms]+ +hisi_acc +not_opened +ok 144B +- +(not_opened|n/open) +0"
		# nothing ellipsised in a device row
		if wait_cond sh -c "! grep -E '^  0000:.*(…|~)' '$tmp/cap'"; then ok; else
			bad "a list cell is cut"
		fi
	fi

	if t "console: 160x40 list: CMD as wide as not_opened"; then
		fix pair-qpnum
		mig 160 40
		list_up
		see "^  $DST +RESUMING .* not_opened +ok 144B +- +not_opened +0 *$"
	fi

	if t "console: 40x10 and 20x5: the important columns, then the too-small message"; then
		fix pair-qpnum
		mig 40 10
		see "^  $SRC +STOP +[0-9.ms]+"
		see "^  $DST +RESUMING"
		see "^  DEVICE\\*? +STATE +AGE"
		if wait_cond sh -c "! grep -E '^  0000:.*(…|~)' '$tmp/cap'"; then ok; else
			bad "a list cell is cut at 40 columns"
		fi
		tm resize-window -t "$S" -x 20 -y 5
		see "small"
		alive
		tm resize-window -t "$S" -x 80 -y 24
		see "^  $DST +RESUMING .*not_opened"
		keys q
		want_exit 0
	fi

	if t "console: MATCH shows '-' outside a marked pair, the help explains it"; then
		fix pair-qpnum
		mig 120 40
		list_up
		cap >"$tmp/cap"
		v1=$(col_at MATCH "^  $SRC ")
		v2=$(col_at MATCH "^  $DST ")
		if [[ $v1 == - && $v2 == - ]]; then ok; else bad "MATCH cells '$v1' '$v2', want '-'"; fi
		keys '?'
		see "'-': the device is not in a marked pair"
		see "n/open = not_opened"
	fi

	if t "console: --theme /nonexist says so and keeps the default theme (also without a status row)"; then
		fix pair-qpnum
		mig 80 24 --theme /nonexist
		list_up
		see "theme: theme file /nonexist: No such file or directory; using the default theme"
		mig 80 10 --theme /nonexist
		see "$SRC"
		see "theme: theme file /nonexist: No such file or directory"
		keys Down
		see "F1 Help"
	fi

	if t "console: a stuck read's wait grows on screen (detail and status line)"; then
		fix pair-qpnum
		mig 160 50
		list_up
		keys Enter
		see "hisi_acc/cmd_state: ok"
		# the next read of cmd_state never answers
		rm -f "$root/$SRC/migration/hisi_acc/cmd_state"
		mkfifo "$root/$SRC/migration/hisi_acc/cmd_state"
		see "cmd_state: blocked: no answer \\(blocked for [0-9.]+s\\)"
		cap >"$tmp/cap"
		v1=$(grep -o 'blocked for [0-9.]*s' "$tmp/cap" | head -n 1 | tr -dc '0-9.')
		# two seconds later it says so (it was frozen at the deadline)
		if wait_cond sh -c "grep -o 'blocked for [0-9.]*s' '$tmp/cap' | head -n 1 |
			tr -dc '0-9.' | awk -v a='$v1' '{ exit !(\$1 >= a + 2) }'"; then ok; else
			bad "'blocked for ${v1}s' did not grow"
		fi
		see "last error: hisi_acc/cmd_state: read blocked: no answer for [0-9.]+s"
		keys q
		want_exit 0
	fi
}
console_tests
