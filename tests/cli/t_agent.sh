# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  Issue 10, step 1: the
# agent alone on a fixture tree, its stdin a pipe the test holds: the hello, the snapshot,
# a delta after a state file changes, devices appearing and going, heartbeats with the
# count of rejected control lines, a control line naming a path is ignored and nothing
# outside the root is opened (strace), and the agent exits when its stdin closes.

ag_in="$tmp/agent.in"
ag_pid=""

# ag_start ARGS...: the agent on $root with stdin from a FIFO held open on fd 7
ag_start() {
	rm -f "$ag_in"
	mkfifo "$ag_in"
	"$@" <"$ag_in" >"$out" 2>"$err" &
	ag_pid=$!
	exec 7>"$ag_in"
}
# ag_stop: close stdin; the agent must exit by itself within 3 s (rc in $rc)
ag_stop() {
	exec 7>&-
	for _ in $(seq 30); do
		kill -0 "$ag_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$ag_pid" 2>/dev/null; then
		bad "the agent still runs 3 s after its stdin closed"
		kill "$ag_pid"
	fi
	wait "$ag_pid"
	rc=$?
}
# (ag_wait REGEX SECONDS and ag_put FILE LINE: tests/lib/agent.sh)
ag_count() { grep -Ec -- "$1" "$out"; }

t "agent: hello first (protocol 1, this host, kernel, root), then one snapshot"
fix pair-ok
ag_start "$MIGTOP" --agent --root "$root" --fixture -d 200
if ag_wait '^\{"t":"snap"' 5; then ok; else bad "no snapshot within 5 s"; fi
if head -1 "$out" | grep -Eq "^\\{\"t\":\"hello\",\"proto\":1,\"migtop\":\"[0-9.]+\",\"host\":\"$(uname -n)\",\"kernel\":\"$(uname -r)\",\"root\":\"$root\",\"interval_ms\":200,\"klog\":\"off\",\"ping\":true,\"focus\":true\\}$"; then
	ok
else bad "first line is not the hello"; fi
if sed -n 2p "$out" | grep -q '^{"t":"snap","seq":1,'; then ok; else bad "second line is not the snapshot"; fi
want_out "\"lists\":\\[\\{\"p\":\"\",\"n\":\\[\"$SRC\",\"$DST\"\\]\\}"
want_out "\\{\"p\":\"$SRC/migration/state\",\"d\":\"STOP\\\\n\"\\}"
want_out "\\{\"p\":\"$DST/migration/hisi_acc/cmd_state\",\"d\":\"mailbox cmd channel ready!\\\\n\"\\}"

t "agent: a state change is one delta with the new state, and nothing else changes"
ag_put "$root/$SRC/migration/state" STOP_COPY
if ag_wait '^\{"t":"delta"' 3; then ok; else bad "no delta within 3 s"; fi
want_out "^\\{\"t\":\"delta\",\"seq\":2,\"ts\":[0-9]+,\"lists\":\\[\\],\"files\":\\[\\{\"p\":\"$SRC/migration/state\",\"d\":\"STOP_COPY\\\\n\"\\}\\]\\}$"
sleep 1
if [[ $(ag_count '^\{"t":"delta"') -eq 1 ]]; then ok; else bad "more than one delta for one change"; fi

t "agent: a failing read is sent as its errno, once"
printf 'EAGAIN\n' >"$root/$DST/migration/state.errno"
if ag_wait "\"p\":\"$DST/migration/state\",\"e\":\"EAGAIN\"" 3; then ok; else bad "no EAGAIN delta"; fi

t "agent: a device appearing and going are the root listing's add and del"
cp -a "$root/$DST" "$root/0000:86:00.2"
rm -f "$root/0000:86:00.2/migration/state.errno"
if ag_wait '"lists":\[\{"p":"","add":\["0000:86:00.2"\],"del":\[\]\}' 5; then ok; else
	bad "no add of 0000:86:00.2 within 5 s"
fi
rm -rf "$root/0000:86:00.2"
if ag_wait '"lists":\[\{"p":"","add":\[\],"del":\["0000:86:00.2"\]\}' 5; then ok; else
	bad "no del of 0000:86:00.2 within 5 s"
fi

