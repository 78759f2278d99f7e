# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, want_*).  --host's loose ends: start-up
# waits for the hosts only as long as they need, a stale device is never "stuck".
#
# $tmp/h2-ssh stands in for ssh: it drops ssh's "-o OPTION" pairs and the destination and
# runs the remote command line here; while $tmp/h2-down.DEST exists it fails as ssh does
# when the host refuses the connection.
fakessh_write "$tmp/h2-ssh" -d h2-down. -x
h2A="$tmp/h2A"
rm -rf "$h2A" "$tmp"/h2-down.*
"$FIXGEN" "$h2A" pair-ok >/dev/null

t "hosts: start-up waits for the hosts' first snapshots, not a fixed time"
# one host up, one whose command does not exist: both settled at once, far below the
# 10 s the hosts may take
s0=$(date +%s%N)
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$MIGTOP" \
	--host "hvB,cmd=$tmp/no-such-migtop" --once --json
ms=$((($(date +%s%N) - s0) / 1000000))
want_rc 0
want_out "\"name\": \"hvA:$SRC\""
want_err 'host hvB: hvB: the connection ended \(exit status 127\)'
if ((ms < 5000)); then ok; else bad "start-up took $ms ms"; fi

t "hosts: a device whose host's link is down is stale, never stuck (its values stopped, not it)"
printf 'STOP_COPY\n' >"$h2A/$SRC/migration/state"
rm -f "$tmp/h2-down.hvA"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$MIGTOP" \
	--stuck STOP_COPY=1 -n 400 -d 200 --json >"$out" 2>"$err" &
lp=$!
# connected, in STOP_COPY past the 1 s threshold: stuck (a fresh device that does not move)
if ag_wait "\"name\":\"hvA:$SRC\",[^{]*\"state\":\"STOP_COPY\".*\"stale\":false,\"stale_ms\":null,[^{]*\"stuck\":true" 15; then
	ok
else bad "hvA:$SRC never stuck while connected"; fi
# the link goes down and stays down
: >"$tmp/h2-down.hvA"
pids=$(pgrep -f -- "--agent -d 200 --root $h2A\$")
if [[ -n $pids ]]; then ok; else bad "no agent serving $h2A"; fi
# shellcheck disable=SC2086 # one pid a word
[[ -n $pids ]] && kill $pids
if ag_wait '"status":"(down|reconnecting)"' 10; then ok; else bad "the host never went down"; fi
sleep 1.5
kill -TERM "$lp"
wait "$lp"
grep -E '"status":"(down|reconnecting)"' "$out" | tail -1 | sed 's/{"name":"/\n&/g' >"$tmp/h2.objs"
if grep -Eq "^\{\"name\":\"hvA:$SRC\",.*\"state\":\"STOP_COPY\".*\"stale\":true,\"stale_ms\":[0-9]+,.*\"stuck\":false,\"stuck_for_ms\":null" "$tmp/h2.objs"; then
	ok
else bad "hvA:$SRC is not stale and not stuck while down: $(grep "hvA:$SRC" "$tmp/h2.objs" | cut -c1-400)"; fi
rm -f "$tmp/h2-down.hvA"

t "hosts: --log has no stuck line for a device whose link went down before its threshold; once back, it does"
rm -f "$tmp/h2-down.hvA" "$tmp/h2.log"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$MIGTOP" \
	--stuck STOP_COPY=2 --log "$tmp/h2.log" -n 600 -d 200 --json >"$out" 2>"$err" &
lp=$!
if ag_wait "\"name\":\"hvA:$SRC\",[^{]*\"state\":\"STOP_COPY\".*\"stale\":false" 15; then ok; else
	bad "hvA:$SRC never shown fresh in STOP_COPY"
fi
: >"$tmp/h2-down.hvA"
pids=$(pgrep -f -- "--agent -d 200 --root $h2A\$")
# shellcheck disable=SC2086 # one pid a word
[[ -n $pids ]] && kill $pids
ag_wait '"status":"(down|reconnecting)"' 10 || bad "the host never went down"
sleep 3 # past the 2 s threshold while down
stuckline="\"device\":\"hvA:$SRC\",\"event\":\"stuck\",\"stuck\":true,\"state\":\"STOP_COPY\""
if grep -q "$stuckline" "$tmp/h2.log"; then
	bad "a stuck line while the link was down: $(grep "$stuckline" "$tmp/h2.log")"
else ok; fi
rm -f "$tmp/h2-down.hvA"
for _ in $(seq 200); do
	grep -q "$stuckline" "$tmp/h2.log" && break
	sleep 0.1
done
kill -TERM "$lp"
wait "$lp"
if grep -q "$stuckline" "$tmp/h2.log"; then ok; else
	bad "no stuck line once the link was back (still in STOP_COPY): $(grep "hvA" "$tmp/h2.log" | tail -3)"
