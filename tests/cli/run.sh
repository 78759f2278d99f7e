#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# CLI tests: run the real migtop binary on fixture trees written by mkfixture (in the
# kernel's exact formats) and check what a user or a script sees: output, exit status.
# Needs only bash, grep and sed (no jq, no python).  Env: MIGTOP, FIXGEN (absolute paths).
set -u

: "${MIGTOP:?set MIGTOP to the migtop binary}"
: "${FIXGEN:?set FIXGEN to the mkfixture binary}"
here=$(cd "$(dirname "$0")" && pwd)
man="$here/../../man/migtop.1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migtop-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# shared with the other suites: the agent's waits, a stand-in for ssh, a loopback sshd
# shellcheck source-path=SCRIPTDIR source=../lib/agent.sh
source "$here/../lib/agent.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/fakessh.sh
source "$here/../lib/fakessh.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/sshd.sh
source "$here/../lib/sshd.sh"

SRC=0000:3b:00.1
DST=0000:86:00.1
V2_FIELDS="acc_magic qp_num dev_id que_iso_cfg qp_base vf_qm_state major_ver minor_ver
qm_rsv_state aeq_int_mask eq_int_mask ifc_int_source ifc_int_mask ifc_int_set page_size
qm_eqc_dw qm_aeqc_dw qm_rsv_regs padding"
# what dev_data carries (a register snapshot) and the header it never carries
REG_FIELDS="vf_qm_state aeq_int_mask eq_int_mask ifc_int_source ifc_int_mask ifc_int_set
page_size qm_eqc_dw qm_aeqc_dw"
HDR_FIELDS="acc_magic qp_num dev_id que_iso_cfg qp_base major_ver minor_ver qm_rsv_state"
V1_FIELDS="acc_magic qp_num dev_id que_iso_cfg qp_base vf_qm_state qm_rsv_state aeq_int_mask
eq_int_mask ifc_int_source ifc_int_mask ifc_int_set page_size qm_eqc_dw qm_aeqc_dw
qm_rsv_regs padding"

pass=0 fail=0 name=""
out="$tmp/out" err="$tmp/err" rc=0

t() { name=$*; }
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL [$name]: $*"
	echo "  --- stdout (first lines):"; sed -n '1,15p' "$out" | sed 's/^/  | /'
	echo "  --- stderr:"; sed -n '1,5p' "$err" | sed 's/^/  | /'
}

# Run migtop with the given arguments, keeping stdout, stderr and the exit status.
run() {
	"$MIGTOP" "$@" >"$out" 2>"$err"
	rc=$?
	if ((rc >= 128)); then
		bad "killed by signal $((rc - 128)) (migtop $*)"
	fi
}
fix() { # fix SCENARIO [N]: a fresh fixture tree, its path in $root
	root="$tmp/fx-$1${2:+-$2}"
	rm -rf "$root"
	"$FIXGEN" "$root" "$@" >/dev/null || { echo "FAIL: mkfixture $*"; exit 1; }
}
want_rc() { if [[ $rc -eq $1 ]]; then ok; else bad "exit status $rc, want $1"; fi; }
want_out() { if grep -Eq -- "$1" "$out"; then ok; else bad "stdout lacks /$1/"; fi; }
want_no_out() { if grep -Eq -- "$1" "$out"; then bad "stdout has /$1/"; else ok; fi; }
want_err() { if grep -Eq -- "$1" "$err"; then ok; else bad "stderr lacks /$1/"; fi; }
want_empty_array() { if tr -d ' \n' <"$out" | grep -q "\"$1\":\[\]"; then ok; else bad "no empty $1"; fi; }
want_empty_out() { if [[ -s $out ]]; then bad "stdout not empty"; else ok; fi; }

# The JSON object of one file of device $2 ("dev_data"...), from pretty output in $out:
# from the line "$1": { of that device to the next file or device.
block() { # block DEVICE FILE -> $tmp/block
	sed -n "/\"name\": \"$1\"/,/\"name\": \"[^\"]*\",\$/p" "$out" |
		sed -n "/\"$2\": {/,/\"\(dev_data\|migf_data\|cmd_state\|compare\)\": {/p" >"$tmp/block"
}
in_block() { if grep -Eq -- "$1" "$tmp/block"; then ok; else bad "$2: block lacks /$1/"; fi; }

# ---- options ---------------------------------------------------------------------------
t "--help"
run --help
want_rc 0
want_out '--root DIR'
want_out '--pair SRC=DST'

t "--help and the man page list the same options"
if [[ -f $man ]]; then
	run --help
	help_opts=$(grep -E '^  +-' "$out" | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' |
		tr -d ' ,' | sort -u | tr '\n' ' ')
	man_opts=$(grep -E '^\.It Fl ' "$man" | grep -oE 'Fl -?[a-zA-Z][a-zA-Z-]*' |
		sed 's/^Fl /-/' | sort -u | tr '\n' ' ')
	if [[ -n $help_opts && $help_opts == "$man_opts" ]]; then ok; else
		bad "help: [$help_opts] man: [$man_opts]"
	fi
else
	bad "no man page at $man"
fi

t "--version"
run --version
want_rc 0
want_out '^migtop [0-9]+\.[0-9]+'
run -V
want_rc 0

t "unknown option is a usage error"
run --bogus
want_rc 2
want_err "unknown option '--bogus'"
want_err "migtop --help"
run -Z
want_rc 2

t "option missing its argument"
run --once --root
want_rc 2
want_err "needs an argument"

t "malformed --pair"
for p in x =b a= a=b=c; do
	run --once --root "$tmp" --pair "$p"
	want_rc 2
	want_err 'SRC=DST'
done

t "stray argument"
run --once extra
want_rc 2
want_err "unexpected argument 'extra'"

# ---- environment errors ----------------------------------------------------------------
t "missing root: exit 1 and a helpful message"
run --once --root "$tmp/does-not-exist"
want_rc 1
want_err "cannot open $tmp/does-not-exist: No such file or directory"
want_err 'check --root'
want_empty_out