t "agent: control lines naming a path, a command or garbage are ignored and counted"
n_snap=$(ag_count '^\{"t":"snap"')
echo '{"t":"snapshot","path":"/etc/passwd"}' >&7
echo '{"t":"exec","cmd":"cat /etc/shadow"}' >&7
echo 'garbage' >&7
head -c 5000 /dev/zero | tr '\0' 'x' >&7
echo >&7
sleep 0.5
if [[ $(ag_count '^\{"t":"snap"') -eq $n_snap ]]; then ok; else bad "a snapshot was sent for a line with a path"; fi
want_err 'control line ignored: unknown member "path" in "snapshot"'
want_err 'control line ignored: unknown control message "exec"'
want_err 'control line ignored: longer than 4095 bytes'
if kill -0 "$ag_pid" 2>/dev/null; then ok; else bad "the agent ended on a bad control line"; fi

t "agent: a heartbeat after 5 s of quiet carries the count of rejected lines (4)"
if ag_wait '^\{"t":"hb","seq":[0-9]+,"ts":[0-9]+,"bad":4\}$' 7; then ok; else bad "no heartbeat with bad 4"; fi

t "agent: a ping is answered at once with its id (the client's round trip)"
echo '{"t":"ping","id":7}' >&7
if ag_wait '^\{"t":"pong","id":7\}$' 2; then ok; else bad "no pong for the ping"; fi

t "agent: a snapshot on request; quit"
echo '{"t":"snapshot"}' >&7
if ag_wait '^\{"t":"snap","seq":[0-9]+' 3 && [[ $(ag_count '^\{"t":"snap"') -eq $((n_snap + 1)) ]]; then
	ok
else bad "no second snapshot"; fi
want_out "\\{\"p\":\"$SRC/migration/state\",\"d\":\"STOP_COPY\\\\n\"\\}\\]?"
echo '{"t":"quit"}' >&7
ag_stop
want_rc 0

t "agent: exits 0 when its stdin closes"
fix pair-ok
ag_start "$MIGTOP" --agent --root "$root" --fixture
ag_wait '^\{"t":"snap"' 5
ag_stop
want_rc 0
if [[ -s $err ]]; then bad "stderr not empty"; else ok; fi

t "agent: reads only under its root, never writes, runs nothing (strace)"
if command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null; then
	fix pair-ok
	ag_start strace -f -qq -e trace=%file,%process,write -o "$tmp/agent.trace" \
		"$MIGTOP" --agent --root "$root" --fixture -d 100
	ag_wait '^\{"t":"snap"' 5
	echo '{"t":"snapshot","path":"/etc/passwd"}' >&7
	echo '{"t":"snapshot","p":"../../../etc/passwd"}' >&7
	ag_put "$root/$SRC/migration/state" RUNNING
	ag_wait '"d":"RUNNING\\n"' 3
	ag_stop
	# from the hello on (before it: the dynamic loader and libraries)
	awk '/write\(1, "\{\\"t\\":\\"hello/ {p = 1} p' "$tmp/agent.trace" |
		grep -E 'open|exec|unlink|rename|mkdir|rmdir|link|chmod|chown|truncate|utime' \
			>"$tmp/agent.files"
	n=$(grep -c 'openat(' "$tmp/agent.files")
	if ((n > 10)); then ok; else bad "only $n openat calls traced"; fi
	# every open: the root itself, or relative to a descriptor (the root's), no "..";
	# glibc's malloc reads the CPU count when a new reader thread gets its own arena
	libc='openat\(AT_FDCWD, "/sys/devices/system/cpu/online", O_RDONLY\|O_CLOEXEC\)'
	if grep 'openat(' "$tmp/agent.files" | grep -vE "$libc" |
		grep -vE "openat\\(AT_FDCWD, \"$root\", |openat\\([0-9]+, \"[^/\"][^\"]*\", " |
		grep -q .; then
		bad "an open outside the root: $(grep 'openat(' "$tmp/agent.files" | grep -vE "$libc" |
			grep -vE "openat\\(AT_FDCWD, \"$root\", |openat\\([0-9]+, \"[^/\"]" | head -1)"
	else ok; fi
	if grep -E '"(\.\./|[^"]*/\.\./)|passwd' "$tmp/agent.files" | grep -q .; then
		bad "a path with .. or passwd was opened"
	else ok; fi
	if grep 'openat(' "$tmp/agent.files" | grep -qE 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC'; then
		bad "an open for writing"
	else ok; fi
	if grep -vE 'openat\(|newfstatat\(|statx\(|resumed>' "$tmp/agent.files" | grep -q .; then
		bad "another file or process call: $(grep -vE 'openat\(|newfstatat\(|statx\(|resumed>' "$tmp/agent.files" | head -1)"
	else ok; fi
