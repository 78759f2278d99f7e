# shellcheck shell=bash
# Sourced by tests/cli/run.sh: the recording of a real failed migration, taken in the e2e
# VM (tests/fixtures/recordings/README.md), replayed: what an operator would get from a
# recording attached to a bug report (issue 11).
rfx="$here/../fixtures/recordings/s1-q16-q8.rec"
RS=44bd98ea-40db-4d21-8ec3-2795da4c8274
RD=5fc2c138-f27c-4efc-81da-45d0419b2f99

t "VM recording: --dump reads it whole, with the kernel it came from"
run --replay "$rfx" --dump
want_rc 0
[[ -s $err ]] && bad "stderr not empty: $(head -c 200 "$err")" || ok
head -1 "$out" | grep -q '"kernel":"6.12.117+deb12-amd64","root":"/sys/kernel/debug/vfio"' && ok ||
	bad "header: $(head -c 300 "$out")"
tail -1 "$out" | grep -q '^{"type":"end","records":[0-9]*,"message":null}$' && ok || bad "end: $(tail -1 "$out")"

t "VM recording: at the failure, the compare rejects on qp_num and quotes the kernel"
run --replay "$rfx" --once --json --at 2026-11-30T17:39:01Z --pair "$RS=$RD"
want_rc 0
want_out '"name": "'"$RS"'",'
tr -d ' \n' <"$out" >"$tmp/flat"
grep -q '"name":"'"$RS"'","migration":true,"error":null,"state":"STOP_COPY"' "$tmp/flat" && ok ||
	bad "the source is not in STOP_COPY"
grep -q '"name":"'"$RD"'","migration":true,"error":null,"state":"RESUMING"' "$tmp/flat" && ok ||
	bad "the destination is not in RESUMING"
grep -q '"compare":{"src":"'"$RS"'","dst":"'"$RD"'",.*"verdict":"reject","summary"' "$tmp/flat" && ok || bad "the verdict is not reject"
grep -q '"name":"accept","verdict":"fail"' "$tmp/flat" && ok || bad "the accept check does not fail"
want_out '"kernel_line": "migtop_acc '"$RD"': failed to match VF qp num"'
grep -q '"mismatches":\[{"field":"qp_num"' "$tmp/flat" && ok || bad "no qp_num mismatch"

t "VM recording: a second after the start, both RUNNING and nothing rejected yet"
run --replay "$rfx" --once --json --at +1 --pair "$RS=$RD"
want_rc 0
tr -d ' \n' <"$out" >"$tmp/flat"
[[ $(grep -o '"state":"RUNNING"' "$tmp/flat" | wc -l) -ge 2 ]] && ok || bad "not both RUNNING"
grep -q '"verdict":"reject","summary"' "$tmp/flat" && bad "rejected before the migration" || ok

t "VM recording: the change log, in order, with the kernel's line on the destination"
run --replay "$rfx" --log -
want_rc 0
grep -n "$RD state RUNNING -> RESUMING\|$RD kernel err: migtop_acc $RD: failed to match VF qp num\|$RS state RUNNING -> STOP_COPY\|$RS state STOP_COPY -> RUNNING" "$out" |
	cut -d: -f1 | tr '\n' ' ' >"$tmp/order"
read -r a b c d e <"$tmp/order"
[[ -n $d && -z ${e:-} && $a -lt $b && $b -lt $c && $c -lt $d ]] && ok ||
	bad "the four lines are not there once each in order (lines: $(cat "$tmp/order"))"
grep -q '^2026-11-30T17:38:59\.991Z '"$RD"' kernel err: ' "$out" && ok || bad "the kernel line's time"
