#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Screen tests: run the REAL migtop console in a pane of a private tmux server, drive it
# with send-keys and check what a user sees: the text (capture-pane -p) and the attributes
# (capture-pane -p -e, decoded by sgr.pl).  Every check polls the screen every 50 ms until
# it holds or a timeout passes: no fixed sleeps decide a result.
#
# Env: MIGTOP, FIXGEN (absolute paths, from `make screen`); SCREEN_TIMEOUT (seconds a
# wait may take, default 10); SCREEN_ONLY (run only the tests whose name matches this
# regex); SCREEN_SELFTEST=1 (check the harness itself on less(1), and that a deliberately
# wrong expectation is reported as a failure; needs no migtop).
set -u
export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset TMUX TMUX_PANE NO_COLOR

here=$(cd "$(dirname "$0")" && pwd)
SGR="$here/sgr.pl"
# shellcheck source-path=SCRIPTDIR source=../lib/fakessh.sh
source "$here/../lib/fakessh.sh"
TIMEOUT=${SCREEN_TIMEOUT:-10}
SRC=0000:3b:00.1
DST=0000:86:00.1

if ! command -v tmux >/dev/null 2>&1; then
	echo "screen: skipped: tmux is not installed (make deps installs it)"
	exit 0
fi
if [[ ${SCREEN_SELFTEST:-0} != 1 ]]; then
	: "${MIGTOP:?set MIGTOP to the migtop binary}"
	: "${FIXGEN:?set FIXGEN to the mkfixture binary}"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/migtop-screen.XXXXXX") || exit 1
SOCK="migtop-test-$$"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
	tm kill-server >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The repository's themes, found the way an installed migtop finds them, and no user
# config file: the results do not depend on where the binary was built or who runs it.
export XDG_CONFIG_HOME="$tmp/xdg"
mkdir -p "$XDG_CONFIG_HOME/migtop"
cp -r "$here/../../themes" "$XDG_CONFIG_HOME/migtop/themes" 2>/dev/null

# One server for the whole run; each test gets its own session ("window") named $S.
tm -u start-server \; set -g exit-empty off \; set -g default-terminal tmux-256color \
	\; set -g history-limit 0 \; set -g status off || {
	echo "screen: cannot start a tmux server"
	exit 1
}

pass=0 fail=0 name="" S="" quiet=0 W=120 H=40

t() { # t NAME: start a test (skipped unless it matches SCREEN_ONLY)
	name=$*
	[[ -z ${SCREEN_ONLY:-} || $name =~ ${SCREEN_ONLY} ]]
}
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	((quiet)) && return
	echo "FAIL [$name]: $*"
	if [[ -n $S ]] && tm has-session -t "$S" 2>/dev/null; then
		echo "  --- screen (${W}x${H}):"
		tm capture-pane -p -t "$S" | sed -e 's/[[:space:]]*$//' -e '/^$/d' | head -n 50 |
			sed 's/^/  | /'
	fi
	[[ -s $tmp/$S.err ]] && { echo "  --- stderr:"; head -n 10 "$tmp/$S.err" | sed 's/^/  | /'; }
}

# start W H CMD...: a fresh session running CMD in a W x H pane.  The wrapper records the
# exit status, the terminal modes after exit and a marker line, then keeps the pane alive.
start() {
	W=$1 H=$2
	shift 2
	stop
	S="s$((pass + fail))-$RANDOM"
	{
		printf '#!/usr/bin/env bash\n'
		printf 'cd %q || exit 1\n' "$tmp"
		printf '%q ' "$@"
		printf '2>%q\n' "$tmp/$S.err"
		printf 'echo $? >%q\n' "$tmp/$S.rc"
		printf 'stty -a >%q 2>&1\n' "$tmp/$S.stty"
		# shellcheck disable=SC2016 # expanded by the wrapper, not here
		printf 'echo "__EXITED__ rc=$(cat %q)"\n' "$tmp/$S.rc"
		printf 'exec sleep 3600\n'
	} >"$tmp/$S.sh"
	chmod +x "$tmp/$S.sh"
	tm new-session -d -s "$S" -x "$W" -y "$H" "$tmp/$S.sh"
}
stop() { [[ -n $S ]] && tm kill-session -t "$S" >/dev/null 2>&1; S=""; }
keys() { tm send-keys -t "$S" "$@"; }
cap() { tm capture-pane -p -t "$S"; }
cap_e() { tm capture-pane -p -e -t "$S" >"$tmp/cap.e"; }
exited() { [[ -s $tmp/$S.rc ]]; }