t "missing root in JSON mode: {\"error\": ...} on stdout"
run --json --root "$tmp/does-not-exist"
want_rc 1
want_out '^\{'
want_out '"error": "cannot open '
want_err 'cannot open'

t "root is a file"
: >"$tmp/plainfile"
run --once --root "$tmp/plainfile"
want_rc 1
want_err 'Not a directory'

t "--pair naming an unknown device is an error"
fix pair-ok
run --once --fixture --root "$root" --pair "$SRC=0000:ff:00.7"
want_rc 1
want_err 'no device 0000:ff:00.7'
run --json --fixture --root "$root" --pair "nope=$DST"
want_rc 1
want_out '"error": ".*no device nope'

# ---- decoding --------------------------------------------------------------------------
t "dev_data decodes as registers: no header fields, named as not in dev_data (JSON)"
fix not-migrated
run --json --fixture --root "$root"
want_rc 0
block "$SRC" dev_data
in_block '"status": "ok"' dev_data
in_block '"layout": "registers"' dev_data
for f in $REG_FIELDS; do
	in_block "\"$f\": (\\[|[0-9])" "dev_data.$f"
done
for f in $HDR_FIELDS; do
	if grep -Eq "^ +\"$f\": (\\[|[0-9]|null)" "$tmp/block"; then bad "dev_data has a $f field"; else ok; fi
done
in_block '"not_in_file": \[' dev_data
in_block '"vf_qm_state": 1,' dev_data                   # the driver's cache before any save/load
in_block '"guest_driver": "QM_NOT_READY: guest driver not running"' dev_data
in_block '^ *286326790$' dev_data                        # qm_eqc_dw[6] = 0x11110006
in_block '"data size": 176' dev_data
in_block '"guest driver load": 1' dev_data
in_block '"bytes": "000000000000000000000000000000000000000000000000010000000000' dev_data
in_block '"length": 144' dev_data

t "not_migrated: migf_data EAGAIN"
block "$SRC" migf_data
in_block '"status": "not_migrated"' migf_data
in_block '"errno": "EAGAIN"' migf_data
in_block '"fields": null' migf_data
run --once --fixture --root "$root"
want_rc 0
want_out 'migf_data: not_migrated'
want_out 'EAGAIN'

t "MIGTOP_FIXTURE=1 reads sidecar errno files like --fixture"
MIGTOP_FIXTURE=1 run --json --root "$root"
want_out '"status": "not_migrated"'

t "dev_data decodes as registers (text): not in dev_data, guest driver load with its meaning"
run --once --fixture --root "$root"
for f in $REG_FIELDS; do
	want_out "^ +$f +[0-9]"
done
want_no_out '^ +qp_num +[0-9]'
want_out '^ +not in dev_data: acc_magic qp_num dev_id que_iso_cfg qp_base major_ver minor_ver qm_rsv_state'
want_out '^ +guest driver load: 1 \(QM_NOT_READY: guest driver not running\)$'
want_out 'dev_data: ok \[registers, 144 bytes\]'
want_out '^ +state: RUNNING$'
want_out '^ +features: stop-copy pre-copy$' # hisi_acc has no P2P
want_out 'cmd_state: ok: mailbox cmd channel ready!'

t "migf_data decodes the saved stream, keyed on the magic, with its length line"
fix pair-ok
run --json --fixture --root "$root"
want_rc 0
block "$SRC" migf_data
in_block '"layout": "V2"' migf_data
for f in $V2_FIELDS; do
	in_block "\"$f\": (\\[|[0-9])" "migf_data.$f"
done
in_block '"acc_magic": 12307492179295264478,' migf_data # 0xAACCFEEDDECADEDE
in_block '"qp_num": 16,' migf_data
in_block '"dev_id": 41558,' migf_data                   # 0xa256
in_block '"stream_length": 176' migf_data
in_block '"guest_driver": "QM_READY: guest driver running"' migf_data
in_block '"bytes": "dedecadeedfeccaa10000000' migf_data
run --once --fixture --root "$root"
want_out '^ +stream length: 176 \(header and registers\)$'
want_out '^ +guest driver load: 0 \(QM_READY: guest driver running\)$' # the source saved, cache 0

t "a 40-byte header-only stream decodes only its first 40 bytes"
fix pair-header
run --json --fixture --root "$root"
want_rc 0
block "$SRC" migf_data
in_block '"stream_length": 40' migf_data
in_block '"qp_num": 16,' migf_data
in_block '"aeq_int_mask": null' migf_data
in_block '"vf_qm_state": 1,' migf_data
run --once --fixture --root "$root"
want_out '^ +stream length: 40 \(the header only\)$'

t "V1 streams decode every V1 field"
fix v1
run --json --fixture --root "$root"
want_rc 0
block "$SRC" migf_data
in_block '"layout": "V1"' migf_data
for f in $V1_FIELDS; do
	in_block "\"$f\": (\\[|[0-9])" "migf_data.$f"
done
in_block '"acc_magic": 14829735432629889740,' migf_data # 0xCDCDCDCDFEEDAACC
block "$SRC" dev_data
in_block '"layout": "registers"' dev_data # a register snapshot cannot tell V1 from V2
want_out '"features": null' # no features file: kernel before 6.18
want_out '"migrate data length": 176'
run --once --fixture --root "$root"
want_out 'migf_data: ok \[V1, 144 bytes\]'
want_out '^ +qm_rsv_state +0x00000000 0x5a5a0001 0x5a5a0002$'

t "not-opened: dev_data and cmd_state EINVAL"
fix not-opened
run --json --fixture --root "$root"
want_rc 0
block "$SRC" dev_data
in_block '"status": "not_opened"' dev_data
in_block '"errno": "EINVAL"' dev_data
in_block '"bytes": null' dev_data
block "$SRC" cmd_state
in_block '"errno": "EINVAL"' cmd_state

# ---- broken files: a clear status, exit 0, no crash -----------------------------------
t "garbled files"
fix garbled
run --json --fixture --root "$root"
want_rc 0
block "$SRC" dev_data
in_block '"status": "error"' dev_data
in_block '"message": ".*line 4' dev_data
block "$SRC" migf_data
in_block '"status": "error"' migf_data
in_block '"message": ".+"' migf_data
want_out '"name": "0000:3b:00.2"'
want_out '"state": null'
run --once --fixture --root "$root"
want_rc 0
want_out 'dev_data: error: .*line 4'

