#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The fleet metrics with Debian's real Prometheus parts: `migtop --textfile DIR` and
# `--openmetrics` on fixture trees (mkfixture, the kernel's formats), checked by
# `promtool check metrics` (no error, no lint warning), served by prometheus-node-exporter's
# textfile collector on a loopback port and scraped with curl, and the example alert rules
# checked (`promtool check rules`) and unit-tested (`promtool test rules`).
# Env: MIGTOP, FIXGEN (absolute paths).  Needs: promtool (prometheus),
# prometheus-node-exporter, curl; python3-prometheus-client for the OpenMetrics parse.
set -u

: "${MIGTOP:?set MIGTOP to the migtop binary}"
: "${FIXGEN:?set FIXGEN to the mkfixture binary}"
here=$(cd "$(dirname "$0")" && pwd)
rules="$here/../../tui/share/migtop.rules.yml"
# shellcheck source-path=SCRIPTDIR source=../lib/fakessh.sh
source "$here/../lib/fakessh.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migtop-prom.XXXXXX") || exit 1
ne_pid=""
cleanup() {
	[[ -n $ne_pid ]] && kill "$ne_pid" 2>/dev/null && wait "$ne_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

for tool in promtool prometheus-node-exporter curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "prom: $tool not found: install prometheus prometheus-node-exporter curl (make deps)" >&2
		exit 1
	fi
done

SRC=0000:3b:00.1
DST=0000:86:00.1
pass=0 fail=0 name=""
out="$tmp/out" err="$tmp/err" rc=0 prom=""

t() { name=$*; }
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL [$name]: $*"
	[[ -s $err ]] && sed -n '1,5p' "$err" | sed 's/^/  stderr| /'
}
fix() { # fix SCENARIO [N]: a fresh fixture tree in $root
	root="$tmp/fx-$1${2:+-$2}"
	rm -rf "$root" "$root.kmsg"
	"$FIXGEN" "$root" "$@" >/dev/null || { echo "FAIL: mkfixture $*"; exit 1; }
}
# textfile ARGS...: one snapshot into a fresh directory; the file in $prom
textfile() {
	local d="$tmp/tf"
	rm -rf "$d" && mkdir -p "$d"
	"$MIGTOP" --fixture --root "$root" --once --textfile "$d" "$@" >"$out" 2>"$err"
	rc=$?
	prom="$d/migtop.prom"
}
want_rc() { if [[ $rc -eq $1 ]]; then ok; else bad "exit status $rc, want $1"; fi; }
# has FILE LINE: the exact sample line (name{labels} value) is in FILE
has() { if grep -qxF -- "$2" "$1"; then ok; else bad "lacks '$2'"; fi; }
hasnt() { if grep -qF -- "$2" "$1"; then bad "has '$2'"; else ok; fi; }
# promtool check metrics: exit 0 and nothing printed (an error or a lint warning prints)
lint() {
	local msg
	msg=$(promtool check metrics <"$1" 2>&1)
	if [[ $? -eq 0 && -z $msg ]]; then ok; else bad "promtool check metrics: $msg"; fi
}
count() { grep -c -- "$2" "$1"; }

# ---- every fixture: clean for promtool -------------------------------------------------
for sc in pair-ok pair-qpnum pair-devid pair-short pair-header v1 not-opened not-migrated \
	garbled truncated empty nodebugfs; do
	t "promtool check metrics: $sc"
	fix "$sc"
	textfile
	want_rc 0
	[[ -s $prom ]] || bad "no $prom"
	lint "$prom"
done

