# shellcheck shell=bash disable=SC2154,SC2034
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  Issue 12 items 4 and 14:
# a file no read answered before the snapshot's time ran out is "unread" (never the
# driver's "not_ready"), and a snapshot cut short exits 3 with "complete": false.

t "unread: a complete snapshot exits 0, complete, no file unread"
fix pair-ok
run --root "$root" --fixture --once --json
want_rc 0
want_out '^  "complete": true,$'
want_out '^  "unread": 0,$'
want_no_out '"status": "unread"'
run --root "$root" --fixture --once
want_rc 0
want_no_out 'unread'
run --root "$root" --fixture -n 2 -d 100 --json
want_rc 0
want_out '"complete":true,"unread":0,'

t "unread: a blocked read (FIFO) is an observation, not a cut snapshot: exit 0"
fix not-migrated
rm "$root/$SRC/migration/hisi_acc/dev_data"
mkfifo "$root/$SRC/migration/hisi_acc/dev_data"
timeout 10 "$MIGTOP" --root "$root" --fixture --once --json --deadline 200 >"$out" 2>"$err"
rc=$?
want_rc 0
want_out '"status": "blocked"'
want_out '^  "complete": true,$'

# 4096 devices (about 20,000 files) cannot be listed and read in --deadline 1 plus the
# 0.5 s margin: reading them all takes about 0.85 s on this 2-core machine when it is idle
# (2000 devices took 0.4 s: too close).  The files not reached must say so.
t "unread: --once cut short by the deadline: files unread, exit 3, complete false"
fix many 4096
timeout 60 "$MIGTOP" --root "$root" --fixture --once --json --deadline 1 >"$out" 2>"$err"
rc=$?
want_rc 3
want_out '^  "complete": false,$'
want_out '^  "unread": [1-9][0-9]*,$'
want_out '"status": "unread",'
want_out '"message": "not read yet"'
# not_ready is the driver's errno (EBUSY/ETIMEDOUT): never used for "not read yet"
if grep -B3 '"message": "not read yet"' "$out" | grep -q '"status": "not_ready"'; then
	bad "a file not read yet says not_ready"
else
	ok
fi
want_err 'files? not read before the deadline \(1 ms\): shown as unread'
n_status=$(grep -c '"status": "unread"' "$out")
n_top=$(sed -n 's/^  "unread": \([0-9]*\),$/\1/p' "$out")
if [[ $n_status == "$n_top" ]]; then ok; else bad "\"unread\": $n_top but $n_status files unread"; fi

t "unread: text --once and -n cut short: unread status, exit 3"
timeout 60 "$MIGTOP" --root "$root" --fixture --once --deadline 1 >"$out" 2>"$err"
rc=$?
want_rc 3
want_out '^  hisi_acc/dev_data: unread: not read yet$'
want_no_out 'not_ready: not read yet'
timeout 60 "$MIGTOP" --root "$root" --fixture -n 1 --json --deadline 1 >"$out" 2>"$err"
rc=$?
want_rc 3
want_out '"complete":false,"unread":[1-9]'

t "unread: --help and the man page document exit status 3 and the unread status"
run --help
want_out '3 a snapshot was cut short by the deadline'
if grep -q '^\.It Cm unread$' "$man" && grep -q '^\.It 3$' "$man"; then ok; else
	bad "man page lacks the unread status or exit status 3"
fi