t "truncated files"
fix truncated
run --json --fixture --root "$root"
want_rc 0
block "$SRC" dev_data
in_block '"truncated": true' dev_data
in_block '"page_size": 4,' dev_data
block "$SRC" migf_data
in_block '"qp_num": 16,' migf_data
in_block '"padding": null' migf_data
run --once --fixture --root "$root"
want_rc 0
want_out 'dev_data: .*cut off'

t "empty files"
fix empty
run --json --fixture --root "$root"
want_rc 0
block "$SRC" dev_data
in_block '"status": "error"' dev_data
want_out '"state": null'
run --once --fixture --root "$root"
want_rc 0
want_out 'dev_data: error'

t "no device directories"
fix nodebugfs
run --json --fixture --root "$root"
want_rc 0
want_empty_array devices
run --once --fixture --root "$root"
want_rc 0
want_out '^no devices under '

t "many devices"
fix many 50
run --json --fixture --root "$root"
want_rc 0
n=$(grep -cE '^      "name": ' "$out")
if [[ $n -eq 50 ]]; then ok; else bad "$n devices in the JSON, want 50"; fi

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (at most ~20 s); 0 or 1.
wait_for() {
	local i
	for ((i = 0; i < 400; i++)); do
		if [[ -f $1 ]] && grep -Eq -- "$2" "$1"; then return 0; fi
		sleep 0.05
	done
	return 1
}
# set_state DEV STATE: rewrite a fixture's state file atomically (a reader never sees it empty)
set_state() {
	printf '%s\n' "$2" >"$tmp/state.tmp" && mv "$tmp/state.tmp" "$root/$1/migration/state"
}

# ---- --pair: the named checks ------------------------------------------------------------
# check_block NAME: the JSON object of the check NAME of the compare in $out -> $tmp/check
check_block() {
	sed -n '/"compare": {/,$p' "$out" | sed -n "/\"name\": \"$1\"/,/\"name\": \"/p" >"$tmp/check"
}
in_check() { if grep -Eq -- "$1" "$tmp/check"; then ok; else bad "check: lacks /$1/"; fi; }
# want_mis FILE FIELD SRCVAL DSTVAL: FILE lists that mismatch (null: unknowable)
want_mis() {
	if grep -A3 -E "\"field\": \"$2\"" "$1" | tr -d '\n ' |
		grep -q "\"field\":\"$2\",\"src\":$3,\"dst\":$4,\"reason\":\"[^\"]"; then ok; else
		bad "no mismatch $2 src $3 dst $4"
	fi
}
no_mis() { if grep -q "\"field\": \"$2\"" "$1"; then bad "mismatch $2 flagged"; else ok; fi; }

t "pair-qpnum, the issue's command: reject; accept names qp_num 16/null and quotes the kernel"
fix pair-qpnum
run --root "$root" --kmsg "$root.kmsg" --once --json --pair "$SRC=$DST"
want_rc 0 # a rejection is data, not an error
want_out '"verdict": "reject"'
check_block accept
in_check '"verdict": "fail"'
in_check '"kernel_line": "hisi_acc_vfio_pci 0000:86:00.1: failed to match VF qp num"'
in_check '"reason": "qp_num: the destination.s kernel says \\"hisi_acc_vfio_pci 0000:86:00.1: failed to match VF qp num\\""'
want_mis "$tmp/check" qp_num 16 null
no_mis "$tmp/check" dev_id
sed -n '/"compare": {/,$p' "$out" | sed -n '/^    "mismatches": \[/,/^    \]/p' >"$tmp/union"
want_mis "$tmp/union" qp_num 16 null
n=$(grep -c '"field":' "$tmp/union")
if [[ $n -eq 1 ]]; then ok; else bad "$n mismatches in compare.mismatches, want 1 (qp_num)"; fi
want_out '"side": "dst",'
want_out '"text": "hisi_acc_vfio_pci 0000:86:00.1: failed to match VF qp num"'

t "pair-qpnum with --fixture: the closed destination's dev_data (EINVAL) flags nothing"
run --root "$root" --fixture --kmsg "$root.kmsg" --once --json --pair "$SRC=$DST"
want_rc 0
want_out '"verdict": "reject"'
block "$DST" dev_data
in_block '"status": "not_opened"' dev_data
in_block '"message": "EINVAL: not opened .*or \(6.13-6.15\) a mailbox command to the VF failed"' dev_data
check_block accept
want_mis "$tmp/check" qp_num 16 null
no_mis "$tmp/check" dev_id
for c in stream restore; do
	check_block "$c"
	in_check '"verdict": "unknown"' # one snapshot: no timeline
done
check_block stream
in_check 'no timeline'
check_block capture
in_check '"verdict": "pass"'

t "pair-qpnum (text): one line per check, the kernel quoted"
run --root "$root" --fixture --kmsg "$root.kmsg" --once --pair "$SRC=$DST"
want_rc 0
want_out '^  verdict: reject$'
want_out '^  check stream +unknown +no timeline'
want_out '^  check accept +fail +qp_num: the destination.s kernel says "hisi_acc_vfio_pci 0000:86:00.1: failed to match VF qp num"$'
want_out '^  check restore +unknown '
want_out '^  check capture +pass '
want_out '^  mismatch qp_num: source 16 \(0x10\), destination unknown: failed to match VF qp num$'

t "pair-qpnum without the kernel log: qp_num cannot be known, incomplete"
run --root "$root" --fixture --once --json --pair "$SRC=$DST"
want_rc 0
want_out '"verdict": "incomplete"'
check_block accept
in_check '"verdict": "unknown"'
in_check 'qp_num: in no file of the destination'