# ---- values ---------------------------------------------------------------------------
t "pair-ok: states, migf length, files, info, build, up"
fix pair-ok
textfile
has "$prom" "migtop_device_state{device=\"$SRC\",state=\"STOP\"} 1"
has "$prom" "migtop_device_state{device=\"$DST\",state=\"STOP\"} 1"
has "$prom" "migtop_migf_length_bytes{device=\"$SRC\"} 176"
has "$prom" "migtop_file_status{device=\"$SRC\",file=\"hisi_acc/cmd_state\",status=\"ok\"} 1"
has "$prom" "migtop_device_stuck{device=\"$SRC\"} 0"
has "$prom" "migtop_state_transitions_total{device=\"$SRC\",class=\"impossible\"} 0"
has "$prom" "migtop_up 1"
has "$prom" "migtop_scrape_errors_total 0"
grep -qE '^migtop_build_info\{version="[0-9]+\.[0-9]+\.[0-9]+"\} 1$' "$prom" && ok || bad "no build_info"
grep -qE "^migtop_file_read_seconds\{device=\"$SRC\",file=\"state\"\} [0-9.e-]+$" "$prom" &&
	ok || bad "no read duration of state"
# one state series per device, HELP and TYPE for every family
[[ $(count "$prom" '^migtop_device_state{') -eq 2 ]] && ok || bad "not one state series per device"
[[ $(count "$prom" '^# HELP ') -eq $(count "$prom" '^# TYPE ') ]] && ok || bad "HELP/TYPE count differs"
hasnt "$prom" "migtop_pair_verdict{"
# the pair's destination (RESUMING after a rejected stream), and its kernel log
t "pair-qpnum: reject verdict, RESUMING, closed device, kernel log lines by level"
fix pair-qpnum
textfile --pair "$SRC=$DST" --kmsg "$root.kmsg"
want_rc 0
lint "$prom"
has "$prom" "migtop_pair_verdict{src=\"$SRC\",dst=\"$DST\",check=\"overall\",verdict=\"reject\"} 1"
has "$prom" "migtop_pair_verdict{src=\"$SRC\",dst=\"$DST\",check=\"accept\",verdict=\"fail\"} 1"
has "$prom" "migtop_device_state{device=\"$DST\",state=\"RESUMING\"} 1"
has "$prom" "migtop_file_status{device=\"$DST\",file=\"hisi_acc/cmd_state\",status=\"not_opened\"} 1"
has "$prom" "migtop_file_status{device=\"$DST\",file=\"hisi_acc/dev_data\",status=\"not_opened\"} 1"
want_err=$(grep -c "DEVICE=+pci:$DST" "$root.kmsg")
has "$prom" "migtop_kernel_log_lines_total{device=\"$DST\",level=\"err\"} $want_err"
has "$prom" "migtop_kernel_log_lines_total{device=\"$DST\",level=\"warning\"} 0"
t "pair-ok: no reject (one snapshot, no sysfs: incomplete), capture passes"
fix pair-ok
textfile --pair "$SRC=$DST"
has "$prom" "migtop_pair_verdict{src=\"$SRC\",dst=\"$DST\",check=\"overall\",verdict=\"incomplete\"} 1"
has "$prom" "migtop_pair_verdict{src=\"$SRC\",dst=\"$DST\",check=\"capture\",verdict=\"pass\"} 1"
hasnt "$prom" 'verdict="reject"'
t "not-migrated: RUNNING, migf_data not_migrated, no length"
fix not-migrated
textfile
has "$prom" "migtop_device_state{device=\"$SRC\",state=\"RUNNING\"} 1"
has "$prom" "migtop_file_status{device=\"$SRC\",file=\"hisi_acc/migf_data\",status=\"not_migrated\"} 1"
hasnt "$prom" "migtop_migf_length_bytes{"
t "no kernel log: no kernel log series"
hasnt "$prom" "migtop_kernel_log_lines_total{"

t "device_info: driver, PCI IDs and parent (PF) from sysfs"
fix not-migrated
sy="$tmp/sysfs"
d="$sy/sys/devices/pci0000:3a/$SRC"
mkdir -p "$d" "$sy/sys/devices/pci0000:3a/0000:3b:00.0" "$sy/sys/bus/pci/devices" \
	"$sy/sys/bus/pci/drivers/hisi_acc_vfio_pci" "$sy/sys/bus/mdev/devices"
