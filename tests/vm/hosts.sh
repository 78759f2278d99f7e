#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make e2e-hosts: two hypervisors, one screen, with real parts (issue 10, item 5).  Boots two
# QEMU guests (TCG, Debian's packaged 6.12 kernel, the bundled driver and Debian's sshd in
# the initramfs: tests/vm/mkinitramfs.sh with MIGTOP_SSH_AUTHKEYS, /init in mode=hosts),
# each reached through QEMU user networking forwarded to a loopback port, and watches them
# from this machine with `migtop --no-local --host root@hvA,... --host root@hvB,...` (one
# ssh_config of the test's own names each guest's port) while a migration runs from a
# device in guest A to a device in guest B, the stream carried through this machine:
#   B: migtop-migrate --pause load DST FILE   (RESUMING, held there: waits for the stream)
#   A: migtop-migrate save SRC FILE           (STOP_COPY, read to the end, STOP)
#   host: ssh hvA cat FILE | ssh hvB 'cat >FILE'
#   B: the held load goes on                  (reads FILE, writes it, STOP)
# and asserts with jq on migtop's JSON: the pair across hosts, the states of both sides,
# the compare's verdict (q16->q16 accept; q16->q8 the accept check failing on qp_num).
#   tests/vm/hosts.sh [--keep]
# Markers: "PASS name", "FAIL name: why", "SKIP name: why"; the last line is
# "e2e-hosts: N passed, N failed, N skipped" (exit 1 on any failure or the timeout).
# Environment: MIGTOP, MIGRATE (binaries; make sets them), E2E_HOSTS_TIMEOUT (seconds for
#   the whole run, 900), MIGTOP_CACHE / MIGTOP_KVER (fetch-kernel.sh), B (build dir).
# Logs in $B/vm/hosts/: hvA-serial.log, hvB-serial.log, the snapshots (*.jsonl).
# shellcheck disable=SC2016 # jq programs in single quotes
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
keep=0
for a in "$@"; do
	case $a in
	--keep) keep=1 ;;
	-h | --help)
		sed -n '2,21p' "$0"
		exit 0
		;;
	*)
		echo "hosts.sh: unknown option $a" >&2
		exit 64
		;;
	esac