t "each kernel line decides its rule"
for sc in "devid dev_id 41558" "iso que_iso_cfg 0" "badmagic acc_magic 12307492179295264478"; do
	set -- $sc
	fix "pair-$1"
	run --root "$root" --fixture --kmsg "$root.kmsg" --once --json --pair "$SRC=$DST"
	want_rc 0
	want_out '"verdict": "reject"'
	check_block accept
	in_check '"verdict": "fail"'
	want_mis "$tmp/check" "$2" "$3" null
done

t "pair-version: a newer driver's stream, refused on the version, both lines as evidence"
fix pair-version
run --root "$root" --fixture --kmsg "$root.kmsg" --once --json --pair "$SRC=$DST"
want_out '"verdict": "reject"'
check_block accept
want_mis "$tmp/check" major_ver 2 1
in_check 'migration driver version<2.0> not match!'

t "pair-devid predicted from sysfs without a kernel log"
fix pair-devid
s2="$tmp/sysfs-dst"
d="$s2/sys/devices/pci0000:80/$DST"
mkdir -p "$d" "$s2/sys/bus/pci/devices" "$s2/sys/bus/pci/drivers/hisi_acc_vfio_pci"
echo 0x19e5 >"$d/vendor"
echo 0xa259 >"$d/device"
ln -s "$s2/sys/bus/pci/drivers/hisi_acc_vfio_pci" "$d/driver"
ln -s "../../../devices/pci0000:80/$DST" "$s2/sys/bus/pci/devices/$DST"
run --root "$root" --fixture --sysfs-root "$s2" --once --json --pair "$SRC=$DST"
want_rc 0
want_out '"verdict": "reject"'
check_block accept
want_mis "$tmp/check" dev_id 41558 41561
in_check '"what": "sysfs"'

t "pair-short: 100 of 176 bytes arrived, the load failed"
fix pair-short
run --root "$root" --fixture --kmsg "$root.kmsg" --once --json --pair "$SRC=$DST"
want_out '"verdict": "reject"'
check_block accept
want_mis "$tmp/check" length 176 100 # saved 176, received 100
check_block restore
in_check '"verdict": "fail"'
in_check '"kernel_line": "hisi_acc_vfio_pci 0000:86:00.1: failed to recover the VF!"'

t "a watched migration: every check passes, accept"
fix pair-ok
set_state "$SRC" STOP_COPY
set_state "$DST" RESUMING
"$MIGTOP" -n 6 -d 400 --json --fixture --root "$root" --pair "$SRC=$DST" >"$out" 2>"$err" &
pid=$!
# both states read before they change (a loaded machine may print a first snapshot sooner)
wait_for "$out" "\"name\":\"$SRC\",\"migration\":true,\"error\":null,\"state\":\"STOP_COPY\"" &&
	wait_for "$out" "\"name\":\"$DST\",\"migration\":true,\"error\":null,\"state\":\"RESUMING\"" ||
	bad "the first states were not seen"
set_state "$DST" STOP
set_state "$SRC" STOP
wait "$pid"
rc=$?
want_rc 0
tail -n 1 "$out" >"$tmp/last"
if grep -q '"verdict":"accept"' "$tmp/last"; then ok; else
	bad "last snapshot not accepted: $(grep -o '"checks":.*' "$tmp/last" | cut -c1-600)"
fi
for c in stream accept restore capture; do
	if grep -q "\"name\":\"$c\",\"verdict\":\"pass\"" "$tmp/last"; then ok; else bad "$c not pass"; fi
done
if grep -q 'RESUMING -> STOP seen' "$tmp/last"; then ok; else bad "no timeline evidence"; fi
if head -n 1 "$out" | grep -q '"verdict":"accept"'; then bad "accepted before the resume"; else ok; fi

t "pair with a source not opened: incomplete, says why"
fix not-opened
"$FIXGEN" "$tmp/fx-dst" not-migrated >/dev/null
mv "$tmp/fx-dst/$SRC" "$root/$DST"
run --once --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '^  verdict: incomplete'
want_out "^  check stream +unknown +no copy on the source to compare: migf_data not_migrated"
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_out '"verdict": "incomplete"'
want_out '"differing_bytes": null'

t "pair of devices without driver data: nothing to compare"
fix many 5
run --once --fixture --root "$root" --pair "0000:3b:00.4=0000:3b:00.0"
want_rc 0
want_out '^  verdict: incomplete'


# ---- the engine: deadlines, repeated snapshots, the log ---------------------------------
t "bad values for -n, -d, --deadline; --once with -n"
for a in "-n 0" "-n x" "-d 10" "-d 1s" "--deadline 0" "--deadline x"; do
	run --root "$tmp" $a
	want_rc 2
done
run --once -n 2 --root "$tmp"
want_rc 2
want_err 'cannot be combined'

t "a blocked read (FIFO) is reported and does not hold up --once"
fix not-migrated
rm "$root/$SRC/migration/hisi_acc/cmd_state"
mkfifo "$root/$SRC/migration/hisi_acc/cmd_state"
out_b="$tmp/blocked.json"
timeout 10 "$MIGTOP" --json --fixture --root "$root" --deadline 300 >"$out" 2>"$err"
rc=$?
if [[ $rc -eq 124 ]]; then bad "--once hung on a FIFO"; else want_rc 0; fi
block "$SRC" cmd_state
in_block '"status": "blocked"' cmd_state
in_block '"blocked_ms": [0-9]+' cmd_state
in_block '"message": "read blocked: no answer for [0-9]+ ms"' cmd_state
block "$SRC" dev_data
in_block '"status": "ok"' dev_data # the other files are read all the same
timeout 10 "$MIGTOP" --once --fixture --root "$root" --deadline 300 >"$out" 2>"$err"
rc=$?
want_rc 0
want_out '^  hisi_acc/cmd_state: blocked: no answer for [0-9]+ ms$'
want_out '^  state: RUNNING$'

