# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# The root directory removed and made again while migtop runs: a driver module unloaded and
# loaded again removes its debugfs directory and creates a new one (a new inode), and so does
# a debugfs unmounted and mounted again.  migtop must follow the new directory, not keep
# listing the removed one (which lists nothing, forever).  Sourced by run.sh.

# last_has PATTERN: the last snapshot in $out matches PATTERN
last_has() { tail -n 1 "$out" | grep -q -- "$1"; }
# wait_last PATTERN: until the last snapshot matches PATTERN (at most 10 s); 0 or 1
wait_last() {
	local i
	for ((i = 0; i < 100; i++)); do
		last_has "$1" && return 0
		sleep 0.1
	done
	return 1
}
# state_is DEV STATUS: the pattern of DEV's state file having that status
state_is() { echo "\"name\":\"$1\",[^{]*\"files\":{\"state\":{\"status\":\"$2\""; }

t "root removed mid-run: its devices are gone; made again: they come back, read from the new one"
fix pair-ok
"$MIGTOP" -n 24 -d 500 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$out" '^\{' || bad "no first snapshot"
mv "$root" "$root.old"
# the root is listed every 2 s
wait_last "$(state_is "$SRC" gone)" && ok || bad "$SRC not gone once the root was removed"
# a new directory at the same path (a copy: another inode), where SRC is RUNNING again
cp -a "$root.old" "$root"
printf 'RUNNING\n' >"$root/$SRC/migration/state"
rm -rf "$root.old"
running="\"name\":\"$SRC\",[^{]*\"state\":\"RUNNING\""
wait_last "$running"
kill "$pid" 2>/dev/null
wait "$pid"
last_has "$running" && ok || bad "$SRC not read from the new root (state RUNNING) within 10 s"
last_has '"gone":true' && bad "a device still gone in the last snapshot" || ok

t "a device removed and back with the same content is read again, not left unread"
fix pair-ok
"$MIGTOP" -n 24 -d 500 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$out" '^\{' || bad "no first snapshot"
mv "$root/$DST" "$tmp/dst-away"
wait_last "$(state_is "$DST" gone)" && ok || bad "$DST never gone"
mv "$tmp/dst-away" "$root/$DST"
wait_last "$(state_is "$DST" ok)"
kill "$pid" 2>/dev/null
wait "$pid"
last_has "$(state_is "$DST" ok)" && ok ||
	bad "$DST back but its state not read within 10 s (same bytes as before it vanished)"