echo 0x19e5 >"$d/vendor"
echo 0xa256 >"$d/device"
ln -s "$sy/sys/bus/pci/drivers/hisi_acc_vfio_pci" "$d/driver"
ln -s ../0000:3b:00.0 "$d/physfn"
ln -s "../../../devices/pci0000:3a/$SRC" "$sy/sys/bus/pci/devices/$SRC"
textfile --sysfs-root "$sy"
want_rc 0
lint "$prom"
has "$prom" "migtop_device_info{device=\"$SRC\",driver=\"hisi_acc_vfio_pci\",pci_vendor=\"19e5\",pci_device=\"a256\",parent=\"0000:3b:00.0\"} 1"

# ---- 1,000 devices --------------------------------------------------------------------
t "1000 devices: clean, one state series each"
fix many 1000
textfile --deadline 10000 # a slow machine (sanitizers) reads 4,000 files in time too
want_rc 0
lint "$prom"
[[ $(count "$prom" '^migtop_device_state{') -eq 1000 ]] && ok || bad "want 1000 state series"
[[ $(count "$prom" '^migtop_device_info{') -eq 1000 ]] && ok || bad "want 1000 info series"
# mkfixture many: device 2 is STOP_COPY, 4 RESUMING (i % 6)
has "$prom" 'migtop_device_state{device="0000:3b:00.2",state="STOP_COPY"} 1'
has "$prom" 'migtop_device_state{device="0000:3b:00.4",state="RESUMING"} 1'
cp "$prom" "$tmp/many.prom"

# ---- OpenMetrics on stdout ------------------------------------------------------------
t "--openmetrics: one exposition on stdout, # EOF last"
fix pair-ok
"$MIGTOP" --fixture --root "$root" --openmetrics >"$out" 2>"$err"
rc=$?
want_rc 0
[[ $(tail -n1 "$out") == "# EOF" ]] && ok || bad "last line is not # EOF"
has "$out" "# TYPE migtop_state_transitions counter"
has "$out" "# TYPE migtop_build info"
has "$out" "migtop_device_state{device=\"$SRC\",state=\"STOP\"} 1"
# Debian's python3 (python3-prometheus-client), not one first in PATH (pyenv, a venv)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
if "$py" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
	t "--openmetrics: parsed by prometheus_client's OpenMetrics parser"
	if "$py" - "$out" >"$tmp/py" 2>&1 <<'EOF'; then ok; else bad "$(tail -3 "$tmp/py")"; fi
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
assert fams["migtop_state_transitions"].type == "counter", fams["migtop_state_transitions"].type
assert fams["migtop_build"].type == "info"
s = [x for x in fams["migtop_device_state"].samples if x.labels["device"] == "0000:3b:00.1"]
assert len(s) == 1 and s[0].labels["state"] == "STOP" and s[0].value == 1, s
EOF
else
	echo "prom: python3-prometheus-client missing: OpenMetrics parse skipped"
fi

t "escaped label values: promtool and the OpenMetrics parser read the name back"
fix not-migrated
w=$'we"ird\\dev\nx'
mkdir -p "$root/$w/migration"
printf 'RUNNING\n' >"$root/$w/migration/state"
textfile
want_rc 0
lint "$prom"
"$MIGTOP" --fixture --root "$root" --openmetrics >"$out" 2>"$err"
if "$py" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
	if "$py" - "$out" "$w" >"$tmp/py" 2>&1 <<'EOF'; then ok; else bad "$(tail -3 "$tmp/py")"; fi
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
devs = [x.labels["device"] for x in fams["migtop_device_state"].samples]
assert sys.argv[2] in devs, devs
EOF
fi