t "-n N -d MS --json: N compact documents, one a line, each with a time"
fix pair-ok
run -n 3 -d 100 --json --fixture --root "$root"
want_rc 0
n=$(wc -l <"$out")
if [[ $n -eq 3 ]]; then ok; else bad "$n lines, want 3"; fi
n=$(grep -cE '^\{"devices":\[.*\],"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z","root":"[^"]+"(,"[a-z_]+":.*)?\}$' "$out")
if [[ $n -eq 3 ]]; then ok; else bad "$n well-formed lines with a time, want 3"; fi
if [[ $(grep -o '"time":"[^"]*"' "$out" | sort -u | wc -l) -eq 3 ]]; then ok; else
	bad "the 3 snapshots do not have 3 different times"
fi

t "-n N --json: state_age_ms grows while the state stays (the time an operator waits)"
run -n 4 -d 300 --json --fixture --root "$root"
want_rc 0
a=$(sed -n 1p "$out" | grep -o '"state_age_ms":[0-9]*' | head -1 | cut -d: -f2)
b=$(sed -n 4p "$out" | grep -o '"state_age_ms":[0-9]*' | head -1 | cut -d: -f2)
if [[ -n $a && -n $b ]] && ((b >= a + 800)); then ok; else
	bad "state_age_ms first $a, last $b: want the last at least 800 ms more"
fi

t "-n N text: blocks after a time line"
run -n 2 -d 100 --fixture --root "$root"
want_rc 0
n=$(grep -cE '^=== [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ===$' "$out")
if [[ $n -eq 2 ]]; then ok; else bad "$n time lines, want 2"; fi
n=$(grep -c "^device $SRC\$" "$out")
if [[ $n -eq 2 ]]; then ok; else bad "$n blocks for $SRC, want 2"; fi

t "--once --json has a time"
run --json --fixture --root "$root"
want_out '^  "time": "[0-9]{4}-'

t "--log: a state change between polls is logged with its classification"
fix not-migrated
log="$tmp/state.log"
rm -f "$log"
"$MIGTOP" -n 3 -d 500 --json --log "$log" --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
# a snapshot that has read the first state (a slow sanitizer build may print one before)
if wait_for "$out" "\"name\":\"$SRC\",[^{]*\"state\":\"RUNNING\""; then ok; else bad "no first snapshot with RUNNING"; fi
set_state "$SRC" STOP_COPY
wait "$pid"
rc=$?
want_rc 0
n=$(wc -l <"$out")
if [[ $n -eq 3 ]]; then ok; else bad "$n snapshots, want 3"; fi
# hisi_acc has no P2P (features: stop-copy pre-copy): the path goes through STOP only
if grep -q "\"device\":\"$SRC\",\"event\":\"state\",\"from\":\"RUNNING\",\"to\":\"STOP_COPY\",\"class\":\"combination\",\"inferred\":\[\"STOP\"\]" "$log"; then
	ok
else
	bad "log lacks the RUNNING -> STOP_COPY change: $(cat "$log")"
fi
if grep -q "\"device\":\"$SRC\",\"event\":\"device\",\"action\":\"added\"" "$log"; then ok; else
	bad "log lacks the device appearing"
fi
if grep -q '"state":"STOP_COPY"' <(tail -n 1 "$out"); then ok; else bad "last snapshot not STOP_COPY"; fi

t "--log text lines; SIGHUP reopens the file (logrotate)"
fix not-migrated
log="$tmp/hup.log"
rm -f "$log" "$log.1"
# (SIGHUP at its default whatever the suite was started with: under nohup it is ignored,
# migtop keeps it ignored as nohup asks, and nothing would reopen)
env --default-signal=HUP "$MIGTOP" --log "$log" -d 100 --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
if wait_for "$log" "$SRC device added"; then ok; else bad "no 'device added' line"; fi
mv "$log" "$log.1"
kill -HUP "$pid"
for ((i = 0; i < 400; i++)); do [[ -f $log ]] && break; sleep 0.05; done
if [[ -f $log ]]; then ok; else bad "log not reopened after SIGHUP"; fi
set_state "$SRC" STOP
if wait_for "$log" "$SRC state RUNNING -> STOP \(direct\)$"; then ok; else
	bad "no state line in the new log: $(cat "$log" 2>/dev/null)"
fi
kill -TERM "$pid"
wait "$pid"
rc=$?
want_rc 0 # SIGTERM is a clean stop
if grep -q 'device added' "$log"; then bad "the new log repeats old lines"; else ok; fi
if grep -q 'state RUNNING -> STOP' "$log.1"; then bad "the moved log got new lines"; else ok; fi
want_empty_out

t "a device vanishing mid-run is marked gone and kept"
fix pair-ok
"$MIGTOP" -n 2 -d 500 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$out" '^\{' || bad "no first snapshot"
rm -rf "${root:?}/$DST"
wait "$pid"
rc=$?
want_rc 0
if tail -n 1 "$out" | grep -q "\"name\":\"$DST\",[^{]*\"files\":{\"state\":{\"status\":\"gone\""; then ok; else
	bad "$DST not gone in the second snapshot"
fi
if tail -n 1 "$out" | grep -Eq "\"sysfs_only\":false,\"gone\":true"; then ok; else bad "no gone:true"; fi
if head -n 1 "$out" | grep -q '"gone":true'; then bad "gone in the first snapshot"; else ok; fi

