# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  --record with --host:
# a two-host run through a real OpenSSH sshd on 127.0.0.1 (as t_agent_ssh.sh: its own
# host and client keys, sshd -f and ssh -F name the test's own files), a pair across the
# hosts whose destination refused the source's 16 queues (mkfixture pair-qpnum: the
# destination's kernel line "failed to match VF qp num"), one link killed mid-run and kept
# down; then the replay at chosen times (--at, one JSON line) must say what the live run
# said then: devices, states, pair verdict, kernel log lines, hosts' status, stale marks.
# Skipped when sshd is not installed.

# rh_norm FILE: one JSON snapshot line as one object per line, without what differs by
# when the snapshot was printed (ages measured at print time, counters of lines, the
# snapshot's time), the kernel log's source (the hosts, the recording), and how long
# before a state change an unchanged file was read (a recording keeps a file's result
# when it changes, with that read's times, not every read of the same bytes)
rh_norm() {
	sed 's/{"name":"/\n&/g' "$1" |
		sed -E 's/"(state_age_ms|stale_ms|last_data_age_ms|retry_in_ms|rtt_ms|lines|bytes|attempts|kernel_log_records|kernel_log_lost)":(null|[0-9]+)/"\1":_/g;
			s/^\{"devices":\[//; s/"time":"[^"]*",?//g; s/"kernel_log_status":\{"source":"[^"]*"/"kernel_log_status":{/;
			s/(seen) [0-9.]+ s before/\1 _ before/g' |
		grep -v '^$'
}
# rh_field OBJECTS NAME FIELD: the value of FIELD in the object named NAME
rh_field() { grep "^{\"name\":\"$2\"," "$1" | grep -oE "\"$3\":(\"[^\"]*\"|[^,}]*)" | head -1 | cut -d: -f2-; }

if sshd_usable; then
	# the loopback sshd (tests/lib/sshd.sh)
	rd="$tmp/rh-sshd"
	sshd_start "$rd" $((22000 + $$ % 20000))
	# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
	rh_port=$sshd_port rh_pid=$sshd_pid rh_ssh="$sshd_ssh -i $rd/client_key"
	me=$(id -un)
	# hvA holds the source (16 queues, saved), hvB the destination that refused it: its
	# agent reads the kernel log mkfixture wrote (dev_err on the destination VF)
	rA="$tmp/rh-A" rB="$tmp/rh-B"
	rm -rf "$rA" "$rB" "$rA.gone"
	"$FIXGEN" "$rA" pair-qpnum >/dev/null
	"$FIXGEN" "$rB" pair-qpnum >/dev/null
	printf '#!/bin/sh\nexec %s --fixture --kmsg %s "$@"\n' "$MIGTOP" "$rB.kmsg" >"$tmp/rh-agentB"
	chmod +x "$tmp/rh-agentB"
	rh_rec="$tmp/rh.rec" rh_live="$tmp/rh.live"
	rh_hosts=(--host "$me@127.0.0.1,name=hvA,root=$rA,cmd=$MIGTOP"
		--host "$me@127.0.0.1,name=hvB,root=$rB,cmd=$tmp/rh-agentB")
	rh_pair="hvA:$SRC=hvB:$DST"

	if [[ -z $rh_port ]]; then
		t "rec hosts: start a loopback sshd"
		# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
		bad "sshd did not start: $sshd_why"
	else
		t "rec hosts: --record with --host records a two-host run (a link killed mid-run)"
		ag_put "$rA/$SRC/migration/state" RUNNING
		"$MIGTOP" --no-local --ssh "$rh_ssh" "${rh_hosts[@]}" --pair "$rh_pair" -n 60 -d 200 \
			--json --record "$rh_rec" >"$rh_live" 2>"$tmp/rh.err" &
		lp=$!
		if ag_wait '"name":"hvB","dest":"[^"]*","status":"connected"' 20 "$rh_live" &&
			ag_wait '"name":"hvA","dest":"[^"]*","status":"connected"' 5 "$rh_live"; then ok; else
			bad "the hosts never both connected: $(tail -c 300 "$rh_live") $(cat "$tmp/rh.err")"
		fi
		# a migration on hvA: the source goes RUNNING -> STOP_COPY -> STOP
		sleep 0.6
		ag_put "$rA/$SRC/migration/state" STOP_COPY
		ag_wait "\"name\":\"hvA:$SRC\",[^}]*\"state\":\"STOP_COPY\"" 5 "$rh_live" || bad "no STOP_COPY seen live"
		sleep 0.6
		ag_put "$rA/$SRC/migration/state" STOP
		ag_wait "\"name\":\"hvA:$SRC\",[^}]*\"state\":\"STOP\"" 5 "$rh_live" || bad "no STOP seen live"
		sleep 0.6
		n_up=$(wc -l <"$rh_live")
		# kill hvA's link (the sshd child serving its agent) and keep it down: its root is
		# gone, every new agent exits at once
		agA=$(pgrep -f -- "--root $rA" | head -1)
		sess=""
		p=$agA
		while [[ -n $p && $p != 1 ]]; do
			pp=$(ps -o ppid= -p "$p" | tr -d ' ')
			if [[ $pp == "$rh_pid" ]]; then sess=$p; break; fi
			p=$pp
		done
		mv "$rA" "$rA.gone"
		if [[ -n $sess ]]; then
			ok
			kill -KILL "$sess"
		else bad "no sshd child serving hvA's agent (agent '$agA')"; fi
		if ag_wait '"name":"hvA","dest":"[^"]*","status":"(down|reconnecting)"' 10 "$rh_live"; then ok; else
			bad "hvA never went down"
		fi
		sleep 1.5
		kill -TERM "$lp"
		wait "$lp"
		rc=$?
		want_rc 0
		if [[ -s $rh_rec ]]; then ok; else bad "no recording"; fi

		# the snapshots to compare: the last with both up (after the migration), the last
		# with hvA down
		head -n "$n_up" "$rh_live" | grep '"name":"hvA","dest":"[^"]*","status":"connected"' | tail -1 >"$tmp/rh.up.live"
		grep -E '"name":"hvA","dest":"[^"]*","status":"(down|reconnecting)"' "$rh_live" | tail -1 >"$tmp/rh.down.live"
		sed 's/{"name":"/\n&/g' "$tmp/rh.down.live" >"$tmp/rh.down.live.objs"
		for when in up down; do
			t "rec hosts: the replay at the live snapshot's time ($when) says what the live run said"
			live="$tmp/rh.$when.live"
			at=$(grep -oE '\],"time":"[^"]*"' "$live" | tail -1 | cut -d'"' -f4)
			if [[ -z $at ]]; then
				bad "no live snapshot with hvA $when"
				continue
			fi
			run --replay "$rh_rec" --at "$at" -n 1 --json --pair "$rh_pair"
			want_rc 0
			rh_norm "$live" >"$tmp/rh.$when.l"
			rh_norm "$out" >"$tmp/rh.$when.r"
			if [[ -s $tmp/rh.$when.l ]] && diff "$tmp/rh.$when.l" "$tmp/rh.$when.r" >"$tmp/rh.$when.diff"; then
				ok
			else bad "the replay at $at differs from the live snapshot: $(head -c 1500 "$tmp/rh.$when.diff")"; fi
			# the facts this is about, each checked on its own (a diff of nothing is no proof)
			sed 's/{"name":"/\n&/g' "$out" >"$tmp/rh.objs"
			for d in "hvA:$SRC" "hvA:$DST" "hvB:$SRC" "hvB:$DST"; do
				if grep -q "^{\"name\":\"$d\"," "$tmp/rh.objs"; then ok; else bad "replay lacks $d"; fi
			done
			if [[ $(rh_field "$tmp/rh.objs" "hvA:$SRC" state) == '"STOP"' ]]; then ok; else
				bad "hvA:$SRC is not STOP in the replay"
			fi
			if grep -q '"verdict":"reject"' "$out" && grep -q '"mismatches":\[{"field":"qp_num"' "$out"; then
				ok
			else bad "the replayed compare is not reject on qp_num"; fi
			if grep -q "\"kernel_line\":\"[^\"]*$DST: failed to match VF qp num\"" "$out"; then ok; else
				bad "the compare does not quote hvB's kernel line"
			fi
			if [[ $(rh_field "$tmp/rh.objs" "hvA:$SRC" transitions) == 2 ]] &&
				grep -q '"detail":"STOP_COPY seen, left"' "$out"; then ok; else
				bad "the replayed source's timeline lacks RUNNING -> STOP_COPY -> STOP"
			fi
			if [[ $when == up ]]; then
				if [[ $(rh_field "$tmp/rh.objs" hvA status) == '"connected"' &&
					$(rh_field "$tmp/rh.objs" "hvA:$SRC" stale) == false ]]; then ok; else
					bad "hvA is not connected, its devices fresh, in the replay"
				fi
				continue
			fi
			if [[ $(rh_field "$tmp/rh.objs" hvA status) =~ ^\"(down|reconnecting)\"$ ]]; then ok; else
				bad "hvA is not down in the replay"
			fi
			if [[ $(rh_field "$tmp/rh.objs" hvA error) == "$(rh_field "$tmp/rh.down.live.objs" hvA error)" &&
				$(rh_field "$tmp/rh.objs" hvA since) == "$(rh_field "$tmp/rh.down.live.objs" hvA since)" ]]; then ok; else
				bad "hvA's error or since differ: $(rh_field "$tmp/rh.objs" hvA error) / $(rh_field "$tmp/rh.down.live.objs" hvA error)"
			fi
			for d in "hvA:$SRC" "hvA:$DST"; do
				la=$(rh_field "$tmp/rh.down.live.objs" "$d" stale_ms)
				ra=$(rh_field "$tmp/rh.objs" "$d" stale_ms)
				if [[ $(rh_field "$tmp/rh.objs" "$d" stale) == true && $ra =~ ^[0-9]+$ && $la =~ ^[0-9]+$ ]] &&
					((ra - la < 1000 && la - ra < 1000)); then ok; else
					bad "$d: replayed stale $(rh_field "$tmp/rh.objs" "$d" stale) for ${ra}ms, live ${la}ms"
				fi
			done
			for d in "hvB:$SRC" "hvB:$DST"; do
				if [[ $(rh_field "$tmp/rh.objs" "$d" stale) == false ]]; then ok; else bad "$d stale in the replay"; fi
			done
		done

		t "rec hosts: text output of the replay: host lines, stale devices"
		at=$(grep -oE '\],"time":"[^"]*"' "$tmp/rh.down.live" | tail -1 | cut -d'"' -f4)
		run --replay "$rh_rec" --at "$at" --once
		want_rc 0
		want_out '^host hvA \([^)]*\): (down|reconnecting) since '
		want_out '^host hvB \([^)]*\): connected since .*: agent [0-9.]+ on '
		want_out '^  stale: host hvA (down|reconnecting), data [0-9.]+ s old'

		t "rec hosts: the replay's change log: the source's migration and the link dropping"
		run --replay "$rh_rec" --log -
		want_rc 0
		want_out "hvA:$SRC state RUNNING -> STOP_COPY"
		want_out "hvA:$SRC state STOP_COPY -> STOP"
		want_out 'host hvA (down|reconnecting)'
		want_out 'host hvB connected'

		t "rec hosts: --dump has each host's records under its index, link records, the flag"
		run --replay "$rh_rec" --dump
		want_rc 0
		want_out '^\{"type":"header",.*"hosts":\[\{"name":"[^"]*".*\{"name":"hvA","kernel":"","root":"[^"]*rh-A"\},\{"name":"hvB",.*"links":true,"options":\{.*"pair":"hvA:[^"]*=hvB:[^"]*"\}\}$'
		want_out '^\{"type":"read",[^}]*"host":1,[^}]*"path":"'"$SRC"'/migration/state"'
		want_out '^\{"type":"read",[^}]*"host":2,[^}]*"path":"'"$DST"'/migration/state"'
		want_out '^\{"type":"klog",[^}]*"host":2,.*failed to match VF qp num'
		want_out '^\{"type":"link",[^}]*"host":1,[^}]*"state":"connected"'
		want_out '^\{"type":"link",[^}]*"host":1,[^}]*"state":"(down|reconnecting)"'
		want_no_out '"host":0,[^}]*"path":"'"$SRC"

		t "rec hosts: this host's devices with a host's: both recorded, both replayed"
		rL="$tmp/rh-L"
		rm -rf "$rL"
		"$FIXGEN" "$rL" pair-ok >/dev/null
		MIGTOP_FIXTURE=1 run --root "$rL" --ssh "$rh_ssh" --host "$me@127.0.0.1,name=hvB,root=$rB,cmd=$tmp/rh-agentB" \
			--pair "$SRC=hvB:$DST" -n 3 -d 200 --json --record "$tmp/rh2.rec"
		want_rc 0
		tail -1 "$out" >"$tmp/rh2.live"
		at=$(grep -oE '\],"time":"[^"]*"' "$tmp/rh2.live" | tail -1 | cut -d'"' -f4)
		run --replay "$tmp/rh2.rec" --at "$at" -n 1 --json --pair "$SRC=hvB:$DST"
		want_rc 0
		for d in "$SRC" "$DST" "hvB:$SRC" "hvB:$DST"; do
			want_out "\{\"name\":\"$d\","
		done
		want_out '"src":"'"$SRC"'","dst":"hvB:'"$DST"'",[^}]*"verdict":"reject"'
		# (the "root" too: a replay says the recorded run's)
		rh_norm "$tmp/rh2.live" >"$tmp/rh2.l"
		rh_norm "$out" >"$tmp/rh2.r"
		if diff "$tmp/rh2.l" "$tmp/rh2.r" >"$tmp/rh2.diff"; then ok; else
			bad "the replay differs from the live snapshot: $(head -c 1500 "$tmp/rh2.diff")"
		fi

		t "rec hosts: --host with --replay is refused"
		run --replay "$rh_rec" --host "hvA,root=$rA" --once
		want_rc 2
		want_err -- '--host does not combine with --replay'

		sshd_stop
	fi
	rm -rf "$rA.gone"
else
	# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
	echo "skip: no sshd ($sshd_bin): the --record --host tests need openssh-server"
fi
