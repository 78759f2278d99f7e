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
# (the options as the run stored them: its --deadline, -d, --stuck and --pair)
head -1 "$out" | grep -q '^{"type":"header","format_version":1,"migtop_version":"[^"]*","t0":"[0-9T:.-]*Z","hosts":\[{"name":"[^"]*","kernel":"[^"]*","root":"'"$root"'"}\],"options":{"deadline_ms":"1000","interval_ms":"300","stuck":"[A-Z_=0-9,]*","pair":"'"$SRC=$DST"'"}}$' &&
	ok || bad "header line: $(head -1 "$out")"
tail -1 "$out" | grep -q '^{"type":"end","records":[0-9]*,"message":null}$' && ok || bad "end line"
want_out '"type":"read",.*"path":"'"$SRC"'/migration/state","errno":null,.*"data":"STOP_COPY\\n"'
want_out '"type":"list",.*"path":"","errno":null,"names":\["'"$SRC"'","'"$DST"'"\]'

t "--replay compares the recorded --pair unless another is given"
run --replay "$rec" --json
want_rc 0
want_out '"src": "'"$SRC"'",'
want_out '"dst": "'"$DST"'",'
want_out '"verdict": "(accept|reject|incomplete)"'
run --replay "$rec" --json --pair "$DST=$SRC"
want_rc 0
want_out '"src": "'"$DST"'",'
# a recording without a pair: none at replay
"$MIGTOP" --root "$root" --fixture --once --json --record "$tmp/nopair.rec" >/dev/null 2>&1
run --replay "$tmp/nopair.rec" --json
want_rc 0
want_no_out '"compare"'
run --replay "$tmp/nopair.rec" --dump
want_no_out '"pair"'

t "--replay of more files than reader threads may hold at its start ends (300 devices, 1,140 reads)"
# At a replay's start every file's first read is held until its recorded end, one reader
# thread each; past the reader's cap the rest queue, and a replayer that waited for them
# let its clock go on only every 5 s of real time (it ran for hours).  The bound below
# only tells a hang from an end.
fix many 300
"$MIGTOP" --root "$root" --fixture --json -n 2 -d 250 --record "$tmp/many.rec" >/dev/null 2>&1
timeout 120 "$MIGTOP" --replay "$tmp/many.rec" --json -n 1 >"$out" 2>"$err"
rc=$?
want_rc 0
n=$(grep -o '"migration":true' "$out" | wc -l)
[[ $n -eq 300 ]] && ok || bad "the replay shows $n devices, want 300"
want_out '"unread":0,'

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
run --replay "$rec" --record "$tmp/again.rec" --once
want_rc 2
want_err -- '--replay does not combine with --record'

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

# What a snapshot says of its devices that does not depend on its wall-clock age: each
# device's name, migration and state, each file's status, errno and text or bytes, its
# state changes, the compare verdict, the kernel log records (one JSON snapshot on stdin).
rec_norm() {
	tr -d ' \n' | grep -o '"name":"[^"]*","migration":[a-z]*\|"state":"[A-Z_]*"\|"[a-z_]*":{"status":"[a-z_]*","errno":[^,]*\|"text":"\([^"\\]\|\\.\)*"\|"bytes":"[0-9a-f]*"\|"transitions":[0-9]*\|"verdict":"[^"]*"\|"kernel_log":\(null\|\[[^]]*\]\)'
}

t "--replay: at every snapshot of a whole recorded run, the snapshot the live run printed then"
fix pair-qpnum
rec="$tmp/whole.rec"
"$MIGTOP" --root "$root" --fixture --kmsg "$root.kmsg" --json -n 14 -d 200 --pair "$SRC=$DST" \
	--record "$rec" --log "$tmp/whole.log" >"$tmp/live" 2>"$tmp/live.err" &