# ---- errors ---------------------------------------------------------------------------
t "--textfile: a directory that does not exist"
fix pair-ok
"$MIGTOP" --fixture --root "$root" --textfile "$tmp/nope" -n 1 >"$out" 2>"$err"
rc=$?
want_rc 1
grep -q "writing $tmp/nope/migtop.prom: No such file or directory" "$err" && ok || bad "no message"
t "--openmetrics with --json or --textfile: usage"
"$MIGTOP" --fixture --root "$root" --openmetrics --json >"$out" 2>"$err"
rc=$?
want_rc 2
"$MIGTOP" --fixture --root "$root" --openmetrics --textfile "$tmp" >"$out" 2>"$err"
rc=$?
want_rc 2
t "--textfile with an unreadable root: exit 1"
"$MIGTOP" --fixture --root "$tmp/noroot" --textfile "$tmp" -n 1 >"$out" 2>"$err"
rc=$?
want_rc 1

# ---- a watching run: transitions, stuck, atomic replacement, SIGTERM ------------------
t "--textfile run: counters by class, stuck, file replaced every interval"
fix not-migrated
d="$tmp/run"
mkdir -p "$d"
"$MIGTOP" --fixture --root "$root" --textfile "$d" -d 100 --stuck STOP_COPY=1 \
	--log "$tmp/run.log" >"$out" 2>"$err" &
