# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/screen/run.sh (its helpers: t, fix, start, see, keys, cap...).
# Issue 11: --replay FILE in the console.  A short scripted run over a fixture tree is
# recorded (as tests/cli/t_record.sh does), then replayed in the console: the status line
# (replayed time, place, speed, playing/paused), the keys, and what the device list shows.

# The replay's status line: "replay TIME  +S s of T s  Nx  STATE"
RPL_RE='replay [0-9T:.-]+Z  \+[0-9.]+ s of [0-9.]+ s  [0-9.]+x  '
rpl_time() { # the replayed time on screen now
	cap | grep -oE 'replay [0-9T:.-]+Z' | head -n 1
}
# rpl_record ROOT [ARGS...]: record a run of ROOT (with ARGS) into $rec: $SRC RUNNING,
# STOP_COPY, STOP a second apart, then $DST RUNNING about 6 s in (the recording ends with
# its last change).
rpl_record() {
	local r=$1/$SRC/migration/state d=$1/$DST/migration/state
	rec="$tmp/replay-$RANDOM.rec"
	"$MIGTOP" --root "$1" --fixture --json -n 30 -d 250 --record "$rec" "${@:2}" >/dev/null 2>&1 &
	local pid=$!
	sleep 1
	printf 'RUNNING\n' >"$r.new" && mv "$r.new" "$r"
	sleep 1
	printf 'STOP_COPY\n' >"$r.new" && mv "$r.new" "$r"
	sleep 1
	printf 'STOP\n' >"$r.new" && mv "$r.new" "$r"
	sleep 3
	printf 'RUNNING\n' >"$d.new" && mv "$d.new" "$d"
	wait "$pid"
}
# rpl_goto TEXT: g, the text, Enter
rpl_goto() {
	keys g
	keys -l -- "$1"
	keys Enter
}

if t "replay: the console plays a recording, with its status line, to its end"; then
	fix pair-ok
	rpl_record "$root"
	start 120 30 "$MIGTOP" --replay "$rec"
	see "${RPL_RE}playing"
	see "$SRC +(STOP|RUNNING|STOP_COPY) "
	# ] doubles the speed, [ halves it
	keys ']'
	see ' 2x  (playing|end of recording)'
	keys ']'
	see ' 4x  (playing|end of recording)'
	keys '['
	see ' 2x  (playing|end of recording)'
	# at the end it stops, paused, with the last states
	see "\+([0-9.]+) s of \1 s  2x  end of recording" 15
	see "$SRC +STOP "
	see "$DST +RUNNING "
	# Space at the end: from the start again
	keys Space
	see '\+[0-2]\.[0-9] s of [0-9.]+ s  2x  playing'
	alive
	keys q
	want_exit 0
fi

if t "replay: Space pauses (the time stops) and plays (it moves); Home and End"; then
	fix pair-ok
	rpl_record "$root"
	start 120 30 "$MIGTOP" --replay "$rec"
	see "${RPL_RE}playing"
	keys Home
	see '\+0\.0 s of [0-9.]+ s  1x  paused'
	a=$(rpl_time)
	sleep 0.6
	b=$(rpl_time)
	[[ -n $a && $a == "$b" ]] && ok || bad "paused, the time moved: '$a' then '$b'"
	keys Space
	see "${RPL_RE}playing"
	if wait_cond eval '[[ $(grep -oE "replay [0-9T:.-]+Z" "$tmp/cap" | head -n 1) != "$a" ]]'; then ok; else
		bad "playing, the time stayed at '$a'"
	fi
	keys Space
	see "${RPL_RE}paused"
	a=$(rpl_time)
	sleep 0.6
	b=$(rpl_time)
	[[ -n $a && $a == "$b" ]] && ok || bad "paused again, the time moved: '$a' then '$b'"
	keys End
	see "\+([0-9.]+) s of \1 s  1x  end of recording"
	see "$DST +RUNNING "
	keys Home
	see '\+0\.0 s of [0-9.]+ s  1x  paused'
	see_not "$DST +RUNNING "
	alive
fi