pid=$!
put() { printf '%s\n' "$2" >"$1.new" && mv "$1.new" "$1"; }
mig="$root/$SRC/migration"
sleep 0.3
put "$mig/state" RUNNING
sleep 0.3
put "$mig/state" STOP_COPY
put "$mig/hisi_acc/cmd_state.errno" EBUSY
sleep 0.3
put "$root/$DST/migration/state" RESUMING
sleep 0.3
rm -f "$mig/hisi_acc/cmd_state.errno"
put "$mig/state" STOP
sleep 0.3
put "$root/$DST/migration/state" RUNNING
wait "$pid"
rc=$?
want_rc 0
nlines=$(wc -l <"$tmp/live")
[[ $nlines -eq 14 ]] && ok || bad "live run printed $nlines lines, want 14"
kinds=$(rec_norm <"$tmp/live" | sort -u | grep -c '"state":"')
((kinds >= 4)) && ok || bad "the live run saw $kinds distinct states, want 4"
i=0 same=0
while IFS= read -r line; do
	i=$((i + 1))
	when=$(printf '%s\n' "$line" | grep -o '"time":"[^"]*","root"' | sed 's/"time":"//; s/Z","root"$//')
	# the live time is cut to the millisecond: the snapshot saw reads up to its end
	run --replay "$rec" --json --at "${when}999999Z" --pair "$SRC=$DST"
	want_rc 0
	printf '%s\n' "$line" | rec_norm >"$tmp/n.live"
	rec_norm <"$out" >"$tmp/n.rep"
	if [[ -s $tmp/n.live ]] && cmp -s "$tmp/n.live" "$tmp/n.rep"; then
		same=$((same + 1))
		ok
	else
		bad "line $i at $when differs (live <, replayed >): $(diff "$tmp/n.live" "$tmp/n.rep" | grep '^[<>]' | head -4 | tr '\n' ' ')"
	fi
done <"$tmp/live"
((same == 14)) && ok || bad "$same of 14 snapshots replayed the same"

t "--replay --log -: the recording's change log, with the recorded times"
run --replay "$rec" --log - --json
want_rc 0
# the live log: the same events, the same times (the engine's time of each change there,
# the recorded end of the read that showed it here: a few ms apart on a loaded machine;
# replayed on the real clock they would be seconds apart)
strip_t() { sed 's/^{"time":"[^"]*",//'; }
strip_t <"$tmp/whole.log" >"$tmp/l.live"
strip_t <"$out" >"$tmp/l.rep"
if [[ -s $tmp/l.live ]] && cmp -s "$tmp/l.live" "$tmp/l.rep"; then ok; else
	bad "log differs: $(diff "$tmp/l.live" "$tmp/l.rep" | grep '^[<>]' | head -4 | tr '\n' ' ')"
