# shellcheck shell=bash disable=SC2154,SC2034
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  Issue 13: --textfile and
# --openmetrics as a user sees them, without Prometheus' tools (tests/prom/run.sh checks the
# output with promtool and node_exporter); here they also run under the sanitizer builds.

t "prom: --openmetrics alone is one exposition on stdout, ending with # EOF"
fix pair-ok
run --root "$root" --fixture --openmetrics
want_rc 0
want_out "^migtop_device_state\{device=\"$SRC\",state=\"STOP\"\} 1$"
want_out '^# TYPE migtop_state_transitions counter$'
want_out "^migtop_migf_length_bytes\{device=\"$DST\"\} 176$"
if [[ $(tail -n1 "$out") == "# EOF" ]]; then ok; else bad "last line is not # EOF"; fi
if [[ $(grep -c '^# EOF$' "$out") -eq 1 ]]; then ok; else bad "not one # EOF"; fi

t "prom: -n 2 --openmetrics: two expositions"
run --root "$root" --fixture -n 2 -d 50 --openmetrics
want_rc 0
if [[ $(grep -c '^# EOF$' "$out") -eq 2 ]]; then ok; else bad "not two expositions"; fi

t "prom: --textfile writes DIR/migtop.prom (Prometheus text format), nothing on stdout"
d="$tmp/prom-tf"
rm -rf "$d" && mkdir -p "$d"
run --root "$root" --fixture --textfile "$d" -n 2 -d 50
want_rc 0
want_empty_out
if grep -q "^migtop_device_state{device=\"$SRC\",state=\"STOP\"} 1$" "$d/migtop.prom"; then
	ok
else
	bad "no state series in $d/migtop.prom"
fi
if grep -q '^# TYPE migtop_build_info gauge$' "$d/migtop.prom" &&
	! grep -q '^# EOF' "$d/migtop.prom"; then ok; else bad "not the Prometheus text format"; fi
if [[ $(ls -A "$d") == migtop.prom ]]; then ok; else bad "leftovers: $(ls -A "$d")"; fi

t "prom: a read that blocks (FIFO) is file status blocked"
fix not-migrated
rm "$root/$SRC/migration/hisi_acc/dev_data"
mkfifo "$root/$SRC/migration/hisi_acc/dev_data"
timeout 10 "$MIGTOP" --root "$root" --fixture --once --openmetrics --deadline 200 >"$out" 2>"$err"
rc=$?
want_rc 0
want_out "^migtop_file_status\{device=\"$SRC\",file=\"hisi_acc/dev_data\",status=\"blocked\"\} 1$"
want_out "^migtop_device_state\{device=\"$SRC\",state=\"RUNNING\"\} 1$"

t "prom: label values escaped (quote, backslash, newline in a directory name)"
fix not-migrated
w="$root/we\"ird\\dev"$'\n'"x"
mkdir -p "$w/migration"
printf 'RUNNING\n' >"$w/migration/state"
run --root "$root" --fixture --openmetrics
want_rc 0
want_out '^migtop_device_state\{device="we\\"ird\\\\dev\\nx",state="RUNNING"\} 1$'

t "prom: usage and environment errors"
run --root "$root" --fixture --openmetrics --json
want_rc 2
want_err '--openmetrics cannot be combined with --json'
run --root "$root" --fixture --textfile ""
want_rc 2
want_err '--textfile needs a directory'
run --root "$root" --fixture --textfile "$tmp/prom-nodir" --once
want_rc 1
want_err "writing $tmp/prom-nodir/migtop.prom: No such file or directory \(--textfile wants an existing directory\)"
