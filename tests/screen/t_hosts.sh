# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/screen/run.sh (its helpers: t, fix, start, see, keys...).
# Issue 10 items 2 and 3 in the console: --host SPEC.  The hosts' devices as LABEL:DEVICE with a
# HOST column, one status line per host; a link that goes down marks its devices stale
# (nothing dropped) and its line says why, while the keys still answer; a host whose
# command does not exist shows the error on its line.
#
# The stand-in for ssh (tests/lib/fakessh.sh) drops ssh's "-o OPTION" pairs and the
# destination and runs the remote command line here.  While the file $tmp/hosts-down.DEST
# exists it fails as ssh does when the host refuses the connection.

hosts_ssh() { fakessh_write "$tmp/hosts-ssh" -d hosts-down. -x; }

# hosts_agent_pids ROOT: the pids of the agents serving ROOT (to end that link).
hosts_agent_pids() {
	pgrep -f -- "--agent .*--root $1\$"
}

# hosts_export_has REGEX...: the console's export (e) in $tmp has each of them.
hosts_export_has() {
	local f
	f=$(find "$tmp" -maxdepth 1 -name 'migtop-list-*.json' | head -1)
	if [[ -z $f ]]; then
		bad "no export file in $tmp"
		return
	fi
	for re in "$@"; do
		if grep -Eq -- "$re" "$f"; then ok; else bad "the export lacks /$re/: $(head -c 400 "$f")"; fi
	done
}

if t "hosts: hvA's devices with a HOST column and its status line; a link down marks them stale, keys answer"; then
	hosts_ssh
	fix pair-ok
	rm -f "$tmp/hosts-down.hvA"
	start 160 30 env MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/hosts-ssh" \
		--host "hvA,root=$root,cmd=$MIGTOP" -d 300
	see "^  DEVICE\*? +HOST +STATE"
	# the header names what is watched: hvA only (--no-local), not "local"
	see "^ migtop [0-9.]+ \| hvA \| 2 devices"
	see "hvA:$SRC +hvA +STOP "
	see "hvA:$DST +hvA +STOP "
	see "^hvA connected, round trip [0-9]+ ms, agent [0-9.]+, kernel [^,]+, data [0-9.]+ s ago"
	# e: the export has each device's host and the hosts' status, as the batch JSON
	rm -f "$tmp"/migtop-list-*.json
	keys e
	see "exported to "
	hosts_export_has '"host": "hvA"' '"stale": false' '"stale_ms": null' '"hosts": \[' \
		'"name": "hvA"' '"status": "connected"' '"error": null'
	rm -f "$tmp"/migtop-list-*.json
	# the link goes down and stays down (the stand-in ssh refuses the next attempts)
	: >"$tmp/hosts-down.hvA"
	pids=$(hosts_agent_pids "$root")
	if [[ -n $pids ]]; then ok; else bad "no agent process serving $root"; fi
	# shellcheck disable=SC2086 # one pid a word
	[[ -n $pids ]] && kill $pids
	see "^hvA (down|reconnecting)"
	see "^hvA down, reconnecting in [0-9]+ s: the connection ended \(exit status 255\): ssh: connect to host hvA port 22: Connection refused"
	# nothing dropped: both rows, their last state marked, the age of their data
	see "hvA:$SRC +hvA stale [0-9]+s +STOP\? "
	see "hvA:$DST +hvA stale [0-9]+s +STOP\? "
	# exported while down: stale with the data's age, the host down with why
	keys e
	see "exported to "
	hosts_export_has '"stale": true' '"stale_ms": [0-9]+' '"status": "(down|reconnecting)"' \
		'"error": "hvA: the connection ended'
	# the keys answer while the host is down: j moves the selection (to the second row)
	keys j
	# the stale mark is in the dimmed style, not the row's (the first row, now not selected)
	if wait_cond styled_apart "STOP?" "hvA:$SRC"; then ok; else bad "STOP? not styled apart"; fi
	# Enter opens the selected device's detail, ? the help
	keys Enter
	see_not "DEVICE\*? +HOST"
	see "hvA:$DST"
	see_not "hvA:$SRC"
	# the detail says why its values do not move: stale, not stuck
	see "stale: host hvA not connected, data [0-9hms.]+ old"
	keys Escape
	keys '?'
	see "show this help"
	keys Escape
	see "hvA:$SRC"
	alive
	# the host comes back: connected again, the marks go
	rm -f "$tmp/hosts-down.hvA"
	see "^hvA connected" 40
	see_not "stale"
	see "hvA:$DST +hvA +STOP "
	keys q
	want_exit 0