fi
ms_of() { # 2026-11-30T15:02:24.403Z -> milliseconds of the day
	local t=${1#*T}
	t=${t%Z}
	echo $(((10#${t:0:2} * 3600 + 10#${t:3:2} * 60 + 10#${t:6:2}) * 1000 + 10#${t:9:3}))
}
far=0
while IFS= read -r a && IFS= read -r b <&3; do
	ta=$(ms_of "$(printf '%s' "$a" | sed 's/^{"time":"\([^"]*\)".*/\1/')")
	tb=$(ms_of "$(printf '%s' "$b" | sed 's/^{"time":"\([^"]*\)".*/\1/')")
	d=$((ta - tb))
	((d < 0)) && d=$((-d))
	((d > 100)) && far=$((far + 1))
done <"$tmp/whole.log" 3<"$out"
((far == 0)) && ok || bad "$far log lines more than 100 ms from the live time"
grep -q '"event":"state","from":"STOP_COPY","to":"STOP"' "$out" && ok ||
	bad "the replayed log lacks the STOP_COPY -> STOP change"
want_out '"event":"kernel","seq":1042'

t "--replay -n N -d MS: snapshots on the recording's clock, MS apart"
run --replay "$rec" -n 4 -d 500 --json
want_rc 0
n=$(wc -l <"$out")
[[ $n -eq 4 ]] && ok || bad "$n snapshots, want 4"
t1=$(ms_of "$(sed -n 2p "$out" | grep -o '"time":"[^"]*"' | sed 's/"time":"//; s/"$//')")
t2=$(ms_of "$(sed -n 3p "$out" | grep -o '"time":"[^"]*"' | sed 's/"time":"//; s/"$//')")
d=$((t2 - t1))
((d >= 500 && d <= 510)) && ok || bad "snapshots $d ms apart on the recording's clock, want 500"
first=$(head -1 "$tmp/live" | grep -o '"time":"[^"]*"')
head -1 "$out" | grep -q "${first:0:22}" && ok || bad "first snapshot not at the recording's start ($first)"
# the run ends with the recording: one snapshot a second from the first to the last record
# (about 1.5 s in; more on a loaded machine, where the script's sleeps run long)
last_ns=$("$MIGTOP" --replay "$rec" --dump | grep -v '"type":"key"' | grep -o '"t_ns":[0-9]*' |
	sed 's/.*://' | sort -n | tail -1)
run --replay "$rec" -n 100 -d 1000 --json
want_rc 0
n=$(wc -l <"$out")
t1=$(head -1 "$out" | grep -o '"time":"[^"]*"' | sed 's/"time":"//; s/"$//')
span=0
[[ -n $last_ns && -n $t1 ]] && span=$((last_ns / 1000000 % 86400000 - $(ms_of "$t1")))
want=$((span / 1000 + 1))
# (a span within 2 ms of whole seconds: the first snapshot's time is cut to the ms)
[[ $n -eq $want ]] || { ((span % 1000 <= 2 && n == want - 1)); } && ok ||
	bad "$n snapshots 1 s apart of a recording $span ms long from the first, want $want (it ends)"
((n >= 2 && n < 100)) && ok || bad "$n snapshots, want the recording's end to end them"

t "--replay: a read that blocked while recording is blocked in the replay for as long"
fix pair-ok
rec="$tmp/blocked.rec"
fifo="$root/$SRC/migration/hisi_acc/cmd_state"
rm -f "$fifo" && mkfifo "$fifo"
"$MIGTOP" --root "$root" --fixture --json -n 8 -d 200 --deadline 300 --record "$rec" \
	>"$tmp/live" 2>"$tmp/live.err" &
pid=$!
sleep 1
# the blocked read answers, 1 s late; later reads at once
(while :; do printf 'mailbox cmd channel ready!\n' >"$fifo"; done) &
wpid=$!
wait "$pid"
rc=$?
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
want_rc 0
grep -q '"cmd_state":{"status":"blocked"' "$tmp/live" && ok || bad "the live run never showed it blocked"
tail -1 "$tmp/live" | grep -q '"cmd_state":{"status":"ok"' && ok || bad "the live run ended with it not read"
i=0 same=0 blocked=0
while IFS= read -r line; do
	i=$((i + 1))
	when=$(printf '%s\n' "$line" | grep -o '"time":"[^"]*","root"' | sed 's/"time":"//; s/Z","root"$//')
	run --replay "$rec" --json --deadline 300 --at "${when}999999Z"
	printf '%s\n' "$line" | rec_norm >"$tmp/n.live"
	rec_norm <"$out" >"$tmp/n.rep"
	grep -q '"cmd_state":{"status":"blocked"' "$tmp/n.rep" && blocked=$((blocked + 1))
	if cmp -s "$tmp/n.live" "$tmp/n.rep"; then same=$((same + 1)); else
		bad "line $i at $when: $(diff "$tmp/n.live" "$tmp/n.rep" | grep '^[<>]' | head -4 | tr '\n' ' ')"
	fi
done <"$tmp/live"
((same == 8)) && ok || bad "$same of 8 snapshots replayed the same"
((blocked >= 2)) && ok || bad "blocked in $blocked replayed snapshots, want at least 2"