# ---- hardening: stuck reads, signals, write errors (issue 12) -------------------------
# stuck ROOT K: K devices' hisi_acc/dev_data become FIFOs nobody writes (a driver that never
# answers); their names in $tmp/stuck.  Only devices not in a migration state: there the
# engine holds periodic dev_data reads back (they would contend with the migration).
stuck() {
	local d k=0
	: >"$tmp/stuck"
	for d in "$1"/*/migration/hisi_acc; do
		((k >= $2)) && break
		if [[ -p $d/dev_data ]]; then # already stuck (a bigger K on the same tree)
			k=$((k + 1))
			basename "$(dirname "$(dirname "$d")")" >>"$tmp/stuck"
			continue
		fi
		[[ -f $d/dev_data && ! -f $d/dev_data.errno ]] || continue
		grep -Eq '^(RUNNING|STOP)$' "$d/../state" || continue
		rm "$d/dev_data" && mkfifo "$d/dev_data" || return 1
		basename "$(dirname "$(dirname "$d")")" >>"$tmp/stuck"
		k=$((k + 1))
	done
	((k == $2))
}
# ms_since T0: milliseconds since $EPOCHREALTIME was T0
ms_since() { local t=$EPOCHREALTIME; echo $(((${t/./} - ${1/./}) / 1000)); }
# stop_within PID MS: SIGTERM, then wait at most MS ms for the exit; $rc, $stop_ms
# signals_blocked PID SIG: wait (at most ~5 s) until migtop (not the shell's child before
# exec: a signal sent then is taken by the shell) has SIG blocked for its signalfd; 0 or 1.
signals_blocked() {
	local i mask bit=$((1 << ($2 - 1)))
	for ((i = 0; i < 500; i++)); do
		if [[ $(readlink "/proc/$1/exe" 2>/dev/null) == "$(readlink -f "$MIGTOP")" ]]; then
			mask=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
			[[ -n $mask ]] && (((16#$mask & bit) != 0)) && return 0
		fi
		sleep 0.01
	done
	return 1
}
stop_within() {
	local t0=$EPOCHREALTIME i
	kill -TERM "$1"
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || break
		(($(ms_since "$t0") > $2)) && break
		sleep 0.005
	done
	stop_ms=$(ms_since "$t0")
	if kill -0 "$1" 2>/dev/null; then
		bad "still running ${stop_ms} ms after SIGTERM"
		kill -KILL "$1"
	else
		ok
	fi
	wait "$1"
	rc=$?
	echo "  SIGTERM -> exit: ${stop_ms} ms ($name)"
}

fix many 1000
for k in 8 32 200; do
	t "$k stuck files (FIFOs) among 1000 devices: only they are blocked, every other device ok"
	stuck "$root" "$k" || bad "could not make $k FIFOs"
	timeout 20 "$MIGTOP" --fixture --root "$root" -n 2 -d 1000 --deadline 300 --json >"$out" 2>"$err"
	rc=$?
	want_rc 0
	tail -n 1 "$out" >"$tmp/last"
	n=$(grep -o '"status":"blocked"' "$tmp/last" | wc -l)
	if ((n == k)); then ok; else bad "$n files blocked, want $k"; fi
	n=$(grep -o '"dev_data":{"status":"blocked"' "$tmp/last" | wc -l)
	if ((n == k)); then ok; else bad "$n dev_data blocked, want $k (only the FIFOs)"; fi
	n=$(grep -o '"files":{"state":{"status":"ok"' "$tmp/last" | wc -l)
	if ((n == 1000)); then ok; else bad "$n devices with their state ok, want 1000"; fi
	n=$(grep -o '"state":null' "$tmp/last" | wc -l)
	if ((n == 0)); then ok; else bad "$n devices without a state"; fi
done

t "--log: only the stuck files are logged blocked, and each gets its recovery line"
fix many 40
stuck "$root" 8 || bad "could not make 8 FIFOs"
log="$tmp/stuck.log"
rm -f "$log"
"$MIGTOP" --log "$log" -d 200 --deadline 300 --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
for ((i = 0; i < 200; i++)); do
	n=$(grep -c ' blocked, ' "$log" 2>/dev/null)
	((${n:-0} >= 8)) && break
	sleep 0.05
done
sleep 0.5 # time for any wrong blocked line to appear
n=$(grep -c ' blocked, ' "$log")
if ((n == 8)); then ok; else bad "$n blocked lines, want 8: $(grep ' blocked, ' "$log" | head -3)"; fi
n=$(grep ' blocked, ' "$log" | grep -vc ' file hisi_acc/dev_data blocked, ')
if ((n == 0)); then ok; else bad "$n blocked lines for other files"; fi
# the drivers answer: each FIFO is replaced by a file, and the waiting read gets its bytes
good=$(ls -d "$root"/*/migration/hisi_acc/dev_data | while read -r f; do [[ -f $f ]] && echo "$f" && break; done)
while read -r d; do
	f="$root/$d/migration/hisi_acc/dev_data"
	mv "$f" "$f.fifo" && cp "$good" "$f"
	timeout 5 cp "$good" "$f.fifo" || bad "nobody read the FIFO of $d"
done <"$tmp/stuck"
for ((i = 0; i < 200; i++)); do
	n=$(grep -Ec ', answered after [0-9]+ ms$' "$log" 2>/dev/null)
	((${n:-0} >= 8)) && break
	sleep 0.05
done
stop_within "$pid" 1000
want_rc 0
while read -r d; do
	b=$(grep -n "$d file hisi_acc/dev_data blocked, " "$log" | head -1 | cut -d: -f1)
	r=$(grep -En "$d file hisi_acc/dev_data ok, [0-9]+ bytes, answered after [0-9]+ ms$" "$log" | head -1 | cut -d: -f1)
	if [[ -n $b && -n $r ]] && ((r > b)); then ok; else
		bad "$d: blocked line ${b:-none}, recovery line ${r:-none}: $(grep "$d file" "$log")"
	fi
done <"$tmp/stuck"
n=$(grep -c ' blocked, ' "$log")
if ((n == 8)); then ok; else bad "$n blocked lines in the end, want 8"; fi

t "SIGTERM ends -n within 1 s while a read is blocked (deadline 5 s); no partial line"
fix not-migrated
stuck "$root" 1 || bad "no FIFO"
"$MIGTOP" -n 3 -d 100 --deadline 5000 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
signals_blocked "$pid" 15 || bad "migtop never blocked SIGTERM"
sleep 0.3
stop_within "$pid" 1000
want_rc 143 # stopped before the first snapshot was complete: nothing printed, not 0
want_empty_out
want_err '^migtop: stopped by TERM before a snapshot was complete$'

t "SIGINT ends --once within 1 s while a read is blocked, with a message"
# A background job of a shell without job control starts with SIGINT ignored, and so does
# everything under a shell that had it ignored on entry (set -m cannot undo that): env gives
# migtop the default disposition, as a terminal's foreground job has it.
env --default-signal=INT "$MIGTOP" --once --deadline 5000 --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
signals_blocked "$pid" 2 || bad "migtop never blocked SIGINT"
sleep 0.3
t0=$EPOCHREALTIME
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$(ms_since "$t0")
echo "  SIGINT -> exit: $ms ms ($name)"
if ((ms < 1000)); then ok; else bad "exit $ms ms after SIGINT"; fi
want_rc 130
want_empty_out
want_err '^migtop: stopped by INT before a snapshot was complete$'

