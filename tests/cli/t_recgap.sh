# shellcheck shell=bash disable=SC2154,SC2034
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  Issue 11, the recording
# side: what a live run showed and its recording used to lose.  A read still blocked when
# the recording stops is recorded unanswered (a replay shows it blocked, as live); the run's
# --deadline and -d are in the recording and a replay uses them unless given; the local
# host's status (up, kernel release) is recorded at the start.

t "recgap: a read blocked when the recording stops replays blocked, with the recorded deadline"
fix not-migrated
fifo="$root/$SRC/migration/hisi_acc/dev_data"
rm -f "$fifo" && mkfifo "$fifo" # never written: blocked until the run ends
rec="$tmp/gap.rec"
rm -f "$rec"
timeout 20 "$MIGTOP" --root "$root" --fixture --json -n 3 -d 300 --deadline 200 --record "$rec" \
	>"$tmp/gap.live" 2>"$err"
rc=$?
want_rc 0
cp "$tmp/gap.live" "$out"
if grep -q '"dev_data":{"status":"blocked","errno":null,"message":"read blocked: no answer for 2[0-9][0-9] ms"' \
	"$tmp/gap.live"; then ok; else bad "the live run did not show dev_data blocked"; fi
# the recording has the read, unanswered, from its start
run --replay "$rec" --dump
want_rc 0
want_out '^\{"type":"read",.*"path":"'"$SRC"'/migration/hisi_acc/dev_data","errno":null,"t_start_ns":[0-9]+,"t_end_ns":[0-9]+,"truncated":false,"answered":false,"data":""\}$'
n=$(grep -c '"answered":false' "$out")
if [[ $n -eq 1 ]]; then ok; else bad "$n unanswered reads recorded, want 1"; fi
# replayed without --deadline: blocked, judged with the recorded 200 ms (the default is 1000)
timeout 20 "$MIGTOP" --replay "$rec" --once --json >"$out" 2>"$err"
rc=$?
want_rc 0
block "$SRC" dev_data
in_block '"status": "blocked",' "replayed --once"
in_block '"message": "read blocked: no answer for 2[0-9][0-9] ms",' "replayed --once"
timeout 20 "$MIGTOP" --replay "$rec" --json -n 3 >"$out" 2>"$err"
rc=$?
want_rc 0
n=$(grep -c '"dev_data":{"status":"blocked","errno":null,"message":"read blocked: no answer for 2[0-9][0-9] ms"' "$out")
if [[ $n -eq 3 ]]; then ok; else bad "dev_data blocked in $n of 3 replayed snapshots, want 3 (as live)"; fi

t "recgap: a replay's --deadline and -d override the recorded ones"
timeout 20 "$MIGTOP" --replay "$rec" --once --json --deadline 150 >"$out" 2>"$err"
rc=$?
block "$SRC" dev_data
in_block '"message": "read blocked: no answer for 1[5-9][0-9] ms",' "--deadline 150"
# the recorded -d 300: replayed snapshots 300 ms apart, as live; -d 100 gives more
timeout 20 "$MIGTOP" --replay "$rec" --json -n 3 >"$out" 2>"$err"
live_times=$(grep -o '"time":"[^"]*"' "$tmp/gap.live" | tr '\n' ' ')
rep_times=$(grep -o '"time":"[^"]*"' "$out" | tr '\n' ' ')
ms_of() { sed -E 's/.*T([0-9]+):([0-9]+):([0-9]+)\.([0-9]+)Z.*/\1 \2 \3 \4/' |
	awk '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }'; }
gaps=$(grep -o '"time":"[^"]*"' "$out" | ms_of | awk 'NR > 1 { printf "%d ", $1 - p } { p = $1 }')
if [[ $gaps == "300 300 " ]]; then ok; else
	bad "replayed snapshots $gaps ms apart, want 300 300 (live: $live_times; replay: $rep_times)"
fi
timeout 20 "$MIGTOP" --replay "$rec" --json -n 3 -d 100 >"$out" 2>"$err"
gaps=$(grep -o '"time":"[^"]*"' "$out" | ms_of | awk 'NR > 1 { printf "%d ", $1 - p } { p = $1 }')
if [[ $gaps == "100 100 " ]]; then ok; else bad "with -d 100: snapshots $gaps ms apart"; fi

t "recgap: the recording keeps the run's options and the local host's status"
hdr() { head -c 2048 "$1" | tr -c '[:print:]' ' '; }
if hdr "$rec" | grep -q 'deadline_ms  *200  *interval_ms  *300 '; then ok; else
	bad "the header lacks deadline_ms 200 and interval_ms 300"
fi
run --replay "$rec" --dump
want_out '^\{"type":"host","t":"[^"]*","t_ns":[0-9]+,"host":0,"keyframe":false,"status":"up","message":"kernel '"$(uname -r)"'"\}$'
# the defaults when not given
rm -f "$rec"
fix pair-ok
run --root "$root" --fixture --once --json --record "$rec"
want_rc 0
if hdr "$rec" | grep -q 'deadline_ms  *1000  *interval_ms  *1000 '; then ok; else
	bad "the header lacks the default deadline_ms and interval_ms (1000)"
fi

t "recgap: a quiet end and --stuck: the replay lasts to the stop and flags what the live run flagged"
fix pair-ok # both devices in STOP, nothing changes: no record after the first reads
rec="$tmp/stuck.rec"
rm -f "$rec"
timeout 20 "$MIGTOP" --root "$root" --fixture --json -n 3 -d 700 --stuck STOP=1 --record "$rec" \
	>"$tmp/stuck.live" 2>"$err"
rc=$?
want_rc 0
stuck_of() { grep -o '"name":"[^"]*"\|"stuck":[a-z]*' "$1" | paste -d' ' - - | tr '\n' ' '; }
live=$(stuck_of "$tmp/stuck.live")
[[ $live == *'"stuck":true'* ]] && ok || bad "the live run flagged nothing stuck: $live"
run --replay "$rec" --dump
want_out '^\{"type":"stop","t":"[^"]*","t_ns":[0-9]+,"host":0,"keyframe":false\}$'
timeout 20 "$MIGTOP" --replay "$rec" --json -n 3 >"$out" 2>"$err"
rc=$?
want_rc 0
n=$(wc -l <"$out")
[[ $n -eq 3 ]] && ok || bad "$n replayed snapshots, want 3: the run went on 1.4 s after its last change"
rep=$(stuck_of "$out")
[[ $rep == "$live" ]] && ok || bad "stuck flags: live $live, replayed $rep"
# the replay's own --stuck wins
timeout 20 "$MIGTOP" --replay "$rec" --json -n 3 --stuck STOP=0 >"$out" 2>"$err"
want_no_out '"stuck":true'
if hdr "$rec" | grep -q 'stuck.\{1,4\}STOP=1,'; then ok; else bad "the header lacks stuck STOP=1"; fi

t "recgap: --help and the man page say a replay uses the recorded --deadline and -d"
run --help
want_out '^  --deadline MS .*\(default 1000;$'
want_out '^ +with --replay: the recorded one\)$'
want_out "file's stuck; with --replay: the recorded ones\\)$"
if grep -q 'unanswered' "$man" && grep -q 'deadline_ms' "$man" &&
	grep -q 'the recorded one' "$man" && grep -q 'the recorded thresholds' "$man" &&
	grep -q '"type":"stop"' "$man"; then ok; else
	bad "man page RECORDINGS lacks the unanswered read or the recorded --deadline"
fi