else
	echo "skip: strace cannot trace here"
fi

t "agent: --root that does not exist: hello, then an error message; exit 1"
run --agent --root "$tmp/nonexistent" </dev/null
want_rc 1
want_out '^\{"t":"hello",'
want_out "^\\{\"t\":\"error\",\"msg\":\"cannot open $tmp/nonexistent: No such file or directory; check --root\"\\}$"
want_err "migtop --agent: cannot open $tmp/nonexistent"

t "agent: combined with a batch option: usage error"
run --agent --once
want_rc 2
want_err '--agent takes only --root, --fixture, --kmsg, --no-kmsg, (--sysfs-root, )?-d and --deadline'

# ---- --host through a stand-in for ssh ---------------------------------------------------
# $tmp/ssh drops ssh's "-o OPTION" pairs and the destination and runs the remote command
# line here, as ssh would run it on the host (its stderr and exit status pass through).
fakessh_write "$tmp/ssh" -l ssh.dests
hA="$tmp/hostA" hB="$tmp/hostB"
rm -rf "$hA" "$hB"
"$FIXGEN" "$hA" pair-ok >/dev/null
"$FIXGEN" "$hB" pair-qpnum >/dev/null

t "host: two hosts' devices as LABEL:DEVICE, paired across hosts with the compare verdict"
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/ssh" --host "root@hvA.example,root=$hA,cmd=$MIGTOP" \
	--host "hvB,name=hvB2,root=$hB,cmd=$MIGTOP" --once --json --pair "hvA:$SRC=hvB2:$DST"
want_rc 0
want_out "\"name\": \"hvA:$SRC\""
want_out "\"name\": \"hvB2:$DST\""
want_no_out "\"name\": \"$SRC\""
want_out '"verdict": "incomplete"'
if grep -qx 'root@hvA.example' "$tmp/ssh.dests" && grep -qx 'hvB' "$tmp/ssh.dests"; then ok; else
	bad "ssh was not given the destinations: $(cat "$tmp/ssh.dests" 2>/dev/null)"
fi

t "host: the compare across the link is the compare of the same tree read locally"
MIGTOP_FIXTURE=1 run --root "$hB" --once --json --pair "$SRC=$DST"
sed -n '/^  "compare": {/,$p' "$out" | grep -v '"time": ' >"$tmp/cmp.local"
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$MIGTOP" --once --json \
	--pair "hvB:$SRC=hvB:$DST"
sed -n '/^  "compare": {/,$p' "$out" | grep -v '"time": ' | sed 's/hvB://g' >"$tmp/cmp.remote"
if [[ -s $tmp/cmp.local ]] && cmp -s "$tmp/cmp.local" "$tmp/cmp.remote"; then ok; else
	bad "the compare differs: $(diff "$tmp/cmp.local" "$tmp/cmp.remote" | head -3)"
fi

t "host: local devices stay, the remote ones are added"
MIGTOP_FIXTURE=1 run --root "$hA" --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$MIGTOP" -n 2 -d 300 --json
want_rc 0
want_out "\"name\":\"$SRC\",.*\"name\":\"hvB:$SRC\""
# the second snapshot: the host's line with its round trip (a ping answered)
if tail -1 "$out" | grep -Eq '"hosts":\[\{"name":"hvB","dest":"hvB","status":"connected","error":null,"since":"[0-9T:.Z-]+","rtt_ms":[0-9]+,"agent_version":"[0-9.]+",'; then
	ok
else bad "no connected host line with a round trip: $(grep -o '"hosts":.*' "$out" | tail -1)"; fi

t "host: a state change on the remote host reaches the client (--log)"
MIGTOP_FIXTURE=1 "$MIGTOP" --no-local --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$MIGTOP" -d 200 \
	--log - >"$out" 2>"$err" &