t "SIGTERM ends -n between snapshots within 1 s: exit 0, the lines printed are whole"
"$MIGTOP" -n 100 -d 100 --deadline 300 --json --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$out" '^\{' || bad "no first snapshot"
stop_within "$pid" 1000
want_rc 0
n=$(grep -cv '^\{.*\}$' "$out")
if ((n == 0)); then ok; else bad "$n lines that are not whole JSON documents"; fi
if [[ -z $(tail -c 1 "$out") ]]; then ok; else bad "the last line is cut"; fi

t "SIGTERM ends --log within 1 s while a read is blocked"
"$MIGTOP" --log "$tmp/term.log" -d 100 --deadline 5000 --fixture --root "$root" >"$out" 2>"$err" &
pid=$!
wait_for "$tmp/term.log" 'device added' || bad "no log line"
sleep 0.3
stop_within "$pid" 1000
want_rc 0

t "a failed write is an error: --once --json >/dev/full, -n text >/dev/full, --log /dev/full"
fix not-migrated
"$MIGTOP" --once --json --fixture --root "$root" >/dev/full 2>"$err"
rc=$?
want_rc 1
want_err '^migtop: writing the output: No space left on device$'
"$MIGTOP" -n 2 -d 100 --fixture --root "$root" >/dev/full 2>"$err"
rc=$?
want_rc 1
want_err '^migtop: writing the output: No space left on device$'
timeout 10 "$MIGTOP" --log /dev/full -d 100 --fixture --root "$root" >"$out" 2>"$err"
rc=$?
want_rc 1
want_err '^migtop: writing the log /dev/full: No space left on device$'

t "--log - | head -1 with SIGPIPE ignored: migtop exits with an error when head is gone"
fix many 20
(
	trap '' PIPE
	timeout 10 "$MIGTOP" --log - -d 100 --fixture --root "$root" 2>"$err"
	echo $? >"$tmp/rc"
) | head -n 1 >"$out"
rc=$(cat "$tmp/rc")
want_rc 1
want_err '^migtop: writing the log -: Broken pipe$'
n=$(wc -l <"$out")
if ((n == 1)); then ok; else bad "$n lines through head"; fi

# ---- sysfs discovery -------------------------------------------------------------------
# fakesys DIR: a sysfs with two PCI VFs bound to hisi_acc_vfio_pci (groups 12 and 13).
fakesys() {
	local s=$1 d n
	mkdir -p "$s/sys/bus/pci/drivers/hisi_acc_vfio_pci" "$s/sys/bus/mdev/devices" \
		"$s/sys/bus/pci/devices"
	for n in "$SRC:12" "0000:3b:00.2:13"; do
		d="$s/sys/devices/pci0000:00/${n%:*}"
		mkdir -p "$d" "$s/sys/kernel/iommu_groups/${n##*:}"
		echo 0x19e5 >"$d/vendor"
		echo 0xa256 >"$d/device"
		echo 1 >"$d/numa_node"
		ln -s "$s/sys/bus/pci/drivers/hisi_acc_vfio_pci" "$d/driver"
		ln -s "$s/sys/kernel/iommu_groups/${n##*:}" "$d/iommu_group"
		ln -s "../../../devices/pci0000:00/${n%:*}" "$s/sys/bus/pci/devices/${n%:*}"
	done
}
sys="$tmp/sysfs"
fakesys "$sys"

t "sysfs facts per device, and sysfs-only devices"
fix not-migrated
run --json --fixture --root "$root" --sysfs-root "$sys"
want_rc 0
sed -n "/\"name\": \"$SRC\"/,\$p" "$out" | sed -n '/"sysfs": {/,/}/p' >"$tmp/block"
in_block '"driver": "hisi_acc_vfio_pci"' sysfs
in_block '"iommu_group": 12,' sysfs
in_block '"numa_node": 1,' sysfs
in_block '"vendor": "19e5"' sysfs
in_block '"device": "a256"' sysfs
sed -n '/"name": "0000:3b:00.2"/,$p' "$out" >"$tmp/block"
in_block '"sysfs_only": true' sysfs-only
in_block '"reason": "not_in_debugfs"' sysfs-only
in_block '"iommu_group": 13,' sysfs-only
run --once --fixture --root "$root" --sysfs-root "$sys"
want_rc 0
want_out '^  sysfs: hisi_acc_vfio_pci group 12 node 1 '
want_out '^device 0000:3b:00.2$'
want_out '^  sysfs only: not in debugfs'

t "no sysfs lookup for a non-default --root without --sysfs-root"
run --json --fixture --root "$root"
want_out '"sysfs": null'
want_no_out '"sysfs_only": true'

t "no debugfs: the error says what sysfs shows"
run --once --root "$tmp/does-not-exist" --sysfs-root "$sys"
want_rc 1
want_err 'cannot open'
want_err 'sysfs shows 2 VFIO devices that may support migration'
want_err "$SRC hisi_acc_vfio_pci group 12"
run --json --root "$tmp/does-not-exist" --sysfs-root "$sys"
want_rc 1
want_out '"error": "cannot open '
want_out '"reason": "no_debugfs"'

t "a broken sysfs root never fails the run"
run --once --fixture --root "$root" --sysfs-root "$tmp/does-not-exist"
want_rc 0
want_out '^  state: RUNNING$'

t "not root: EACCES explained"
if command -v setpriv >/dev/null && [[ $(id -u) -eq 0 ]]; then
	mkdir -p "$tmp/locked" && chmod 700 "$tmp/locked" && chmod 755 "$tmp"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$MIGTOP" --once --root "$tmp/locked" \
		>"$out" 2>"$err"
	rc=$?
	want_rc 1
	want_err 'Permission denied; debugfs is readable by root only: run migtop as root'