pid=$!
wait_for() { # wait_for PATTERN: until DIR/migtop.prom has the line (5 s)
	for _ in $(seq 50); do
		grep -qxF -- "$1" "$d/migtop.prom" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
st="$root/$SRC/migration/state"
wait_for "migtop_device_state{device=\"$SRC\",state=\"RUNNING\"} 1" && ok || bad "no RUNNING"
# RUNNING -> STOP_COPY without P2P: RUNNING -> STOP -> STOP_COPY, a combination
printf 'STOP_COPY\n' >"$st.new" && mv "$st.new" "$st"
wait_for "migtop_state_transitions_total{device=\"$SRC\",class=\"combination\"} 1" &&
	ok || bad "no combination counted"
wait_for "migtop_device_stuck{device=\"$SRC\"} 1" && ok || bad "not stuck after 1 s in STOP_COPY"
# STOP_COPY -> PRE_COPY: no arc leads there
printf 'PRE_COPY\n' >"$st.new" && mv "$st.new" "$st"
wait_for "migtop_state_transitions_total{device=\"$SRC\",class=\"impossible\"} 1" &&
	ok || bad "no impossible counted"
wait_for "migtop_device_stuck{device=\"$SRC\"} 0" && ok || bad "still stuck after leaving"
m1=$(stat -c '%i %y' "$d/migtop.prom" 2>/dev/null || echo 0)
sleep 0.3
m2=$(stat -c '%i %y' "$d/migtop.prom" 2>/dev/null || echo 0)
[[ $m1 != "$m2" ]] && ok || bad "file not replaced (renamed over: a new inode) between intervals"
# a vanished device stays (kept 60 s by the engine) with its state "gone"
rm -rf "${root:?}/$SRC"
wait_for "migtop_device_state{device=\"$SRC\",state=\"gone\"} 1" && ok || bad "no gone state"
wait_for "migtop_file_status{device=\"$SRC\",file=\"state\",status=\"gone\"} 1" &&
	ok || bad "no gone file status"
kill -TERM "$pid"
wait "$pid"
rc=$?
want_rc 0
lint "$d/migtop.prom"
# --log ran alongside: the same changes as lines
grep -q "$SRC state RUNNING -> STOP_COPY" "$tmp/run.log" && ok || bad "--log lacks the change"
[[ -s $out ]] && bad "--textfile printed on stdout" || ok
# only migtop.prom: no temporary file left behind, none ever named *.prom
[[ $(find "$d" -mindepth 1 | wc -l) -eq 1 ]] && ok || bad "leftovers: $(ls -A "$d")"

# ---- --host: each host's link, the host label, stale (not stuck) devices -----------------
# $tmp/ssh stands in for ssh: drops "-o OPTION" pairs and the destination, runs the remote
# command line here; while $tmp/down.DEST exists it fails as ssh does on a refused connection.
fakessh_write "$tmp/ssh" -d down. -x
t "--host: migtop_host_* per host, a host label on its devices' series, clean for promtool"
fix pair-ok
d="$tmp/hosts"
rm -rf "$d" && mkdir -p "$d"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/ssh" --host "hvA,root=$root,cmd=$MIGTOP" \
	--host "hvB,cmd=$tmp/no-such-migtop" --once --textfile "$d" >"$out" 2>"$err"
rc=$?
want_rc 0
prom="$d/migtop.prom"
lint "$prom"
has "$prom" 'migtop_host_up{host="hvA"} 1'
has "$prom" 'migtop_host_up{host="hvB"} 0'
has "$prom" 'migtop_host_status{host="hvA",status="connected"} 1'
has "$prom" 'migtop_host_status{host="hvB",status="down"} 1'
has "$prom" 'migtop_host_links_total{host="hvB"} 1'
grep -Eq '^migtop_host_data_age_seconds\{host="hvA"\} [0-9.e-]+$' "$prom" && ok || bad "no data age of hvA"
hasnt "$prom" 'migtop_host_data_age_seconds{host="hvB"}'
has "$prom" "migtop_device_state{device=\"hvA:$SRC\",state=\"STOP\",host=\"hvA\"} 1"
has "$prom" "migtop_device_stale{device=\"hvA:$SRC\",host=\"hvA\"} 0"
has "$prom" "migtop_device_stuck{device=\"hvA:$SRC\",host=\"hvA\"} 0"
# no series of a device without its host label
[[ $(grep -c '^migtop_device_state{' "$prom") -eq $(grep -c '^migtop_device_state{.*host="hvA"' "$prom") ]] &&
	ok || bad "a device series without its host label"
# a local run has no host series or label
fix pair-ok
textfile
hasnt "$prom" "migtop_host_"
hasnt "$prom" 'host="'

if "$py" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
	t "--host --openmetrics: the host series parsed by prometheus_client's OpenMetrics parser"
	fix pair-ok
	MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/ssh" --host "hvA,root=$root,cmd=$MIGTOP" \
		--host "hvB,cmd=$tmp/no-such-migtop" --openmetrics >"$out" 2>"$err"
	if "$py" - "$out" >"$tmp/py" 2>&1 <<'EOF'; then ok; else bad "$(tail -3 "$tmp/py")"; fi
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
up = {x.labels["host"]: x.value for x in fams["migtop_host_up"].samples}
assert up == {"hvA": 1, "hvB": 0}, up
assert fams["migtop_host_links"].type == "counter"
s = [x for x in fams["migtop_device_state"].samples if x.labels["device"] == "hvA:0000:3b:00.1"]
assert len(s) == 1 and s[0].labels["host"] == "hvA", s
assert all(x.labels["host"] == "hvA" for x in fams["migtop_device_stale"].samples)
EOF
fi

t "--host: a device whose link is down: stale, its stuck 0 (it was 1 while connected)"
fix pair-ok
printf 'STOP_COPY\n' >"$root/$SRC/migration/state"
d="$tmp/hosts-run"
rm -rf "$d" "$tmp/down.hvA" && mkdir -p "$d"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/ssh" --host "hvA,root=$root,cmd=$MIGTOP" \
	--textfile "$d" -d 200 --stuck STOP_COPY=1 >"$out" 2>"$err" &
pid=$!
wait_for "migtop_device_stuck{device=\"hvA:$SRC\",host=\"hvA\"} 1" && ok ||
	bad "not stuck after 1 s in STOP_COPY while connected"
: >"$tmp/down.hvA"
pids=$(pgrep -f -- "--agent -d 200 --root $root\$")
[[ -n $pids ]] && ok || bad "no agent serving $root"
# shellcheck disable=SC2086 # one pid a word
[[ -n $pids ]] && kill $pids
wait_for 'migtop_host_up{host="hvA"} 0' && ok || bad "hvA never down"
wait_for "migtop_device_stale{device=\"hvA:$SRC\",host=\"hvA\"} 1" && ok || bad "hvA:$SRC not stale"
wait_for "migtop_device_stuck{device=\"hvA:$SRC\",host=\"hvA\"} 0" && ok ||
	bad "hvA:$SRC still stuck while its link is down"
# the last values stay (its state STOP_COPY), marked stale
has "$d/migtop.prom" "migtop_device_state{device=\"hvA:$SRC\",state=\"STOP_COPY\",host=\"hvA\"} 1"
kill -TERM "$pid"
wait "$pid"
rc=$?
want_rc 0
lint "$d/migtop.prom"
rm -f "$tmp/down.hvA"

# ---- node_exporter's textfile collector -------------------------------------------------
t "node_exporter serves migtop's series"
fix pair-qpnum
nd="$tmp/ne"
mkdir -p "$nd"
"$MIGTOP" --fixture --root "$root" --once --textfile "$nd" --pair "$SRC=$DST" --kmsg "$root.kmsg" \
	>"$out" 2>"$err"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$nd" >"$tmp/ne.log" 2>&1 &
ne_pid=$!
scraped=""
for _ in $(seq 50); do
	if curl -sf "http://127.0.0.1:$port/metrics" -o "$tmp/scrape"; then
		scraped=1
		break
	fi
	sleep 0.1
done
if [[ -n $scraped ]]; then
	ok
	has "$tmp/scrape" "migtop_device_state{device=\"$DST\",state=\"RESUMING\"} 1"
	has "$tmp/scrape" "migtop_pair_verdict{check=\"overall\",dst=\"$DST\",src=\"$SRC\",verdict=\"reject\"} 1"
	has "$tmp/scrape" "migtop_migf_length_bytes{device=\"$SRC\"} 176"
	has "$tmp/scrape" "migtop_up 1"
	has "$tmp/scrape" "node_textfile_scrape_error 0"
	grep -q '^node_textfile_mtime_seconds{file="[^"]*migtop.prom"}' "$tmp/scrape" &&
		ok || bad "no mtime of migtop.prom"
	# the 1,000-device file too
	cp "$tmp/many.prom" "$nd/migtop.prom"
	curl -sf "http://127.0.0.1:$port/metrics" -o "$tmp/scrape"
	[[ $(grep -c '^migtop_device_state{' "$tmp/scrape") -eq 1000 ]] && ok ||
		bad "node_exporter: not 1000 state series"
	has "$tmp/scrape" "node_textfile_scrape_error 0"
else
	bad "node_exporter did not answer on 127.0.0.1:$port: $(tail -3 "$tmp/ne.log")"
fi
kill "$ne_pid" 2>/dev/null
wait "$ne_pid" 2>/dev/null
ne_pid=""

# ---- alert rules ------------------------------------------------------------------------
t "promtool check rules"
msg=$(promtool check rules "$rules" 2>&1)
[[ $? -eq 0 ]] && ok || bad "$msg"
t "promtool test rules: stuck, reject, command channel, impossible, not running, host down fire"
msg=$(cd "$here" && promtool test rules rules_test.yml 2>&1)
[[ $? -eq 0 ]] && ok || bad "$msg"
# and the test can fail: a rules file whose stuck alert looks at the wrong state
sed 's/STOP_COPY|RESUMING/PRE_COPY/' "$rules" >"$tmp/broken.rules.yml"
sed "s|../../tui/share/migtop.rules.yml|$tmp/broken.rules.yml|" "$here/rules_test.yml" \
	>"$tmp/broken_test.yml"
t "promtool test rules fails on a broken rule"
msg=$(promtool test rules "$tmp/broken_test.yml" 2>&1)
[[ $? -ne 0 ]] && ok || bad "a broken stuck rule passed the rules test"

echo "prom: $pass passed, $fail failed"
((fail == 0))