if t "replay: Right goes to the next change of the selected device (its STATE), Left back"; then
	fix pair-ok
	rpl_record "$root"
	start 120 30 "$MIGTOP" --replay "$rec"
	see "${RPL_RE}playing"
	keys Home
	see '\+0\.0 s of'
	# the first row ($SRC) is selected: its changes one by one up to RUNNING, STOP_COPY
	for want in RUNNING STOP_COPY; do
		for _ in 1 2 3 4 5 6 7 8; do
			wait_for "^ *$SRC +$want " 1 && break
			keys Right
		done
		see "^ *$SRC +$want "
		see "${RPL_RE}paused"
	done
	# the $DST row did not change on the way (its change is the last one)
	see "^ *$DST +STOP "
	keys Left
	see "^ *$SRC +RUNNING "
	keys Left
	see "^ *$SRC +STOP "
	alive
fi

if t "replay: g goes to a time (+SECONDS from the replayed time, then an ISO time)"; then
	fix pair-ok
	rpl_record "$root"
	start 120 30 "$MIGTOP" --replay "$rec"
	see "${RPL_RE}playing"
	keys Home
	see '\+0\.0 s of'
	rpl_goto "+5"
	see '\+5\.0 s of [0-9.]+ s  1x  paused'
	see "^ *$SRC +STOP "
	rpl_goto "-4.5"
	see '\+0\.5 s of [0-9.]+ s  1x  paused'
	see "^ *$SRC +STOP "
	# an ISO time: the one on screen at +5 s, from the start
	rpl_goto "+4.5"
	see '\+5\.0 s of [0-9.]+ s  1x  paused'
	iso=$(rpl_time)
	iso=${iso#replay }
	keys Home
	see '\+0\.0 s of'
	rpl_goto "$iso"
	see "replay $iso  \+5\.0 s of"
	see "^ *$SRC +STOP "
	rpl_goto "yesterday"
	see "go to 'yesterday': not an ISO 8601 UTC time"
	alive
fi

if t "replay: the detail's timeline and the compare, as live, at the replayed time"; then
	fix pair-ok
	rpl_record "$root"
	start 120 40 "$MIGTOP" --replay "$rec" --pair "$SRC=$DST"
	see "${RPL_RE}"
	keys End
	see "end of recording"
	keys Enter
	see "timeline: 3 state changes"
	see "[0-9:.]+ STOP_COPY (→|->) STOP "
	see "[0-9:.]+ STOP (→|->) RUNNING "
	# back to where $SRC became RUNNING: the timeline has that one change
	keys Escape
	keys Home
	see '\+0\.0 s of'
	for _ in 1 2 3 4 5 6 7 8; do
		wait_for "^ *S $SRC +RUNNING " 1 && break
		keys Right
	done
	keys Enter
	see "timeline: 1 state change"
	see "[0-9:.]+ STOP (→|->) RUNNING "
	see_not "STOP_COPY"
	keys Escape
	keys c
	see "^verdict: "
	see "source dev_data +$SRC"
	alive
fi

if t "replay: the recorded --pair is compared without giving it again"; then
	fix pair-ok
	rpl_record "$root" --pair "$SRC=$DST"
	start 120 40 "$MIGTOP" --replay "$rec"
	see "${RPL_RE}"
	see "^ *S $SRC +"
	see "^ *D $DST +"
	keys c
	see "^verdict: "
	see "source dev_data +$SRC"
	alive
fi

if t "replay: the help lists the replay's keys"; then
	fix pair-ok
	rpl_record "$root"
	start 120 60 "$MIGTOP" --replay "$rec"
	see "${RPL_RE}"
	keys F1
	see "replaying a recording \(--replay FILE\)"
	see "^ *Space +replay: pause / play"
	see "^ *g +replay: go to a time"
	keys Escape
	alive
fi

if t "replay: a 20x5 terminal takes every replay key"; then
	fix pair-ok
	rpl_record "$root"
	start 20 5 "$MIGTOP" --replay "$rec"
	sleep 0.5
	keys ']' Right Left Home End '[' Space
	rpl_goto "+1"
	keys Space Home
	sleep 0.5
	alive
	keys q
	want_exit 0
fi