# wait_for REGEX [SECONDS]: until the screen text matches (grep -E, any line).
wait_for() {
	local re=$1 tmo=${2:-$TIMEOUT} i n
	n=$((tmo * 20))
	for ((i = 0; i <= n; i++)); do
		cap >"$tmp/cap" 2>/dev/null && grep -Eq -- "$re" "$tmp/cap" && return 0
		sleep 0.05
	done
	return 1
}
# wait_gone REGEX [SECONDS]: until no line matches.
wait_gone() {
	local re=$1 tmo=${2:-$TIMEOUT} i n
	n=$((tmo * 20))
	for ((i = 0; i <= n; i++)); do
		cap >"$tmp/cap" 2>/dev/null && ! grep -Eq -- "$re" "$tmp/cap" && return 0
		sleep 0.05
	done
	return 1
}
# wait_cond CMD...: until the shell command succeeds (it sees a fresh $tmp/cap, $tmp/cap.e).
wait_cond() {
	local i n=$((TIMEOUT * 20))
	for ((i = 0; i <= n; i++)); do
		cap >"$tmp/cap" 2>/dev/null && cap_e 2>/dev/null && "$@" && return 0
		sleep 0.05
	done
	return 1
}

# Assertions: each one a pass or a fail with the screen shown.
see() { if wait_for "$1" "${2:-$TIMEOUT}"; then ok; else bad "never saw /$1/"; fi; }
see_not() { if wait_gone "$1" "${2:-$TIMEOUT}"; then ok; else bad "still see /$1/"; fi; }
alive() { if exited; then bad "the program exited (status $(cat "$tmp/$S.rc"))"; else ok; fi; }
want_exit() { # want_exit STATUS: the program ended with it and left a usable terminal
	local st
	if wait_for "__EXITED__"; then ok; else
		bad "did not exit"
		return
	fi
	st=$(cat "$tmp/$S.rc")
	if [[ $st == "$1" ]]; then ok; else bad "exit status $st, want $1"; fi
	restored
}
restored() { # the terminal is back in its normal modes, on the normal screen, cursor on
	local f
	f=$(tm display-message -p -t "$S" '#{alternate_on} #{cursor_flag} #{keypad_flag}')
	if [[ $f == "0 1 0" ]]; then ok; else bad "terminal not restored: alternate,cursor,keypad = $f"; fi
	if grep -Eq '(^|[ ;])icanon' "$tmp/$S.stty" && grep -Eq '(^|[ ;])echo([ ;]|$)' "$tmp/$S.stty" &&
		! grep -Eq -- '-icanon|(^|[ ;])-echo([ ;]|$)' "$tmp/$S.stty"; then
		ok
	else
		bad "terminal modes not restored: $(tr '\n' ' ' <"$tmp/$S.stty" | head -c 300)"
	fi
}

set_state() { # set_state DEV STATE: what the driver's state file reads now (atomically)
	printf '%s\n' "$2" >"$tmp/state.tmp" && mv "$tmp/state.tmp" "$root/$1/migration/state"
}
fix() { # fix SCENARIO [N]: a fresh fixture tree in $root, device names in $root.names
	root="$tmp/fx-$1${2:+-$2}-$RANDOM"
	"$FIXGEN" "$root" "$@" >"$root.names" || {
		echo "screen: mkfixture $* failed"
		exit 1
	}
}
mig() { # mig W H ARGS...: migtop on $root in a W x H pane
	local w=$1 h=$2
	shift 2
	start "$w" "$h" "$MIGTOP" --root "$root" --fixture "$@"
}
migk() { # migk W H ARGS...: the same with the fixture's kernel log ($root.kmsg)
	local w=$1 h=$2
	shift 2
	start "$w" "$h" "$MIGTOP" --root "$root" --fixture --kmsg "$root.kmsg" "$@"
}
# The device list is up: both pair devices with their states.
list_up() {
	see "$SRC.*STOP|STOP.*$SRC"
	see "$DST.*RESUMING|RESUMING.*$DST"
}
# Select the source (first row), mark it, move down, mark the destination, compare.
compare_pair() {
	keys s
	keys Down
	keys d
	keys c
}