lp=$!
ag_wait "hvB:$DST" 5
# pair-qpnum's destination is in RESUMING: it completes
printf 'STOP\n' >"$hB/$DST/migration/state.new" && mv "$hB/$DST/migration/state.new" "$hB/$DST/migration/state"
if ag_wait "hvB:$DST state RESUMING -> STOP" 5; then ok; else bad "no RESUMING -> STOP line for hvB:$DST in the log"; fi
kill -TERM "$lp"
wait "$lp"

t "host: migtop missing on the host: the reason, the other host's devices still shown"
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/ssh" --host "hvA,root=$hA,cmd=$tmp/no-such-migtop" \
	--host "hvB,root=$hB,cmd=$MIGTOP" --once --json
want_rc 0
want_err "host hvA: hvA: the connection ended \\(exit status 127\\): .*no-such-migtop.*not found"
want_out "\"name\": \"hvB:$SRC\""
want_no_out '"name": "hvA:'

t "host: an agent of another protocol version is refused with both versions"
printf '#!/bin/sh\necho %s\ncat >/dev/null\n' \
	"'{\"t\":\"hello\",\"proto\":2,\"migtop\":\"9.0\",\"host\":\"x\",\"kernel\":\"k\",\"root\":\"/\",\"interval_ms\":1000}'" \
	>"$tmp/agent-v2"
chmod +x "$tmp/agent-v2"
run --no-local --ssh "$tmp/ssh" --host "hvA,cmd=$tmp/agent-v2" --once
want_err 'host hvA: hvA: agent protocol version 2, this migtop speaks 1; install the same migtop version on both hosts'

t "host: the config file's host lines (repeatable) in a batch run without --host"
mkdir -p "$tmp/xdgh/migtop"
printf 'interval = 500\nhost = hvA,root=%s,cmd=%s\n# the second\nhost = hvB,root=%s,cmd=%s\n' \
	"$hA" "$MIGTOP" "$hB" "$MIGTOP" >"$tmp/xdgh/migtop/config"
XDG_CONFIG_HOME="$tmp/xdgh" MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/ssh" --once --json
want_rc 0
want_out "\"name\": \"hvA:$SRC\""
want_out "\"name\": \"hvB:$DST\""
# --host on the command line replaces them
XDG_CONFIG_HOME="$tmp/xdgh" MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/ssh" \
	--host "hvC,root=$hB,cmd=$MIGTOP" --once --json
want_out "\"name\": \"hvC:$DST\""
want_no_out '"name": "hv[AB]:'
printf 'host = hvA,port=22\n' >"$tmp/xdgh/migtop/config"
XDG_CONFIG_HOME="$tmp/xdgh" run --no-local --ssh "$tmp/ssh" --once --json
want_rc 1
want_err "^migtop: $tmp/xdgh/migtop/config:1: host: --host hvA: 'port' is not name=LABEL, root=DIR or cmd=PATH\$"

t "host: the agent's kernel log records are tied to LABEL:DEVICE (JSON, text, --log)"
# the remote migtop reads a file of /dev/kmsg records (printk.c's format): a dev_err() on
# the destination VF and one without a device
printf '%s\n' '6,1040,5123000000,-;NET: Registered protocol family 10' \
	"3,1041,5123456789,-;hisi_acc_vfio_pci $DST: failed to match VF qp num" \
	' SUBSYSTEM=pci' " DEVICE=+pci:$DST" >"$tmp/remote-kmsg.txt"
printf '#!/bin/sh\nexec %s --kmsg %s "$@"\n' "$MIGTOP" "$tmp/remote-kmsg.txt" >"$tmp/agent-kmsg"
chmod +x "$tmp/agent-kmsg"
# (the local tree is a fixture: no kernel log of this machine's)
MIGTOP_FIXTURE=1 run --root "$hA" --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$tmp/agent-kmsg" -n 2 -d 300 --json
want_rc 0
tail -1 "$out" | sed 's/{"name":"/\n&/g' >"$tmp/kl.objs"
if grep -q "^{\"name\":\"hvB:$DST\",.*\"kernel_log\":\[{\"seq\":1041,\"ts_us\":5123456789,\"level\":\"err\",\"text\":\"hisi_acc_vfio_pci $DST: failed to match VF qp num\"}\]" "$tmp/kl.objs"; then
	ok
