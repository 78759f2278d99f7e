# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# The root directory removed and made again while migtop runs: a driver module unloaded and
# loaded again removes its debugfs directory and creates a new one (a new inode), and so does
# a debugfs unmounted and mounted again.  migtop must follow the new directory, not keep
# listing the removed one (which lists nothing, forever).  Sourced by run.sh.

t "root removed mid-run: its devices are gone; made again: they come back, read from the new one"
fix pair-ok
"$MIGTOP" -n 24 -d 500 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$out" '^\{' || bad "no first snapshot"
mv "$root" "$root.old"
# the root is listed every 2 s: wait for a snapshot where the devices are gone
for ((i = 0; i < 100; i++)); do
	if tail -n 1 "$out" | grep -q "\"name\":\"$SRC\",[^{]*\"files\":{\"state\":{\"status\":\"gone\""; then break; fi
	sleep 0.1
done
if tail -n 1 "$out" | grep -q "\"name\":\"$SRC\",[^{]*\"files\":{\"state\":{\"status\":\"gone\""; then ok; else
	bad "$SRC not gone once the root was removed"
fi
# a new directory at the same path (a copy: another inode), where SRC is RUNNING again
cp -a "$root.old" "$root"
printf 'RUNNING\n' >"$root/$SRC/migration/state"
rm -rf "$root.old"
for ((i = 0; i < 100; i++)); do
	if tail -n 1 "$out" | grep -q "\"name\":\"$SRC\",[^{]*\"state\":\"RUNNING\""; then break; fi
	sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid"
n=$(wc -l <"$out")
if tail -n 1 "$out" | grep -q "\"name\":\"$SRC\",[^{]*\"state\":\"RUNNING\""; then ok; else
	bad "$SRC not read from the new root (state RUNNING) within 10 s; $n snapshots"
fi
if tail -n 1 "$out" | grep -q '"gone":true'; then bad "a device still gone in the last snapshot"; else ok; fi

t "a device removed and back with the same content is read again, not left unread"
fix pair-ok
"$MIGTOP" -n 24 -d 500 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$out" '^\{' || bad "no first snapshot"
mv "$root/$DST" "$tmp/dst-away"
for ((i = 0; i < 100; i++)); do
	if tail -n 1 "$out" | grep -q "\"name\":\"$DST\",[^{]*\"files\":{\"state\":{\"status\":\"gone\""; then break; fi
	sleep 0.1
done
mv "$tmp/dst-away" "$root/$DST"
for ((i = 0; i < 100; i++)); do
	if tail -n 1 "$out" | grep -q "\"name\":\"$DST\",[^{]*\"files\":{\"state\":{\"status\":\"ok\""; then break; fi
	sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid"
if grep -q "\"name\":\"$DST\",[^{]*\"files\":{\"state\":{\"status\":\"gone\"" "$out"; then ok; else bad "$DST never gone"; fi
if tail -n 1 "$out" | grep -q "\"name\":\"$DST\",[^{]*\"files\":{\"state\":{\"status\":\"ok\""; then ok; else
	bad "$DST back but its state not read within 10 s (same bytes as before it vanished)"
fi