# hex_marked [EQ DIFF V1 V2]: a differing hex byte (DIFF of row 0, which reads V1 in one
# pane and V2 in the other) carries an attribute that the equal byte EQ does not, in two
# panes.  Default: qp_num (byte 8: 10 or 08) against byte 7.
hex_marked() {
	perl "$SGR" hexdiff "$tmp/cap.e" "${1:-7}" "${2:-8}" >"$tmp/hex"
	# lines "00000000: maskA maskB textA textB"
	V1=${3:-10} V2=${4:-08} perl -ne 'BEGIN { $n = 0 } my @f = split;
		next unless @f == 5 && $f[0] eq "00000000:" && ($f[4] eq $ENV{V1} || $f[4] eq $ENV{V2});
		my ($a, $b) = (hex($f[1]) % 8, hex($f[2]) % 8);
		$n++ if $b && $b != $a; END { exit($n >= 2 ? 0 : 1) }' "$tmp/hex"
}
no_colour() { [[ -z $(perl "$SGR" colours "$tmp/cap.e") ]]; }
# styled_apart A B: the first character of text A on screen carries other attributes
# (colour, bold, ...) than the first of text B (a kernel err line against plain text).
styled_apart() {
	perl "$SGR" plain "$tmp/cap.e" >"$tmp/plain"
	perl "$SGR" attrs "$tmp/cap.e" >"$tmp/attrs"
	A=$1 B=$2 perl -e 'open(my $p, "<:encoding(UTF-8)", $ARGV[0]) or exit 1;
		open(my $m, "<", $ARGV[1]) or exit 1;
		my @p = <$p>; my @m = <$m>; my ($ma, $mb);
		for my $i (0 .. $#p) {
			my $ca = index($p[$i], $ENV{A}); my $cb = index($p[$i], $ENV{B});
			$ma //= substr($m[$i], $ca, 1) if $ca >= 0;
			$mb //= substr($m[$i], $cb, 1) if $cb >= 0;
		}
		exit(defined $ma && defined $mb && $ma ne $mb ? 0 : 1)' "$tmp/plain" "$tmp/attrs"
}

# less shows its (END) prompt in standout: the decoder must see reverse (4) there.
end_reverse() {
	local n
	n=$(perl "$SGR" plain "$tmp/cap.e" | grep -n '(END)' | head -n 1 | cut -d: -f1)
	[[ -n $n ]] && perl "$SGR" attrs "$tmp/cap.e" | sed -n "${n}p" | grep -q '^[4567cdef]'
}

# ---- the harness itself (SCREEN_SELFTEST=1) --------------------------------------------
selftest() {
	local f="$tmp/lines"
	seq 1 500 | sed 's/^/line /' >"$f"
	if t "selftest: less shows text, a reverse prompt, and quits with 0"; then
		start 60 10 less -R "$f"
		see '^line 1$'
		keys G
		see '^line 500$'
		# less shows (END) in standout: the attribute decoder must see reverse (4)
		if wait_cond end_reverse; then ok; else bad "(END) not in reverse video"; fi
		keys q
		want_exit 0
	fi
	if t "selftest: resize redraws"; then
		start 60 10 less -R "$f"
		see '^line 9$'
		tm resize-window -t "$S" -x 60 -y 30
		see '^line 29$'
		keys q
		want_exit 0
	fi
	if t "selftest: a wrong expectation is reported as a failure"; then
		local before=$fail
		start 60 10 less -R "$f"
		quiet=1
		TIMEOUT=1 see 'this text is not on the screen'
		quiet=0
		if ((fail == before + 1)); then
			fail=$before
			ok
		else
			bad "the harness did not report a wrong expectation"
		fi
		keys q
	fi
	if t "selftest: the hex check rejects unmarked and uniformly marked bytes"; then
		local row='00000000: de de ca de ed fe cc aa 10 00 00 00 56 a2 00 00'
		printf '%s    %s\n' "$row" "${row/ 10 / 08 }" >"$tmp/cap.e"
		if hex_marked 7 8 10 08; then bad "an unmarked row passed"; else ok; fi
		printf '\e[1m%s    %s\n' "$row" "${row/ 10 / 08 }" >"$tmp/cap.e"
		if hex_marked 7 8 10 08; then bad "an all-bold row passed"; else ok; fi
		local e=$'\e'
		printf '%s    %s\n' "${row/ 10 / ${e}[7m10${e}[27m }" "${row/ 10 / ${e}[4m08${e}[0m }" >"$tmp/cap.e"
		if hex_marked 7 8 10 08; then ok; else bad "reverse/underline on byte 8 not seen"; fi
	fi
	if [[ -n ${MIGTOP:-} && -n ${FIXGEN:-} ]] && t "selftest: a wrong value on migtop's screen fails"; then
		local before=$fail
		fix pair-qpnum
		mig 120 40
		wait_for "$DST"
		quiet=1
		TIMEOUT=2 see "qp_num.* 17 "
		quiet=0
		if ((fail == before + 1)); then
			fail=$before
			ok
		else
			bad "the harness did not report a wrong expectation"
		fi
	fi
}

