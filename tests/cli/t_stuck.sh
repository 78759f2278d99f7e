# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  Issue 12 item 12: a
# device in one state beyond that state's --stuck threshold is flagged (JSON "stuck",
# "stuck_for_ms"; text "stuck:" line; --log "stuck" and "stuck ended" lines), and a bad
# --stuck value is a usage error that says what is wrong.

# The source of pair-ok caught in STOP_COPY (what a source shows while the VMM reads its
# stream; migf_data still holds the copy of an earlier migration).
stuck_fix() {
	fix pair-ok
	printf 'STOP_COPY\n' >"$root/$SRC/migration/state"
}

# Device $1's object in each JSON line of $out (from its name to its kernel_log).
stuck_dev() {
	grep -o "\"name\":\"$1\",.*" "$out" | sed 's/"kernel_log".*//'
}
# The values of KEY ("stuck", "stuck_for_ms") for device $SRC, one per -n line.
stuck_vals() {
	stuck_dev "$SRC" | grep -o "\"$1\":[a-z0-9]*" | sed 's/.*://' | paste -sd' '
}

t "stuck: -n 3 -d 1000 --stuck STOP_COPY=1: false, then true; stuck_for_ms grows"
stuck_fix
run --root "$root" --fixture --stuck STOP_COPY=1 -n 3 -d 1000 --json
want_rc 0
read -r s1 _ s3 <<<"$(stuck_vals stuck)"
read -r f1 f2 f3 <<<"$(stuck_vals stuck_for_ms)"
if [[ $s1 == false && $f1 == null ]]; then ok; else bad "first line: stuck $s1, stuck_for_ms $f1"; fi
if [[ $s3 == true && $f3 =~ ^[0-9]+$ ]] && ((f3 >= 900)); then ok; else
	bad "third line: stuck $s3, stuck_for_ms $f3 (want true, >= 900)"
fi
# the second line is about 1 s in: either side of the threshold, but never more than the third
if [[ $f2 == null ]] || ((f2 < f3)); then ok; else bad "stuck_for_ms $f2 then $f3: does not grow"; fi
# the destination (STOP) is never stuck
if stuck_dev "$DST" | grep -q '"stuck":true'; then
	bad "$DST in STOP flagged stuck"
else ok; fi

t "stuck: the defaults (60 s) do not flag a device seen for 2 s; STOP_COPY=0 never"
stuck_fix
run --root "$root" --fixture -n 3 -d 1000 --json
want_rc 0
want_no_out '"stuck":true'
want_out '"stuck":false,"stuck_for_ms":null'
run --root "$root" --fixture --stuck STOP_COPY=0,RESUMING=1 -n 3 -d 1000 --json
want_rc 0
want_no_out '"stuck":true'

t "stuck: text output says how long and the threshold"
stuck_fix
run --root "$root" --fixture --stuck 'stop_copy=0.5' -n 2 -d 1000
want_rc 0
want_out '^  stuck: in STOP_COPY for [0-9.]+s \(threshold 0\.5s\)$'
if [[ $(grep -c '^  stuck:' "$out") -eq 1 ]]; then ok; else bad "want one stuck line (the second snapshot)"; fi

t "stuck: --log has a line when the device turns stuck and when it leaves the state"
stuck_fix
"$MIGTOP" --root "$root" --fixture --stuck STOP_COPY=1 --log "$tmp/stuck-dev.log" -n 4 -d 1000 \
	>"$out" 2>"$err" &
pid=$!
sleep 2.3
printf 'STOP\n' >"$root/$SRC/migration/state"
wait "$pid"
rc=$?
want_rc 0
cp "$tmp/stuck-dev.log" "$out"
want_out "^[-0-9T:.]+Z $SRC stuck: in STOP_COPY for 1(\.[0-9])?s \(threshold 1s\)$"
want_out "^[-0-9T:.]+Z $SRC stuck ended: STOP_COPY -> STOP after [0-9.]+s in STOP_COPY$"
want_no_out "$DST stuck"
# the order: stuck, then the state change, then stuck ended
if grep -E " $SRC (stuck|state)" "$out" | sed 's/^[^ ]* [^ ]* //' | cut -c1-12 | paste -sd'|' |
	grep -qx 'stuck: in ST|state STOP_C|stuck ended:'; then ok; else bad "order of the lines"; fi
run --root "$root" --fixture --stuck STOP_COPY=1 --log - -n 3 -d 1000 --json
want_rc 0

t "stuck: --log JSON lines"
stuck_fix
run --root "$root" --fixture --stuck STOP_COPY=1 --log - --json -n 3 -d 1000
want_rc 0
want_out "\"device\":\"$SRC\",\"event\":\"stuck\",\"stuck\":true,\"state\":\"STOP_COPY\",\"in_state_ms\":1[0-9]{3},\"threshold_ms\":1000,\"now\":null"

t "stuck: bad --stuck values are usage errors that say what is wrong"
fix pair-ok
for bad_arg in 'STOP_COPY' 'STOP_COPY=' 'STOP_COPY=-1' 'STOP_COPY=1m' 'STOP_COPY=1.2345' \
	'STOP_COPY=99999999' 'FOO=1' 'Invalid=1' 'STOP_COPY=1,' ''; do
	run --root "$root" --fixture --once --stuck "$bad_arg"
	want_rc 2
	want_err "^migtop: --stuck: "
	want_err "Try 'migtop --help'"
	want_empty_out
done
run --root "$root" --fixture --once --stuck FOO=1
want_err "unknown state 'FOO' \(one of ERROR, STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P\)"
run --root "$root" --fixture --once --stuck RESUMING=1m
want_err "'RESUMING=1m': SECONDS must be a number from 0 to 2592000 with at most 3 decimals \(0: never stuck\)"
run --root "$root" --fixture --once --stuck
want_rc 2
want_err "option '--stuck' needs an argument"
