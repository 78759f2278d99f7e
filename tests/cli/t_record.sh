# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# --record / --replay (sourced by run.sh: uses its helpers t, run, fix, want_*).

# "name state" per device, and the compare verdict, of one JSON snapshot line
rec_states() {
	tr -d ' \n' | grep -o '"name":"[^"]*","migration":[a-z]*,"error":[^,]*,"state":"[^"]*"' |
		sed 's/"name":"\([^"]*\)".*"state":"\([^"]*\)"/\1 \2/' | tr '\n' ' '
}
rec_verdict() { tr -d ' \n' | grep -o '"compare":{[^{]*"verdict":"[^"]*"' | sed 's/.*"verdict":"//; s/"$//'; }

t "--record: a run with state changes replays, at each snapshot's time, the same states"
fix pair-ok
rec="$tmp/run.rec"
"$MIGTOP" --root "$root" --fixture --json -n 8 -d 300 --pair "$SRC=$DST" --record "$rec" \
	>"$tmp/live" 2>"$tmp/live.err" &
pid=$!
for s in RUNNING STOP_COPY STOP RESUMING; do
	sleep 0.35
	printf '%s\n' "$s" >"$root/$SRC/migration/state.new"
	mv "$root/$SRC/migration/state.new" "$root/$SRC/migration/state"
done
wait "$pid"
rc=$?
want_rc 0
nlines=$(wc -l <"$tmp/live")
[[ $nlines -eq 8 ]] && ok || bad "live run printed $nlines lines, want 8"
seen=$(grep -o '"name":"'"$SRC"'","migration":true,"error":null,"state":"[A-Z_]*"' "$tmp/live" |
	sed 's/.*"state":"//' | sort -u | wc -l)
((seen >= 3)) && ok || bad "the live run saw $seen states of $SRC, want at least 3"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	when=$(printf '%s\n' "$line" | grep -o '"time":"[^"]*","root"' | sed 's/"time":"//; s/Z","root"$//')
	# the live time is cut to the millisecond: the snapshot saw reads up to its end
	run --replay "$rec" --json --at "${when}999999Z" --pair "$SRC=$DST"
	want_rc 0
	live_s=$(printf '%s\n' "$line" | rec_states)
	rep_s=$(rec_states <"$out")
	[[ -n $live_s && $live_s == "$rep_s" ]] && ok ||
		bad "line $i at $when: live '$live_s', replayed '$rep_s'"
	live_v=$(printf '%s\n' "$line" | rec_verdict)
	rep_v=$(rec_verdict <"$out")
	[[ -n $live_v && $live_v == "$rep_v" ]] && ok ||
		bad "line $i at $when: compare verdict live '$live_v', replayed '$rep_v'"
done <"$tmp/live"

t "--replay --at +SECONDS, before the start, not a time"
run --replay "$rec" --json --at +0.2
want_rc 0
want_out '"state": "STOP"'
run --replay "$rec" --json --at 2000-01-01T00:00:00Z
want_rc 1
want_err "--at '2000-01-01T00:00:00Z': the recording starts at "
run --replay "$rec" --json --at yesterday
want_rc 1
want_err "not an ISO 8601 UTC time"

t "--replay --dump: JSON lines, header first, end last"
run --replay "$rec" --dump
want_rc 0
head -1 "$out" | grep -q '^{"type":"header","format_version":1,"migtop_version":"[^"]*","t0":"[0-9T:.-]*Z","hosts":\[{"name":"[^"]*","kernel":"[^"]*","root":"'"$root"'"}\]}$' &&
	ok || bad "header line: $(head -1 "$out")"
tail -1 "$out" | grep -q '^{"type":"end","records":[0-9]*,"message":null}$' && ok || bad "end line"
want_out '"type":"read",.*"path":"'"$SRC"'/migration/state","errno":null,.*"data":"STOP_COPY\\n"'
want_out '"type":"list",.*"path":"","errno":null,"names":\["'"$SRC"'","'"$DST"'"\]'

t "--replay of a cut recording: the readable part, and a message"
size=$(stat -c %s "$rec")
head -c $((size - 7)) "$rec" >"$tmp/cut.rec"
run --replay "$tmp/cut.rec" --json
want_rc 0
want_err "recording cut at byte $((size - 7)): last whole record at 20[0-9-]*T[0-9:.]*Z"
want_out '"devices": \['

t "--replay refuses what is not a recording, and another format version"
run --replay "$root/$SRC/migration/state" --json
want_rc 1
want_err 'not a migtop recording'
{ head -c 16 "$rec"; printf '\x02\x00'; tail -c +19 "$rec"; } >"$tmp/v2.rec"
run --replay "$tmp/v2.rec" --dump
want_rc 1
want_err 'recording format version 2: this migtop \([^)]*\) reads version 1 only'

t "--record: a file that cannot be written is an error before anything runs"
run --root "$root" --fixture --once --record /nonexistent/x.rec
want_rc 1
want_err '^migtop: cannot write the recording /nonexistent/x.rec: No such file or directory$'
run --root "$root" --fixture --once --json --record /dev/full
want_rc 1
want_err 'cannot write the recording /dev/full: No space left on device'
: >"$tmp/empty.rec"
run --replay "$tmp/empty.rec" --json
want_rc 1
want_err 'empty.rec: an empty file, not a migtop recording'

t "--record survives kill -9: the file replays up to about a second before"
fix many 4
"$MIGTOP" --root "$root" --fixture --json -n 1000 -d 100 --record "$tmp/k.rec" >/dev/null 2>&1 &
pid=$!
sleep 2.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
run --replay "$tmp/k.rec" --dump
want_rc 0
reads=$(grep -c '"type":"read"' "$out")
((reads >= 4)) && ok || bad "only $reads reads survived"

t "usage: --at and --dump need --replay, --record-max needs --record and a size"
run --at +1 --json
want_rc 2
want_err -- '--at needs --replay FILE'
run --record "$tmp/x.rec" --record-max 10 --once
want_rc 2
want_err -- "--record-max: '10' is not a size"
run --replay "$rec" -n 2
want_rc 2
want_err -- '--replay shows one snapshot'

t "--record-max: a recording below the size is not rotated, and replays whole"
# (rotation itself: tests/unit/test_rec.c, test_rotation_and_reopen)
fix many 64
"$MIGTOP" --root "$root" --fixture --json -n 12 -d 100 --record "$tmp/rot.rec" --record-max 64K \
	>/dev/null 2>"$err"
rc=$?
want_rc 0
[[ -s $tmp/rot.rec && ! -e $tmp/rot.rec.1 ]] && ok || bad "rotated below the size"
run --replay "$tmp/rot.rec" --json
want_rc 0
want_empty_err() { if [[ -s $err ]]; then bad "stderr: $(head -1 "$err")"; else ok; fi; }
want_empty_err