# ---- migtop ---------------------------------------------------------------------------
tests() {
	if t "list shows both devices and their states"; then
		fix pair-qpnum
		mig 120 40
		list_up
		alive
	fi

	if t "Enter opens the detail: timeline and decoded fields"; then
		fix pair-qpnum
		mig 120 40
		list_up
		keys Enter
		# decoded dev_data: field, offset, value
		see "qp_num[^0-9]+8[^0-9]+16([^0-9]|$)"
		see "dev_id[^0-9]+12[^0-9]"
		see "acc_magic"
		see "[Ss]tate changes|[Tt]imeline"
		# a state change shows up in the timeline with its FSM verdict (inferred steps:
		# STOP -> PRE_COPY passes RUNNING; hisi_acc has no P2P states)
		echo PRE_COPY >"$root/$SRC/migration/state"
		see "STOP (→|->) PRE_COPY"
		see "[Ii]nferred via RUNNING( |$)"
		keys Escape
		see_not "[Ss]tate changes|[Tt]imeline"
		see "$DST"
	fi

	if t "s/d/c compare: the stream's qp_num 16, the closed destination, the kernel's reason"; then
		fix pair-qpnum
		migk 120 40
		list_up
		compare_pair
		see "qp_num +8 +16 \\(0x10\\)"
		see "failed to match VF qp num"
		see "not opened \\(EINVAL\\)"
		alive
	fi

	if t "--pair then c compares the same way"; then
		fix pair-qpnum
		migk 120 40 --pair "$SRC=$DST"
		see "$DST"
		keys c
		see "failed to match VF qp num"
	fi

	# The issue's q16 -> q8 destination, rejected by its kernel (a faithful fixture: the
	# destination closed, dev_data EINVAL, the kernel line in a kmsg file).
	local sz
	for sz in "120 40" "80 24"; do
		# shellcheck disable=SC2086 # two words on purpose
		if t "compare at ${sz/ /x}: accept fails on qp_num, the kernel's line quoted verbatim"; then
			fix pair-qpnum
			migk ${sz} --pair "$SRC=$DST"
			see "$DST"
			keys c
			see "^verdict: reject \\(failed: accept\\)"
			# one line per check; the failed one first, its kernel line right under it
			see "^(✗|x) accept +fail +qp_num: the destination's kernel says"
			see "^ +kernel: hisi_acc_vfio_pci $DST: failed to match VF qp num"
			see "^\\? (stream|restore|capture) +unknown "
			# dev_data is a register snapshot: its header fields are not in it
			see "qp_num +8 +not in dev_data"
			see "acc_magic +0 +not in dev_data"
			see_not "qp_num +8 +0( |$)"
			alive
		fi
	done

	if t "compare: the lines after the dump (guest driver load with its meaning, the length)"; then
		fix pair-qpnum
		migk 120 40 --pair "$SRC=$DST"
		see "$DST"
		keys c
		# the kernel's line alone fails accept before migf_data is read: wait for the copy
		see "qp_num source 16"
		keys NPage NPage
		see "guest driver load +[01] \\(QM_(NOT_)?READY: guest driver (not )?running\\)"
		see "migrate data length +176"
		see "data size +176 .*not in migf_data|not in dev_data.*migrate data length|migrate data length +not in dev_data"
		alive
	fi

	if t "a migration watched by the console: every check passes, accept"; then
		fix pair-ok
		set_state "$SRC" STOP_COPY
		set_state "$DST" RESUMING
		mig 120 40 --pair "$SRC=$DST"
		see "$SRC.*STOP_COPY"
		see "$DST.*RESUMING"
		keys c
		see "^verdict: incomplete"
		set_state "$DST" STOP
		set_state "$SRC" STOP
		see "^verdict: accept \\(every check passed\\)"
		for c in stream accept restore capture; do
			see "^(✓|\\+) $c +pass "
		done
		keys Escape
		see "^S $SRC .*accept"
		see "^D $DST" # accepted: no mark
		alive
	fi

	if t "without the kernel log: accept unknown, nothing quoted"; then
		fix pair-qpnum
		mig 120 40 --pair "$SRC=$DST"
		see "$DST"
		keys c
		see "^verdict: incomplete"
		see "accept +unknown +.*qp_num"
		see_not "kernel: hisi_acc"
		# nothing failed, no kernel line: no mark in the list
		keys Escape
		see "^D $DST"
		alive
	fi

	for sz in "120 40" "80 24"; do
		# shellcheck disable=SC2086 # two words on purpose
		if t "detail at ${sz/ /x}: the destination's kernel line in its timeline, the list mark"; then
			fix pair-qpnum
			migk ${sz} --pair "$SRC=$DST"
			list_up
			# the rejected destination is marked in the list, the source is not
			see "^D!$DST"
			see "^S $SRC"
			keys Down
			see "$DST: the destination check failed .*; kernel err: "
			keys Enter
			see "[Tt]imeline"
			# a --kmsg file has another clock: its own section, by sequence number
			see "kernel log \\(by seq, another clock\\)"
			see "#1042 \\[ *[0-9]+\\.[0-9]{6}\\] err:"
			see "failed to match VF qp num"
			# the err line in the theme's error style, not as plain text
			if wait_cond styled_apart "#1042" "no state change seen yet"; then ok; else
				bad "the kernel's err line is styled like plain text"
			fi
			alive
		fi
	done

	if t "detail without a kernel log says so"; then
		fix pair-qpnum
		mig 120 40
		list_up
		see "^  $DST" # no role, no mark
		keys Down Enter
		see "kernel log: off"
		alive
	fi

	if t "20x5 with the kernel log: list, detail and compare do not crash"; then
		fix pair-qpnum
		migk 20 5 --pair "$SRC=$DST"
		see "small"
		keys Down Enter
		alive
		keys Escape c
		alive
		tm resize-window -t "$S" -x 80 -y 24
		see "accept +fail"
		tm resize-window -t "$S" -x 20 -y 5
		see "small"
		keys Escape Enter
		tm resize-window -t "$S" -x 80 -y 24
		see "failed to match VF qp num"
		keys q
		want_exit 0
	fi

	local th
	for th in default light high-contrast mono no-color; do
		# the destination received a stream with a bad magic (bytes 0-7 differ, byte 7 is
		# aa in the source's V2 magic, 01 in the bad one; qp_num, byte 8, is equal)
		if t "x hex view: the differing byte has an attribute ($th)"; then
			fix pair-badmagic
			if [[ $th == no-color ]]; then
				migk 120 40 --no-color
			else
				migk 120 40 --theme "$th"
			fi
			list_up
			if grep -Eiq "theme.*(not found|unknown|invalid)" "$tmp/cap"; then
				bad "theme $th not loaded"
			else
				ok
			fi
			compare_pair
			see "failed to match ACC_DEV_MAGIC"
			keys x
			see "00000000:? +[0-9a-f]{2} "
			if wait_cond hex_marked 8 7 aa 01; then ok; else
				bad "acc_magic's byte (00000000 +7) is not marked by bold/underline/reverse"
				sed 's/^/  hex | /' "$tmp/hex"
			fi
			if [[ $th == no-color ]]; then
				if wait_cond no_colour; then ok; else
					bad "--no-color still draws colours: $(perl "$SGR" colours "$tmp/cap.e" | tr '\n' ' ')"
				fi
			fi
			keys n
			alive
		fi
	done

	if t "NO_COLOR in the environment draws no colour"; then
		fix pair-qpnum
		start 120 40 env NO_COLOR=1 "$MIGTOP" --root "$root" --fixture
		list_up
		if wait_cond no_colour; then ok; else bad "NO_COLOR=1 still draws colours"; fi
	fi

	if t "? help lists the keys, Esc closes it"; then
		fix pair-qpnum
		mig 120 40
		list_up
		keys '?'
		see "[Qq]uit"
		see "[Hh]elp"
		see "[Cc]ompare"
		see "[Hh]ex"
		see "[Nn]ext"
		see "[Ss]ource"
		see "[Dd]estination"
		see "'!' after S/D marks a rejected destination"
		keys Escape
		see_not "[Nn]ext difference|[Nn]ext diff"
		list_up
	fi

	if t "20x5 shows the too-small message, then the list when it grows"; then
		fix pair-qpnum
		mig 20 5
		see "[Tt]oo small|[Tt]erminal.*small|small"
		alive
		keys '?'
		keys Enter
		alive
		tm resize-window -t "$S" -x 120 -y 40
		keys Escape
		list_up
		keys q
		want_exit 0
	fi

	if t "400x120 works"; then
		fix pair-qpnum
		migk 400 120
		list_up
		keys '?'
		see "[Qq]uit"
		keys Escape
		compare_pair
		see "failed to match VF qp num"
		keys x
		see "00000000:? +[0-9a-f]{2} "
		keys q
		want_exit 0
	fi

	if t "a resize redraws"; then
		fix pair-qpnum
		mig 120 40
		list_up
		tm resize-window -t "$S" -x 60 -y 12
		if wait_cond sh -c "[ \$(wc -l <'$tmp/cap') -le 12 ] && grep -q '$DST' '$tmp/cap'"; then
			ok
		else
			bad "not redrawn at 60x12"
		fi
		tm resize-window -t "$S" -x 20 -y 5
		see "small"
		tm resize-window -t "$S" -x 200 -y 50
		list_up
		alive
	fi

	if t "the theme is switched by option (--theme and the config file)"; then
		local a b c
		fix pair-qpnum
		mig 120 40 --theme default
		list_up
		perl "$SGR" colours <(tm capture-pane -p -e -t "$S") >"$tmp/col.default"
		mig 120 40 --theme light
		list_up
		perl "$SGR" colours <(tm capture-pane -p -e -t "$S") >"$tmp/col.light"
		mkdir -p "$tmp/xdg2/migtop"
		cp -r "$XDG_CONFIG_HOME/migtop/themes" "$tmp/xdg2/migtop/"
		echo "theme = light" >"$tmp/xdg2/migtop/config"
		start 120 40 env XDG_CONFIG_HOME="$tmp/xdg2" "$MIGTOP" --root "$root" --fixture
		list_up
		perl "$SGR" colours <(tm capture-pane -p -e -t "$S") >"$tmp/col.config"
		a=$(cat "$tmp/col.default") b=$(cat "$tmp/col.light") c=$(cat "$tmp/col.config")
		if [[ -n $a && -n $b && $a != "$b" ]]; then ok; else bad "default and light draw the same colours"; fi
		if [[ $b == "$c" ]]; then ok; else bad "config 'theme = light' draws other colours than --theme light"; fi
	fi

	if t "a device removed while running is shown as gone"; then
		fix pair-ok
		mig 120 40
		see "$DST"
		rm -rf "${root:?}/$DST"
		see "$DST.*[Gg]one|[Gg]one.*$DST"
		alive
	fi

	if t "1000 devices: End shows the last one, Home the first"; then
		local first last
		fix many 1000
		first=$(sort "$root.names" | head -n 1)
		last=$(sort "$root.names" | tail -n 1)
		mig 120 40
		see "$first"
		keys End
		see "$last"
		keys Home
		see "$first"
		keys NPage NPage PPage
		alive
		keys q
		want_exit 0
	fi

	if t "q exits with status 0 and restores the terminal"; then
		fix pair-qpnum
		mig 120 40
		list_up
		keys q
		want_exit 0
	fi

	if t "Ctrl-C restores the terminal"; then
		fix pair-qpnum
		mig 120 40
		list_up
		keys C-c
		if wait_for "__EXITED__"; then ok; else bad "Ctrl-C did not end it"; fi
		restored
	fi
}

if [[ ${SCREEN_SELFTEST:-0} == 1 ]]; then
	selftest
else
	tests
	# more tests, one file per topic (they use the helpers above)
	for f in "$here"/t_*.sh; do
		[[ -e $f ]] || continue
		# shellcheck source=/dev/null
		source "$f"
	done
fi
stop
echo "screen: $pass passed, $fail failed"
((fail == 0))