fi
printf 'STOP\n' >"$h2A/$SRC/migration/state"

# the remote migtop reads a file of /dev/kmsg records (printk.c's format): a dev_err() on
# the destination VF, then a record 3 numbers later (3 overwritten in its ring before its
# agent read them)
printf '%s\n' '6,1040,5123000000,-;NET: Registered protocol family 10' \
	"3,1041,5123456789,-;hisi_acc_vfio_pci $DST: failed to match VF qp num" \
	' SUBSYSTEM=pci' " DEVICE=+pci:$DST" \
	'6,1045,5124000000,-;vfio-pci 0000:00:01.0: enabling device' >"$tmp/h2-kmsg.txt"
printf '#!/bin/sh\nexec %s --kmsg %s "$@"\n' "$MIGTOP" "$tmp/h2-kmsg.txt" >"$tmp/h2-agent-kmsg"
chmod +x "$tmp/h2-agent-kmsg"

t "hosts: each host's kernel log in hosts[]: its agent's status, records taken, records lost by number"
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$tmp/h2-agent-kmsg" \
	--once --json
want_rc 0
want_out '"kernel_log": "file",'
want_out '"kernel_log_records": 3,'
want_out '"kernel_log_lost": 3'
# the run's kernel log status: one gap
want_out '"gaps": 1,'
# a host whose agent reads none: its status, no count
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$MIGTOP" --once --json
want_out '"kernel_log": "off",'
want_out '"kernel_log_records": null,'

t "hosts: a host that comes up after the start has its kernel log too (a watching run)"
: >"$tmp/h2-down.hvA"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$tmp/h2-agent-kmsg" \
	-n 400 -d 200 --json >"$out" 2>"$err" &
lp=$!
if ag_wait '"status":"down"' 10; then ok; else bad "hvA not down at the start"; fi
rm -f "$tmp/h2-down.hvA"
if ag_wait "\"name\":\"hvA:$DST\",.*\"kernel_log\":\\[\\{\"seq\":1041,[^]]*failed to match VF qp num" 15; then
	ok
else bad "hvA:$DST never got its kernel log record: $(tail -1 "$out" | grep -o '"kernel_log_status":{[^}]*}')"; fi
kill -TERM "$lp"
wait "$lp"

t "hosts: a new link does not repeat the host's kernel log records; after a host restart, its new ones come"
rm -f "$tmp/h2-down.hvA"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/h2-ssh" --host "hvA,root=$h2A,cmd=$tmp/h2-agent-kmsg" \
	-n 400 -d 200 --json >"$out" 2>"$err" &
lp=$!
if ag_wait '"kernel_log_records":3' 10; then ok; else bad "hvA's records never came"; fi
# the link drops; the new one reads the host's ring (here the file) from its start again
pids=$(pgrep -f -- "--agent -d 200 --root $h2A\$")
# shellcheck disable=SC2086 # one pid a word
[[ -n $pids ]] && kill $pids
if ag_wait '"status":"connected".*"attempts":2' 15; then ok; else bad "no second link"; fi
sleep 1
tail -1 "$out" | sed 's/{"name":"/\n&/g' >"$tmp/h2.objs"
if [[ $(grep "^{\"name\":\"hvA:$DST\"" "$tmp/h2.objs" | grep -o '"seq":1041' | wc -l) -eq 1 ]]; then ok; else
	bad "hvA:$DST's record not once: $(grep -o '"kernel_log":\[[^]]*\]' "$tmp/h2.objs" | head -3)"
fi
if grep -q '"kernel_log_records":3,"kernel_log_lost":3' "$tmp/h2.objs"; then ok; else
	bad "records counted again: $(grep -o '"kernel_log_records":[0-9]*,"kernel_log_lost":[0-9]*' "$tmp/h2.objs")"
fi
# the host restarts: its ring starts again at 0 with other records
printf '%s\n' '6,0,0,-;Linux version 6.12.0' "3,1,2000000,-;hisi_acc_vfio_pci $DST: after the restart" \
	' SUBSYSTEM=pci' " DEVICE=+pci:$DST" >"$tmp/h2-kmsg.txt"
pids=$(pgrep -f -- "--agent -d 200 --root $h2A\$")
# shellcheck disable=SC2086 # one pid a word
[[ -n $pids ]] && kill $pids
if ag_wait "\"name\":\"hvA:$DST\",.*\"kernel_log\":\\[[^]]*after the restart" 15; then ok; else
	bad "the restarted host's record never came: $(tail -1 "$out" | grep -o '"kernel_log_records":[0-9]*')"
fi
kill -TERM "$lp"
wait "$lp"
