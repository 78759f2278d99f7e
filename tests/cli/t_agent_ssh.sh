# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  Issue 10: --host through
# a real OpenSSH sshd (Debian's openssh-server) that this test starts on 127.0.0.1 and an
# unprivileged port, with a host key and a client key generated here; nothing reads or
# writes the machine's ssh configuration (sshd -f and ssh -F name the test's own files).
# Skipped when sshd is not installed.

if sshd_usable; then
	# the loopback sshd (tests/lib/sshd.sh): $sshd_pid, keys client_key and wrong_key in $sd
	sd="$tmp/sshd"
	sshd_start "$sd" $((20000 + $$ % 20000))
	# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
	port=$sshd_port sshc=$sshd_ssh
	me=$(id -un)
	hA="$tmp/sshA" hB="$tmp/sshB"
	rm -rf "$hA" "$hB"
	"$FIXGEN" "$hA" pair-ok >/dev/null
	"$FIXGEN" "$hB" pair-ok >/dev/null

	if [[ -z $port ]]; then
		t "sshd: start a loopback sshd"
		# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
		bad "sshd did not start: $sshd_why"
	else
		t "sshd: two hosts over a real ssh, paired across hosts; the compare equals the local one"
		run --no-local --ssh "$sshc -i $sd/client_key" --host "$me@127.0.0.1,name=hvA,root=$hA,cmd=$MIGTOP" \
			--host "$me@127.0.0.1,name=hvB,root=$hB,cmd=$MIGTOP" --once --json --pair "hvA:$SRC=hvB:$DST"
		want_rc 0
		want_out "\"name\": \"hvA:$SRC\""
		want_out "\"name\": \"hvB:$DST\""
		sed -n '/^  "compare": {/,$p' "$out" | grep -v '"time": ' | sed 's/hv[AB]://g' >"$tmp/ssh.cmp"
		MIGTOP_FIXTURE=1 run --root "$hA" --once --json --pair "$SRC=$DST"
		sed -n '/^  "compare": {/,$p' "$out" | grep -v '"time": ' >"$tmp/ssh.cmp.local"
		if [[ -s $tmp/ssh.cmp ]] && cmp -s "$tmp/ssh.cmp" "$tmp/ssh.cmp.local"; then ok; else
			bad "the compare over ssh differs: $(diff "$tmp/ssh.cmp.local" "$tmp/ssh.cmp" | head -3)"
		fi

		t "sshd: a wrong key: the host is down with ssh's reason, the run goes on"
		run --no-local --ssh "$sshc -i $sd/wrong_key" --host "$me@127.0.0.1,name=hvA,root=$hA,cmd=$MIGTOP" \
			--once --json
		want_err 'host hvA: hvA: the connection ended \(exit status 255\): .*Permission denied \(publickey\)'
		want_no_out '"name": "hvA:'

		t "sshd: migtop missing on the host"
		run --no-local --ssh "$sshc -i $sd/client_key" --host "$me@127.0.0.1,name=hvA,root=$hA,cmd=/nonexistent/migtop" \
			--once --json
		want_err 'host hvA: hvA: the connection ended \(exit status 127\): .*/nonexistent/migtop.*(not found|No such file)'

		t "sshd: a remote state change reaches the client through ssh (--log)"
		"$MIGTOP" --no-local --ssh "$sshc -i $sd/client_key" --host "$me@127.0.0.1,name=hvA,root=$hA,cmd=$MIGTOP" \
			-d 200 --log - >"$out" 2>"$err" &
		lp=$!
		ag_wait "hvA:$SRC device added" 10
		printf 'STOP_COPY\n' >"$hA/$SRC/migration/state.new" && mv "$hA/$SRC/migration/state.new" "$hA/$SRC/migration/state"
		if ag_wait "hvA:$SRC state STOP -> STOP_COPY" 5; then ok; else bad "no STOP -> STOP_COPY for hvA:$SRC"; fi
		kill -TERM "$lp"
		wait "$lp"
		rc=$?
		want_rc 0

		t "sshd: a link killed mid-run: the host's devices stay, stale, and come back fresh"
		# no connection left from the runs above
		# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
		for _ in $(seq 30); do [[ -z $(pgrep -P "$sshd_pid") ]] && break; sleep 0.1; done
		ag_put "$hA/$SRC/migration/state" STOP_COPY
		"$MIGTOP" --no-local --ssh "$sshc -i $sd/client_key" --host "$me@127.0.0.1,name=hvA,root=$hA,cmd=$MIGTOP" \
			-n 300 -d 200 --json >"$out" 2>"$err" &
		lp=$!
		# one JSON line per snapshot, split below at each object with a "name": the devices,
		# then the host
		if ag_wait '"status":"connected"' 20; then ok; else bad "hvA never connected"; fi
		# the sshd process forked for this connection (sshd -D's only child), and below it
		sess=$(pgrep -P "$sshd_pid")
		n_before=$(wc -l <"$out")
		if [[ -n $sess ]] && [[ $(wc -w <<<"$sess") -eq 1 ]]; then
			ok
			kill -KILL "$sess" $(pgrep -P "$sess")
		else bad "not one sshd child serving the link: '$sess'"; fi
		# while the link is down the state changes on the host: the client cannot see it yet
		ag_put "$hA/$SRC/migration/state" RUNNING
		if ag_wait '"status":"(down|reconnecting)"' 5; then ok; else bad "the host never went down"; fi
		sleep 0.5
		# the snapshots taken while down: both devices, with their last values, stale
		tail -n +$((n_before + 1)) "$out" | grep -E '"status":"(down|reconnecting)"' | tail -1 |
			sed "s/{\"name\":\"/\n&/g" >"$tmp/down.objs"
		for d in "$SRC" "$DST"; do
			if grep -E "^\{\"name\":\"hvA:$d\",\"migration\":true,\"error\":null,\"state\":\"STOP(_COPY)?\".*\"host\":\"hvA\",\"stale\":true,\"stale_ms\":[0-9]+" \
				"$tmp/down.objs" | grep -q .; then ok; else
				bad "no stale hvA:$d with its last state in a snapshot taken while down: $(cut -c1-300 "$tmp/down.objs" | head -4)"
			fi
		done
		if grep -q "^{\"name\":\"hvA:$SRC\",.*\"state\":\"STOP_COPY\"" "$tmp/down.objs"; then ok; else
			bad "hvA:$SRC does not keep its last state STOP_COPY while down"
		fi
		if grep -qE '^\{"name":"hvA","dest":"[^"]+","status":"(down|reconnecting)","error":"hvA: the connection ended \(exit status 255\)' "$tmp/down.objs"; then
			ok
		else bad "the host's line does not say down with ssh's exit: $(grep '^{"name":"hvA",' "$tmp/down.objs")"; fi
		# reconnected (1 s later): a new snapshot, fresh, with the value changed meanwhile
		if ag_wait '"status":"connected".*"attempts":2' 20; then ok; else bad "no reconnection within 20 s"; fi
		sleep 0.5
		kill -TERM "$lp"
		wait "$lp"
		grep '"attempts":2' "$out" | grep '"status":"connected"' | tail -1 |
			sed "s/{\"name\":\"/\n&/g" >"$tmp/up.objs"
		if grep -q "^{\"name\":\"hvA:$SRC\",.*\"state\":\"RUNNING\".*\"stale\":false,\"stale_ms\":null" "$tmp/up.objs"; then
			ok
		else bad "hvA:$SRC is not fresh and RUNNING after the reconnect: $(grep "hvA:$SRC" "$tmp/up.objs" | cut -c1-200)"; fi
		if grep -q "^{\"name\":\"hvA:$DST\",.*\"state\":\"STOP\".*\"stale\":false" "$tmp/up.objs"; then ok; else
			bad "hvA:$DST is not fresh after the reconnect"
		fi
		sshd_stop
	fi
else
	# shellcheck disable=SC2154 # set by tests/lib/sshd.sh, sourced by run.sh
	echo "skip: no sshd ($sshd_bin): the loopback ssh tests need openssh-server"
fi