elif [[ $(id -u) -ne 0 ]]; then
	mkdir -p "$tmp/locked" && chmod 000 "$tmp/locked"
	run --once --root "$tmp/locked"
	want_rc 1
	want_err 'run migtop as root'
	chmod 700 "$tmp/locked"
fi

# ---- the interactive console -----------------------------------------------------------
t "console without a terminal: a clear message, exit 1"
fix pair-ok
"$MIGTOP" --fixture --root "$root" </dev/null >"$out" 2>"$err"
rc=$?
want_rc 1
want_err 'not a terminal; use --once or -n'

t "the console reads the config file"
mkdir -p "$tmp/xdg/migtop"
printf 'interval = fast\n' >"$tmp/xdg/migtop/config"
XDG_CONFIG_HOME="$tmp/xdg" "$MIGTOP" --fixture --root "$root" </dev/null >"$out" 2>"$err"
rc=$?
want_rc 1
want_err 'config:1'

# ---- the kernel log (--kmsg, --no-kmsg) ------------------------------------------------
# Records as /dev/kmsg prints them (kernel/printk/printk.c): a dev_err() on the destination
# VF, one on a PCI device migtop does not show, one without a device, a char device's.
kfile="$tmp/kmsg.txt"
printf '%s\n' '6,1040,5123000000,-;NET: Registered protocol family 10' \
	"3,1041,5123456789,-;hisi_acc_vfio_pci $DST: failed to match VF qp num" \
	' SUBSYSTEM=pci' " DEVICE=+pci:$DST" \
	'6,1042,5123500000,-;pci 0000:00:01.0: BAR 0 [mem 0x4000000000-0x400007ffff 64bit]' \
	' SUBSYSTEM=pci' ' DEVICE=+pci:0000:00:01.0' \
	'4,1043,5123600000,-;vfio-dev vfio0: tab\x09and backslash \x5c' ' SUBSYSTEM=vfio-dev' \
	' DEVICE=c240:0' >"$kfile"

t "--kmsg FILE: the device's records in JSON, the status says file"
fix pair-ok
run --root "$root" --fixture --kmsg "$kfile" -n 1 --json
want_rc 0
want_out '"kernel_log_status":\{"source":"[^"]*kmsg.txt","status":"file","error":null,"records":4,"attributed":1,'
want_out '"same_clock":false'
want_out '"kernel_log":\[\{"seq":1041,"ts_us":5123456789,"level":"err","text":"hisi_acc_vfio_pci 0000:86:00.1: failed to match VF qp num"\}\]'
n=$(grep -o '"kernel_log":\[\]' "$out" | wc -l)
if [[ $n -eq 1 ]]; then ok; else bad "$n empty kernel_log arrays, want 1 (the source)"; fi
want_no_out '0000:00:01.0|vfio0'

t "--kmsg FILE: the last kernel lines in the text output"
run --root "$root" --fixture --kmsg "$kfile" --once
want_rc 0
want_out '^kernel log: .*kmsg.txt file, 4 records$'
want_out '^  kernel log \(last 1 of 1\):$'
want_out '^    \[ 5123\.456789\] err: hisi_acc_vfio_pci 0000:86:00\.1: failed to match VF qp num$'

t "--kmsg FILE with --log: a line per record of a device shown"
run --root "$root" --fixture --kmsg "$kfile" --log "$tmp/klog.log" -n 1 -d 100
want_rc 0
if grep -q "Z $DST kernel err: hisi_acc_vfio_pci $DST: failed to match VF qp num (seq 1041, 5123.456789 s)\$" \
	"$tmp/klog.log"; then ok; else bad "no kernel line in the log: $(cat "$tmp/klog.log")"; fi

t "--kmsg FILE malformed: exit 1 with the file and line"
printf '6,1,1,-;ok\n[    1.000000] hisi_acc_vfio_pci 0000:86:00.1: dmesg format\n' >"$tmp/bad.kmsg"
run --root "$root" --fixture --kmsg "$tmp/bad.kmsg" --once
want_rc 1
want_err "bad\.kmsg: line 2: no ';' after the header"
run --root "$root" --fixture --kmsg "$tmp/none.kmsg" --once
want_rc 1
want_err 'none\.kmsg: No such file or directory'

t "--kmsg and --no-kmsg together: usage error"
run --root "$root" --fixture --kmsg "$kfile" --no-kmsg --once
want_rc 2
want_err 'cannot be combined'

t "--root DIR: no kernel log unless asked"
run --root "$root" --fixture -n 1 --json
want_rc 0
want_out '"kernel_log_status":\{"source":null,"status":"off","error":null,'
want_out '"kernel_log":null'

t "--kmsg /dev/kmsg: read live (root), or unavailable with the reason (not root)"
if [[ -c /dev/kmsg ]]; then
	run --root "$root" --fixture --kmsg /dev/kmsg -n 1 --json
	want_rc 0
	if [[ $(id -u) -eq 0 ]]; then
		want_out '"source":"/dev/kmsg","status":"ok","error":null,'
		want_out '"same_clock":true'
	elif [[ $(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null) == 1 ]]; then
		want_out '"error":"not root: /dev/kmsg needs CAP_SYSLOG or kernel.dmesg_restrict=0"'
	fi
	# as root, the same as an unprivileged user (when dmesg_restrict hides the log)
	if [[ $(id -u) -eq 0 && $(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null) == 1 ]] &&
		command -v setpriv >/dev/null; then
		chmod -R a+rX "$tmp"
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$MIGTOP" --root "$root" --fixture --kmsg /dev/kmsg --once >"$out" 2>"$err"
		rc=$?
		want_rc 0
		want_out '^kernel log: /dev/kmsg unavailable: not root: /dev/kmsg needs CAP_SYSLOG or kernel\.dmesg_restrict=0$'
		want_out '^  state: '
	fi
fi

# more tests, one file per topic (they use the helpers above)
for f in "$here"/t_*.sh; do
	[[ -e $f ]] || continue
	# shellcheck source=/dev/null
	source "$f"
done

echo "cli: $pass passed, $fail failed"
((fail == 0))
