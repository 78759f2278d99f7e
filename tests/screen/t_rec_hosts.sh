# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/screen/run.sh (its helpers: t, fix, start, see, keys...).  --record with
# --host in the console, and the console's replay of that recording: the host's devices as
# LABEL:DEVICE, its status line as it was at the replayed time (connected, then down with
# the reason), its devices marked stale while it was down; at its start, as the console
# showed it then, the link still connecting.
#
# The stand-in for ssh (tests/lib/fakessh.sh) runs the remote command line here, and
# fails as ssh does when the host refuses the connection while $tmp/rech-down.DEST exists.

rech_ssh() { fakessh_write "$tmp/rech-ssh" -d rech-down. -x; }

if t "rec hosts: the console records hvA, its link drops; the console's replay shows it as it was"; then
	rech_ssh
	fix pair-ok
	rm -f "$tmp/rech-down.hvA" "$tmp/rech.rec"
	start 160 30 env MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/rech-ssh" \
		--host "hvA,root=$root,cmd=$MIGTOP" -d 300 --record "$tmp/rech.rec"
	see "hvA:$SRC +hvA +STOP "
	see "^hvA connected, "
	sleep 1
	: >"$tmp/rech-down.hvA"
	pids=$(pgrep -f -- "--agent .*--root $root\$")
	if [[ -n $pids ]]; then ok; else bad "no agent process serving $root"; fi
	# shellcheck disable=SC2086 # one pid a word
	[[ -n $pids ]] && kill $pids
	see "^hvA down, reconnecting in [0-9]+ s: the connection ended"
	see "hvA:$SRC +hvA stale [0-9]+s +STOP\? "
	sleep 1.5
	keys q
	want_exit 0
	rm -f "$tmp/rech-down.hvA"

	# the replay at its start: hvA connecting (the console waits for no link), no device
	# yet; played on: connected, its devices fresh
	start 160 30 "$MIGTOP" --replay "$tmp/rech.rec"
	see "hvA:$SRC +hvA +STOP "
	keys Home
	see '\+0\.0 s of [0-9.]+ s  1x  paused'
	see "^hvA connecting"
	see_not "hvA:$SRC"
	keys Space
	see "^hvA connected, "
	see "hvA:$SRC +hvA +STOP "
	see_not "stale"
	# at its end: down with the recorded reason, the devices stale with their last state
	keys End
	see "end of recording|paused"
	see "^hvA (down|reconnecting)[^:]*: .*the connection ended \(exit status 255\)"
	see "hvA:$SRC +hvA stale [0-9]+s +STOP\? "
	see "hvA:$DST +hvA stale [0-9]+s +STOP\? "
	# and back to the start: connecting again, nothing stale
	keys Home
	see "^hvA connecting"
	see_not "stale"
	keys q
	want_exit 0
fi