fi

if t "hosts: a host whose migtop does not exist shows the error on its line; local devices stay"; then
	hosts_ssh
	fix pair-ok
	start 200 30 env MIGTOP_FIXTURE=1 "$MIGTOP" --root "$root" --fixture --ssh "$tmp/hosts-ssh" \
		--host "hvB,cmd=$tmp/no-such-migtop" -d 300
	see "^hvB (down|reconnecting).*no-such-migtop.*not found"
	see "^  $SRC +local +STOP "
	see "^  $DST +local +STOP "
	see "^ migtop [0-9.]+ \| local, hvB \| 2 devices"
	keys j
	keys '?'
	see "show this help"
	keys q
	want_exit 0
fi

if t "hosts: two hosts in a 20x5 terminal, then 60x12 (the HOST column drops first)"; then
	hosts_ssh
	fix pair-ok
	start 20 5 env MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/hosts-ssh" \
		--host "hvA,root=$root,cmd=$MIGTOP" --host "hvB,cmd=$tmp/no-such-migtop" -d 300
	see "too small|small"
	keys j
	alive
	tm resize-window -t "$S" -x 60 -y 12 2>/dev/null || tm resize-pane -t "$S" -x 60 -y 12
	see "^hvA connected"
	see "^hvB (down|reconnecting)"
	see "^ migtop [0-9.]+ \| hvA, hvB \| "
	see "3b:00.1 +STOP"
	see_not "HOST"
	keys q
	want_exit 0
fi

if t "hosts: the host's kernel log in the console: its record in hvA:DEVICE's detail, the alert mark"; then
	hosts_ssh
	fix pair-ok
	# the remote migtop reads a file of /dev/kmsg records (printk.c's format): a dev_err()
	# on the destination VF, after the fixture's state changes
	printf '%s\n' '6,1040,5123000000,-;NET: Registered protocol family 10' \
		"3,1041,5123456789,-;hisi_acc_vfio_pci $DST: failed to match VF qp num" \
		' SUBSYSTEM=pci' " DEVICE=+pci:$DST" >"$tmp/hosts-kmsg.txt"
	printf '#!/bin/sh\nexec %s --kmsg %s "$@"\n' "$MIGTOP" "$tmp/hosts-kmsg.txt" >"$tmp/hosts-agent"
	chmod +x "$tmp/hosts-agent"
	start 160 40 env MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/hosts-ssh" \
		--host "hvA,root=$root,cmd=$tmp/hosts-agent" -d 300
	see "^hvA connected"
	# the destination is marked (a record of level err), the source is not
	see "^  ?!hvA:$DST "
	see "^  +hvA:$SRC "
	keys j
	keys Enter
	see "failed to match VF qp num"
	keys Escape
	keys k
	keys Enter
	see "hvA:$SRC"
	see_not "failed to match VF qp num" 3
	keys q
	want_exit 0
fi