done
timeout_s=${E2E_HOSTS_TIMEOUT:-900}
build=${B:-$top/build}
[[ $build == /* ]] || build=$top/$build
vm=$build/vm/hosts
W=$vm/run
rm -rf "$W"
mkdir -p "$W"
MIGTOP=${MIGTOP:-$build/migtop}
MIGRATE=${MIGRATE:-$build/migtop-migrate}
POLL_MS=200
t0=$(date +%s)

npass=0 nfail=0 nskip=0
pass() {
	echo "PASS $1"
	npass=$((npass + 1))
}
fail() {
	echo "FAIL $1: $2"
	nfail=$((nfail + 1))
}
skip() {
	echo "SKIP $1: $2"
	nskip=$((nskip + 1))
}
say() { echo "e2e-hosts: $*"; }
finish() {
	say "ran $(($(date +%s) - t0)) s"
	say "$npass passed, $nfail failed, $nskip skipped"
	[[ $nfail -eq 0 ]] && exit 0
	exit 1
}
die() {
	fail "${2:-e2e-hosts-setup}" "$1"
	finish
}

# --- clean-up on any exit: migtop, the holds, both QEMUs -------------------------------------
declare -A qpid=()
bgpids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local p
	for p in "${bgpids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${qpid[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 1
	for p in "${bgpids[@]}" "${qpid[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [[ -n ${WD:-} ]]; then kill "$WD" 2>/dev/null; fi
	[[ $keep -eq 1 ]] || rm -f "$vm/initramfs.cpio.gz"
}
trap cleanup EXIT
trap 'echo "FAIL e2e-hosts-timeout: not finished within ${timeout_s}s"; nfail=$((nfail + 1)); finish' USR1
trap 'echo "e2e-hosts: interrupted"; nfail=$((nfail + 1)); finish' INT TERM
# the watchdog: every step below is bounded too, this is the last resort
(
	for ((i = 0; i < timeout_s; i++)); do
		sleep 1
		kill -0 $$ 2>/dev/null || exit 0
	done
	kill -USR1 $$
) &
WD=$!
exec </dev/null # no ssh below reads the caller's input

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found: apt-get install --no-install-recommends $2 (tests/deps.sh)"
}
need qemu-system-x86_64 qemu-system-x86
need ssh openssh-client
need ssh-keygen openssh-client
need jq jq
need timeout coreutils
if ! [[ -x /usr/sbin/sshd ]]; then # as tests/cli/t_agent_ssh.sh
	skip e2e-hosts "/usr/sbin/sshd not found (the guests' ssh server): apt-get install openssh-server (tests/deps.sh)"
	finish
fi
[[ -x $MIGTOP ]] || die "no migtop binary at $MIGTOP (make B=... e2e-hosts builds it)"
[[ -x $MIGRATE ]] || die "no migtop-migrate binary at $MIGRATE"

# --- 1. kernel, module, keys, initramfs ------------------------------------------------------
fetch_out=$("$here/fetch-kernel.sh") || die "could not fetch Debian's 6.12 kernel (see above)"
eval "$fetch_out"
[[ -f $VMLINUZ && -d $MODDIR ]] || die "kernel cache incomplete: $VMLINUZ / $MODDIR"
say "kernel $KVER"
need x86_64-linux-gnu-gcc-12 gcc-12
kmod=$vm/kmod
rm -rf "$kmod"
mkdir -p "$kmod"
tar -C "$top/kernel" --exclude=./tools --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
	--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order -cf - . |
	tar -C "$kmod" -xf - || die "cannot copy kernel/ to $kmod"
if ! PATH=$PAHOLE_DIR:$PATH make -s -C "$kmod" KDIR="$KDIR" >"$vm/kbuild.log" 2>&1; then
	cat "$vm/kbuild.log" >&2
	die "the module does not build (log above, $vm/kbuild.log)"
fi
module=$kmod/migtop_acc.ko
[[ -f $module ]] || die "no migtop_acc.ko was built"

key=$W/id_ed25519
ssh-keygen -q -t ed25519 -N '' -C migtop-e2e-hosts -f "$key" || die "ssh-keygen failed"
initrd=$vm/initramfs.cpio.gz
MIGRATE=$MIGRATE MIGTOP=$MIGTOP MIGTOP_EXTRA_MODS=e1000 MIGTOP_SSH_AUTHKEYS=$key.pub \
	"$here/mkinitramfs.sh" "$initrd" "$KVER" "$MODDIR" "$module" || die "mkinitramfs failed"

# --- 2. two guests ---------------------------------------------------------------------------
uuid() { cat /proc/sys/kernel/random/uuid; }
SA1=$(uuid) SA2=$(uuid) DB1=$(uuid) DB2=$(uuid)
declare -A port=() mdevs=([hvA]="q16:$SA1,q16:$SA2" [hvB]="q16:$DB1,q8:$DB2")
# a port nothing listens on now (QEMU fails to start if it is taken meanwhile: retried)
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return 0
		}
	done
	return 1
}
boot() { # NAME
	local n=$1 p log=$vm/$1-serial.log
	for _ in 1 2 3 4 5; do
		p=$(free_port) || return 1
		timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nographic \
			-no-reboot -kernel "$VMLINUZ" -initrd "$initrd" \
			-append "console=ttyS0 panic=-1 quiet migtop.mode=hosts migtop.name=$n migtop.mdev=${mdevs[$n]} migtop.timeout=$timeout_s" \
			-nic "user,model=e1000,hostfwd=tcp:127.0.0.1:$p-:22" </dev/null >"$log" 2>&1 &
		qpid[$n]=$!
		sleep 2
		if kill -0 "${qpid[$n]}" 2>/dev/null; then
			port[$n]=$p
			return 0
		fi
		grep -q 'host forwarding' "$log" || return 1
	done
	return 1
}
say "booting hvA and hvB (TCG, -smp 1, 512 MB each)"
for n in hvA hvB; do
	boot $n || die "QEMU for $n did not start: $(tail -n 3 "$vm/$n-serial.log" | tr '\n' ' ')" $n-boots
done
cfg=$W/ssh_config
{
	for n in hvA hvB; do printf 'Host %s\n  HostName 127.0.0.1\n  Port %s\n' $n "${port[$n]}"; done
	printf 'Host *\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n  BatchMode yes\n' "$key"
	printf '  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n'
	printf '  ConnectTimeout 60\n  ServerAliveInterval 5\n  ServerAliveCountMax 12\n'
} >"$cfg"
SSH=(ssh -F "$cfg")
say "ports: hvA ${port[hvA]}, hvB ${port[hvB]} (ssh -F $cfg)"
# rsh NAME CMD...: a command on a guest, bounded
rsh() {
	local n=$1
	shift
	timeout -k 5 120 "${SSH[@]}" "$n" "$@"
}

# the guests' /init prints MIGTOP-HOSTS-READY once sshd runs
for n in hvA hvB; do
	i=0
	while ! grep -aq "MIGTOP-HOSTS-READY $n" "$vm/$n-serial.log"; do
		i=$((i + 1))
		if [[ $i -gt 600 ]] || ! kill -0 "${qpid[$n]}" 2>/dev/null; then
			die "$n not ready after $((i / 2)) s: $(tr -d '\r' <"$vm/$n-serial.log" | tail -n 5 | tr '\n' ' ')" $n-ready
		fi
		sleep 0.5
	done
	line=$(grep -a "MIGTOP-HOSTS-READY $n" "$vm/$n-serial.log" | tr -d '\r')
	if [[ $line == *ok=1* ]] && ! grep -aq HOSTS-FAIL "$vm/$n-serial.log"; then
		pass "$n-ready"
	else
		fail "$n-ready" "$(grep -a HOSTS-FAIL "$vm/$n-serial.log" | tr -d '\r' | tr '\n' ' ') $line"
	fi
	say "$n ready at $(($(date +%s) - t0)) s"
done
for n in hvA hvB; do
	ok=0
	for _ in $(seq 10); do
		if out=$(rsh $n 'uname -r; hostname' 2>&1); then
			ok=1
			break
		fi
		sleep 3
	done
	if [[ $ok -eq 1 && $out == *"$KVER"*$n* ]]; then pass "$n-ssh"; else die "ssh to $n: $(echo "$out" | tail -n 2 | tr '\n' ' ')" $n-ssh; fi
done

# --- 3. migtop on this machine, watching both guests -----------------------------------------
DEF='def dev($u): first(.devices[] | select(.name == $u));
def chk($n): first(.compare.checks[] | select(.name == $n));
def cmp: .compare | {src, dst, verdict, summary, checks: [.checks[] | {name, verdict, reason, kernel_line, mismatches}]};
def states($u): [.[] | dev($u).state // "absent"] | reduce .[] as $s ([]; if length > 0 and .[-1] == $s then . else . + [$s] end);'
SNAP=
MT=
nsnaps() { wc -l <"$SNAP" 2>/dev/null || echo 0; }
# last_snap FILE: the last complete snapshot; 1 when there is none yet (jq 1.6 -e is true on
# an empty input)
last_snap() {
	head -n "$(nsnaps)" "$SNAP" | tail -n 1 >"$1"
	[[ -s $1 ]]
}
jshow() { jq -c "$DEF $2" "$1" 2>&1 | head -c 900; }
# jall FILE [SHOW] -- NAME EXPR...: PASS NAME when EXPR holds in FILE's document, else FAIL
# with SHOW of it (default: the compare)
jall() {
	local f=$1 show=cmp prog='' ex='' name res
	shift
	if [[ $1 != -- ]]; then
		show=$1
		shift
	fi
	shift
	while [[ $# -ge 2 ]]; do
		prog="$prog\"$1 \" + ([try ($2) catch false] | length > 0 and all | tostring),"
		shift 2
	done
	jq -r "$DEF ${prog%,}" "$f" >"$W/jall.out" 2>"$W/jall.err" || echo "jq failed on $f: $(head -c 300 "$W/jall.err")"
	while read -r name res; do
		if [[ $res == true ]]; then
			pass "$name"
		else
			[[ -n $ex ]] || ex=$(jshow "$f" "$show")
			fail "$name" "not as expected: $ex"
		fi
	done <"$W/jall.out"
}
# snap_state NAME: the device's state in the last complete snapshot
snap_state() {
	head -n "$(nsnaps)" "$SNAP" | tail -n 1 | jq -r --arg u "$1" "$DEF dev(\$u).state // \"absent\"" 2>/dev/null
}
# wait_seen NAME STATE [SECONDS]: migtop's snapshots show the device in STATE
wait_seen() {
	local i=0
	while [[ $(snap_state "$1") != "$2" ]]; do
		i=$((i + 1))
		[[ $i -gt $((${3:-30} * 4)) ]] && return 1
		kill -0 "$MT" 2>/dev/null || return 1
		sleep 0.25
	done
}
# wait_expr EXPR SECONDS: the last snapshot satisfies EXPR
wait_expr() {
	local i=0
	while :; do
		last_snap "$W/last.json" && jq -e "$DEF $1" "$W/last.json" >/dev/null 2>&1 && return 0
		i=$((i + 1))
		[[ $i -gt $(($2 * 2)) ]] && return 1
		kill -0 "$MT" 2>/dev/null || return 1
		sleep 0.5
	done
}
watch_start() { # SC SRC DST
	SNAP=$W/$1.jsonl
	: >"$SNAP"
	(
		close_holds
		exec "$MIGTOP" --no-local --ssh "ssh -F $cfg" \
			--host "root@hvA,name=hvA,cmd=/usr/bin/migtop" --host "root@hvB,name=hvB,cmd=/usr/bin/migtop" \
			-n 1000000 -d $POLL_MS --json --pair "hvA:$2=hvB:$3" >"$SNAP" 2>"$W/$1-watch.err"
	) &
	MT=$!
	bgpids+=("$MT")
	if wait_expr "dev(\"hvA:$2\").state == \"RUNNING\" and dev(\"hvB:$3\").state == \"RUNNING\"" 90; then
		pass "$1-watch-both-hosts"
		return 0
	fi
	fail "$1-watch-both-hosts" "no snapshot with hvA:$2 and hvB:$3 RUNNING in 90 s ($(nsnaps) snapshots): $(head -c 400 "$W/$1-watch.err" | tr '\n' ' ') $(jshow "$W/last.json" '{hosts, devices: [.devices[].name]}')"
	return 1
}
watch_stop() { # SC
	[[ -n $MT ]] || return 0
	kill -TERM "$MT" 2>/dev/null
	local i=0
	while kill -0 "$MT" 2>/dev/null && [[ $i -lt 100 ]]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$MT" 2>/dev/null
	wait "$MT"
	local rc=$?
	if [[ $rc -eq 0 ]]; then pass "$1-watch-exit-0"; else fail "$1-watch-exit-0" "migtop exited $rc: $(head -c 300 "$W/$1-watch.err")"; fi
	say "$1: migtop printed $(nsnaps) snapshots"
	MT=
}

# holds: a migtop-migrate --pause run on a guest over ssh, its stdin a FIFO of ours
declare -A hpid=() hfd=()
# in a child: close the write ends of the holds' FIFOs (a child keeping one open would keep
# that hold from seeing the end of its input)
close_holds() {
	local f
	for f in "${hfd[@]}"; do exec {f}>&-; done
}
hold_start() { # ID NAME ARGS...
	local id=$1 n=$2
	shift 2
	rm -f "$W/$id.ctl"
	mkfifo "$W/$id.ctl"
	(
		close_holds
		exec timeout -k 5 300 "${SSH[@]}" "$n" "migtop-migrate --pause $*" <"$W/$id.ctl" >"$W/$id.log" 2>&1
	) &
	hpid[$id]=$!
	bgpids+=("${hpid[$id]}")
	exec {fd}>"$W/$id.ctl"
	hfd[$id]=$fd
}
hold_wait() { # ID STEP [SECONDS]
	local i=0
	while ! grep -q "^STEP $2\$" "$W/$1.log"; do
		i=$((i + 1))
		if [[ $i -gt $((${3:-60} * 10)) ]] || ! kill -0 "${hpid[$1]}" 2>/dev/null; then
			grep -q "^STEP $2\$" "$W/$1.log" && return 0
			return 1
		fi
		sleep 0.1
	done
}
hold_next() { # ID: let the hold go on past its current step
	local fd=${hfd[$1]}
	echo >&"$fd"
}
hold_end() { # ID: close the FIFO; the tool closes the device and exits (no-op: no such hold)
	[[ -n ${hpid[$1]:-} ]] || return 0
	local fd=${hfd[$1]} i=0
	exec {fd}>&-
	while kill -0 "${hpid[$1]}" 2>/dev/null && [[ $i -lt 600 ]]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "${hpid[$1]}" 2>/dev/null; then
		fail "$1-ends" "migtop-migrate did not end 60 s after the end of its input"
		kill -TERM "${hpid[$1]}" 2>/dev/null
	fi
	wait "${hpid[$1]}"
	unset "hpid[$1]" "hfd[$1]"
}

REGS="--set-reg 0x00c=0 --set-reg 0x010=0x11 --set-reg 0x014=0x22 --set-reg 0x024=0x1000"
REGS="$REGS --set-reg 0x040=0x40404040 --set-reg 0x044=0xdeadbeef --set-reg 0x048=0x1234"
REGS="$REGS --set-reg 0x060=0x60606060 --set-reg 0x064=0xcafef00d --set-reg 0x068=0x5678"
REGS="$REGS --set-reg 0x090=0x9000 --set-reg 0x098=0x9800"
STALL_MS=1000 # each read of the saving data_fd waits this long: STOP_COPY lasts ~2 s

# migrate SC SRC DST: the two-host migration; leaves the save and the load held (holds
# SC-save, SC-load) with both devices open.  Returns 1 when a step did not happen (reported).
migrate() {
	local sc=$1 s=$2 d=$3
	# B: the destination waits for the stream in RESUMING, as a VMM's incoming side does:
	# the load opens the device, asks RESUMING and holds at its "resuming" step, before it
	# reads /tmp/SC.bin (not there yet).  One open from here to the end: an open puts the
	# device back in RUNNING, which would start a second RESUMING after the source's
	# STOP_COPY, and the compare rightly calls two such spans different migrations.
	rsh hvB "rm -f /tmp/$sc.bin"
	hold_start "$sc-load" hvB load "$d" "/tmp/$sc.bin"
	if ! hold_wait "$sc-load" resuming 60; then
		fail "$sc-dst-resuming" "$(tail -n 3 "$W/$sc-load.log" | tr '\n' ' ')"
		return 1
	fi
	if wait_seen "hvB:$d" RESUMING 15; then pass "$sc-dst-resuming-shown"; else fail "$sc-dst-resuming-shown" "migtop did not show hvB:$d in RESUMING"; fi
	# A: a slow STOP_COPY (stall_save_ms), the stream saved to a file, the source in STOP
	# (it stays open in STOP, as a VMM keeps it until the destination runs: its dev_data
	# is the compare's capture evidence)
	rsh hvA "echo $STALL_MS >/sys/kernel/debug/migtop_acc/$s/stall_save_ms" || fail "$sc-stall" "could not set stall_save_ms on hvA"
	hold_start "$sc-save" hvA "$REGS" save "$s" "/tmp/$sc.bin"
	if ! hold_wait "$sc-save" "done" 60; then
		fail "$sc-save" "$(tail -n 3 "$W/$sc-save.log" | tr '\n' ' ')"
		return 1
	fi
	rsh hvA "echo 0 >/sys/kernel/debug/migtop_acc/$s/stall_save_ms"
	if grep -q "saved 176 bytes" "$W/$sc-save.log"; then pass "$sc-save-176"; else fail "$sc-save-176" "$(tail -n 2 "$W/$sc-save.log" | tr '\n' ' ')"; fi
	wait_seen "hvA:$s" STOP 15 || fail "$sc-src-stop-shown" "migtop did not show hvA:$s in STOP"
	# the stream through this machine
	if rsh hvA cat "/tmp/$sc.bin" >"$W/$sc.bin" && rsh hvB "cat >/tmp/$sc.bin" <"$W/$sc.bin" &&
		[[ $(rsh hvB "wc -c </tmp/$sc.bin" | tr -d ' \r') == "$(stat -c %s "$W/$sc.bin")" ]]; then
		pass "$sc-stream-carried"
		say "$sc: carried $(stat -c %s "$W/$sc.bin") bytes hvA -> host -> hvB"
	else
		fail "$sc-stream-carried" "could not copy /tmp/$sc.bin from hvA to hvB"
		return 1
	fi
	# B: the held load reads the stream, writes it and asks STOP
	hold_next "$sc-load"
	if ! hold_wait "$sc-load" "done" 60; then
		fail "$sc-load" "$(tail -n 3 "$W/$sc-load.log" | tr '\n' ' ')"
		return 1
	fi
	return 0
}

# kline_why DST TEXT: why no snapshot quotes the destination kernel's TEXT: whether hvB's
# kernel log has it, and whether any snapshot of migtop has it for hvB:DST
kline_why() {
	local guest seen=no
	guest=$(rsh hvB "dmesg | grep -c '$2'" 2>/dev/null | tr -d '\r')
	jq --arg t "$2" "$DEF [dev(\"hvB:$1\").kernel_log[]?, .compare.kernel_log[]?] | any(.text | contains(\$t))" "$SNAP" 2>/dev/null | grep -q true && seen=yes
	echo "hvB's kernel log has \"$2\" ${guest:-0} time(s); a snapshot of migtop has it for hvB:$1: $seen"
}

# --- 4. q16 -> q16 across hosts: accept ------------------------------------------------------
happy() {
	SC=happy
	say "$SC: hvA:$SA1 (q16) -> hvB:$DB1 (q16) at $(($(date +%s) - t0)) s"
	watch_start $SC "$SA1" "$DB1" || return
	if migrate $SC "$SA1" "$DB1"; then
		if grep -q "load: accepted 176 bytes, device in STOP" "$W/$SC-load.log"; then pass happy-load-accepted; else fail happy-load-accepted "$(tail -n 2 "$W/$SC-load.log" | tr '\n' ' ')"; fi
		wait_seen "hvB:$DB1" STOP 15 || fail happy-dst-stop-shown "migtop did not show hvB:$DB1 in STOP"
		if wait_expr '.compare.verdict == "accept"' 15; then pass happy-accept-shown; else fail happy-accept-shown "no accept within 15 s: $(jshow "$W/last.json" cmp)"; fi
		jall "$W/last.json" -- \
			happy-pair-across-hosts ".compare.src == \"hvA:$SA1\" and .compare.dst == \"hvB:$DB1\"" \
			happy-hosts-connected '[.hosts[] | select(.status == "connected" and .kernel == "'"$KVER"'") | .name] | sort == ["hvA", "hvB"]' \
			happy-verdict-accept '.compare.verdict == "accept"' \
			happy-stream-pass 'chk("stream").verdict == "pass"' \
			happy-accept-pass 'chk("accept").verdict == "pass"' \
			happy-restore-pass 'chk("restore").verdict == "pass"' \
			happy-capture-pass 'chk("capture").verdict == "pass"' \
			happy-accept-from-timeline 'chk("accept").evidence | any(.what == "state" and (.detail | test("RESUMING -> STOP seen")))' \
			happy-no-mismatch '.compare.mismatches == []' \
			happy-src-stop "dev(\"hvA:$SA1\").state == \"STOP\"" \
			happy-dst-stop "dev(\"hvB:$DB1\").state == \"STOP\""
		echo "SHOWN happy: $(jshow "$W/last.json" cmp)"
	fi
	hold_end happy-load
	hold_end happy-save
	watch_stop $SC
	# the states both sides went through, as migtop's snapshots showed them
	jq -c -s "$DEF {src: states(\"hvA:$SA1\"), dst: states(\"hvB:$DB1\")}" "$SNAP" >"$W/happy-states.json"
	say "happy: states shown $(cat "$W/happy-states.json")"
	jall "$W/happy-states.json" . -- \
		happy-src-states '.src | (index("STOP_COPY") // 99) < (rindex("STOP") // -1) and .[0] == "RUNNING"' \
		happy-dst-states '.dst | .[0] == "RUNNING" and (index("RESUMING") // 99) < (rindex("STOP") // -1)' \
		happy-dst-one-resuming '[.dst[] | select(. == "RESUMING")] | length == 1'
}

# --- 5. q16 -> q8 across hosts: the accept check fails on qp_num -----------------------------
s1() {
	SC=s1
	say "$SC: hvA:$SA2 (q16) -> hvB:$DB2 (q8) at $(($(date +%s) - t0)) s"
	watch_start $SC "$SA2" "$DB2" || return
	if migrate $SC "$SA2" "$DB2"; then
		if grep -q "load: rejected: Bad address (errno 14) by the write" "$W/$SC-load.log"; then pass s1-load-EFAULT; else fail s1-load-EFAULT "$(tail -n 2 "$W/$SC-load.log" | tr '\n' ' ')"; fi
		QP='chk("accept").verdict == "fail" and (chk("accept").mismatches | any(.field == "qp_num" and .src == 16 and .dst == null)) and (chk("accept").kernel_line | endswith("failed to match VF qp num"))'
		if wait_expr "$QP" 15; then
			pass s1-accept-qp_num
			jall "$W/last.json" -- \
				s1-pair-across-hosts ".compare.src == \"hvA:$SA2\" and .compare.dst == \"hvB:$DB2\"" \
				s1-reject '.compare.verdict == "reject"' \
				s1-reason-quotes-kernel 'chk("accept").reason | test("failed to match VF qp num")' \
				s1-only-qp_num-flagged '[.compare.mismatches[].field] == ["qp_num"]' \
				s1-dst-resuming "dev(\"hvB:$DB2\").state == \"RESUMING\""
		else
			fail s1-accept-qp_num "not shown within 15 s ($(kline_why "$DB2" "failed to match VF qp num")): $(jshow "$W/last.json" cmp)"
			# what does not need the kernel's line
			jall "$W/last.json" -- \
				s1-pair-across-hosts ".compare.src == \"hvA:$SA2\" and .compare.dst == \"hvB:$DB2\"" \
				s1-dst-resuming "dev(\"hvB:$DB2\").state == \"RESUMING\"" \
				s1-no-accept '.compare.verdict != "accept"'
		fi
		echo "SHOWN s1: $(jshow "$W/last.json" cmp)"
	fi
	hold_end s1-load
	hold_end s1-save
	watch_stop $SC
	jq -c -s "$DEF {src: states(\"hvA:$SA2\"), dst: states(\"hvB:$DB2\")}" "$SNAP" >"$W/s1-states.json"
	say "s1: states shown $(cat "$W/s1-states.json")"
	jall "$W/s1-states.json" . -- \
		s1-src-states '.src | (index("STOP_COPY") // 99) < (rindex("STOP") // -1) and .[0] == "RUNNING"' \
		s1-dst-states '.dst | .[0] == "RUNNING" and .[-1] == "RESUMING" and (index("STOP") == null)'
}

happy
s1
for n in hvA hvB; do
	rsh $n 'dmesg | grep -E "Oops|WARNING|BUG|Call Trace" | head -n 5' >"$W/$n-splat.txt" 2>&1
	if [[ -s $W/$n-splat.txt ]]; then fail "$n-no-splat" "$(tr '\n' ' ' <"$W/$n-splat.txt")"; else pass "$n-no-splat"; fi
	timeout 20 "${SSH[@]}" $n 'sync; poweroff -f' >/dev/null 2>&1 &
done
sleep 3
finish