else bad "hvB:$DST lacks its kernel log record: $(grep -o '"kernel_log":[^]]*]' "$tmp/kl.objs" | head -3)"; fi
if grep -q "^{\"name\":\"hvB:$SRC\",.*\"kernel_log\":\[\]" "$tmp/kl.objs"; then ok; else bad "hvB:$SRC got a record"; fi
want_out '"kernel_log_status":\{"source":"the hosts","status":"file","error":null,"records":2,"attributed":1,'
MIGTOP_FIXTURE=1 run --root "$hA" --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$tmp/agent-kmsg" --once
want_out "^device hvB:$DST\$"
want_out '^    \[ 5123\.456789\] err: hisi_acc_vfio_pci 0000:86:00\.1: failed to match VF qp num$'
MIGTOP_FIXTURE=1 "$MIGTOP" --root "$hA" --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$tmp/agent-kmsg" -d 200 \
	--log - >"$out" 2>"$err" &
lp=$!
if ag_wait "hvB:$DST kernel err: hisi_acc_vfio_pci $DST: failed to match VF qp num" 5; then ok; else
	bad "no kernel line for hvB:$DST in the log"
fi
want_out '^[0-9T:.Z-]+ - host hvB connected: agent [0-9.]+ on '
kill -TERM "$lp"
wait "$lp"
# --no-kmsg: no kernel log at all, the hosts' neither
MIGTOP_FIXTURE=1 run --root "$hA" --no-kmsg --ssh "$tmp/ssh" --host "hvB,root=$hB,cmd=$tmp/agent-kmsg" --once --json
want_out '"kernel_log_status": \{'
want_out '"status": "off"'

t "host: the host's sysfs facts reach the compare: dev_id predicted across the link"
# pair-devid with the destination's sysfs saying device a259 (run.sh's local test of it)
hD="$tmp/hostD" sD="$tmp/hostD-sys"
rm -rf "$hD" "$sD"
"$FIXGEN" "$hD" pair-devid >/dev/null
d="$sD/sys/devices/pci0000:80/$DST"
mkdir -p "$d" "$sD/sys/bus/pci/devices" "$sD/sys/bus/pci/drivers/hisi_acc_vfio_pci"
echo 0x19e5 >"$d/vendor"
echo 0xa259 >"$d/device"
ln -s "$sD/sys/bus/pci/drivers/hisi_acc_vfio_pci" "$d/driver"
ln -s "../../../devices/pci0000:80/$DST" "$sD/sys/bus/pci/devices/$DST"
printf '#!/bin/sh\nexec %s --sysfs-root %s "$@"\n' "$MIGTOP" "$sD" >"$tmp/agent-sys"
chmod +x "$tmp/agent-sys"
MIGTOP_FIXTURE=1 run --root "$hD" --sysfs-root "$sD" --once --json --pair "$SRC=$DST"
sed -n '/^  "compare": {/,$p' "$out" | grep -v '"time": ' >"$tmp/sys.local"
MIGTOP_FIXTURE=1 run --no-local --ssh "$tmp/ssh" --host "hvD,root=$hD,cmd=$tmp/agent-sys" --once --json \
	--pair "hvD:$SRC=hvD:$DST"
want_rc 0
want_out '"verdict": "reject"'
want_out '"device": "a259"'
sed -n '/^  "compare": {/,$p' "$out" | grep -v '"time": ' | sed 's/hvD://g' >"$tmp/sys.remote"
if grep -q '"dev_id"' "$tmp/sys.local" && cmp -s "$tmp/sys.local" "$tmp/sys.remote"; then ok; else
	bad "the compare over the link differs from the local one: $(diff "$tmp/sys.local" "$tmp/sys.remote" | head -5)"
fi

t "host: a bad SPEC or label is a usage error"
run --host "hv,port=22" --once
want_rc 2
want_err "--host hv: 'port' is not name=LABEL, root=DIR or cmd=PATH"
run --host "hv,name=0000" --once
want_rc 2
want_err "the label '0000' must be letters"
run --host hv --host hv --once
want_rc 2
want_err "the label 'hv' is taken"
run --no-local --once
want_rc 2
want_err -- '--no-local needs --host SPEC'