if t "hosts: the config file's host lines open the console on those hosts"; then
	hosts_ssh
	fix pair-ok
	mkdir -p "$tmp/xdg-hosts/migtop"
	ln -sfn "$XDG_CONFIG_HOME/migtop/themes" "$tmp/xdg-hosts/migtop/themes"
	printf 'host = hvC,root=%s,cmd=%s\n' "$root" "$MIGTOP" >"$tmp/xdg-hosts/migtop/config"
	start 160 30 env XDG_CONFIG_HOME="$tmp/xdg-hosts" MIGTOP_FIXTURE=1 "$MIGTOP" --no-local \
		--ssh "$tmp/hosts-ssh" -d 300
	see "^hvC connected"
	see "hvC:$DST +hvC +STOP "
	keys q
	want_exit 0
	# a bad host line stops it with the file and line, before the terminal is taken
	printf 'host = hvC,port=22\n' >"$tmp/xdg-hosts/migtop/config"
	start 160 30 env XDG_CONFIG_HOME="$tmp/xdg-hosts" "$MIGTOP" --no-local --ssh "$tmp/hosts-ssh"
	want_exit 1
	if grep -q "xdg-hosts/migtop/config:1: host: " "$tmp/$S.err"; then ok; else
		bad "no FILE:LINE message: $(head -c 200 "$tmp/$S.err")"
	fi
fi

if t "hosts: + and - reach the agents: the interval control line, and the agent reads at the new pace; the devices on screen reach them"; then
	# the stand-in ssh keeps what the console writes to the agent's stdin
	fakessh_write "$tmp/hosts-ssh-tee" -t hosts-ctl. -x
	fix pair-ok
	rm -f "$tmp/hosts-ctl.hvA"
	# every 30 s: a remote state change would take up to 30 s to be read
	start 160 30 env MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/hosts-ssh-tee" \
		--host "hvA,root=$root,cmd=$MIGTOP" -d 30000
	see "^hvA connected"
	see "hvA:$SRC +hvA +STOP "
	# 30000 -> 10000 -> 5000 -> 2000 -> 1000 -> 500 -> 250
	for _ in 1 2 3 4 5 6; do keys +; done
	see "on the hosts every 250 ms"
	if grep -q '{"t":"interval","ms":250}' "$tmp/hosts-ctl.hvA"; then ok; else
		bad "the agent was not sent the interval: $(head -c 300 "$tmp/hosts-ctl.hvA")"
	fi
	# the devices on screen, named as the agent knows them (no "hvA:"): it reads them at
	# the interval even while idle
	focus=$(grep '^{"t":"focus"' "$tmp/hosts-ctl.hvA" | tail -1 | jq -c '.dev | sort' 2>/dev/null)
	if [[ $focus == "$(jq -nc --arg a "$SRC" --arg b "$DST" '[$a, $b] | sort')" ]]; then ok; else
		bad "the agent was not sent the devices on screen, each once: $(grep focus "$tmp/hosts-ctl.hvA" | head -c 300)"
	fi
	printf 'STOP_COPY\n' >"$root/$SRC/migration/state.new"
	mv "$root/$SRC/migration/state.new" "$root/$SRC/migration/state"
	# read by the agent within its new 250 ms, not its first 30 s
	see "hvA:$SRC +hvA +STOP_COPY " 5
	keys q
	want_exit 0
fi

if t "hosts: more remote devices on screen than a focus holds: the selected one is always in it"; then
	fakessh_write "$tmp/hosts-ssh-tee" -t hosts-ctl. -x
	fix many 80
	rm -f "$tmp/hosts-ctl.hvA"
	last=$(find "$root" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tail -1)
	start 160 100 env MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/hosts-ssh-tee" \
		--host "hvA,root=$root,cmd=$MIGTOP"
	see "^hvA connected"
	see "hvA:$last "
	keys G
	# the 80 rows are on screen; the agent takes 64 names: the selected (last) one is one
	for _ in $(seq 50); do
		grep '^{"t":"focus"' "$tmp/hosts-ctl.hvA" | tail -1 | grep -q "\"$last\"" && break
		sleep 0.1
	done
	focus=$(grep '^{"t":"focus"' "$tmp/hosts-ctl.hvA" | tail -1)
	if jq -e --arg d "$last" '(.dev | length) == 64 and (.dev | index($d)) != null' <<<"$focus" >/dev/null; then ok; else
		bad "the last focus lacks the selected $last, or does not hold 64 names: $(head -c 300 <<<"$focus")"
	fi
	keys q
	want_exit 0
fi
