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

SRC=0000:3b:00.1
DST=0000:86:00.1
V2_FIELDS="acc_magic qp_num dev_id que_iso_cfg qp_base vf_qm_state major_ver minor_ver
qm_rsv_state aeq_int_mask eq_int_mask ifc_int_source ifc_int_mask ifc_int_set page_size
qm_eqc_dw qm_aeqc_dw qm_rsv_regs padding"
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
t "V2 dev_data decodes every field (JSON)"
fix not-migrated
run --json --fixture --root "$root"
want_rc 0
block "$SRC" dev_data
in_block '"status": "ok"' dev_data
in_block '"layout": "V2"' dev_data
for f in $V2_FIELDS; do
	in_block "\"$f\": (\\[|[0-9])" "dev_data.$f"
done
in_block '"acc_magic": 12307492179295264478,' dev_data    # 0xAACCFEEDDECADEDE
in_block '"qp_num": 16,' dev_data
in_block '"dev_id": 41558,' dev_data                      # 0xa256
in_block '"major_ver": 1,' dev_data
in_block '^ *286326790$' dev_data                         # qm_eqc_dw[6] = 0x11110006
in_block '"data size": 176' dev_data
in_block '"guest driver load": 1' dev_data
in_block '"bytes": "dedecadeedfeccaa10000000' dev_data
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

t "V2 dev_data decodes every field (text)"
run --once --fixture --root "$root"
for f in $V2_FIELDS; do
	want_out "^ +$f +[0-9]"
done
want_out '^ +qp_num +16 '
want_out '^ +acc_magic +0xaaccfeeddecadede$'
want_out '^ +state: RUNNING$'
want_out '^ +features: stop-copy p2p pre-copy$'
want_out 'cmd_state: ok: mailbox cmd channel ready!'

t "V1 dumps decode every V1 field"
fix v1
run --json --fixture --root "$root"
want_rc 0
for file in dev_data migf_data; do
	block "$SRC" "$file"
	in_block '"layout": "V1"' "$file"
	for f in $V1_FIELDS; do
		in_block "\"$f\": (\\[|[0-9])" "$file.$f"
	done
	in_block '"acc_magic": 14829735432629889740,' "$file" # 0xCDCDCDCDFEEDAACC
done
want_out '"features": null' # no features file: kernel before 6.18
want_out '"migrate data length": 176'
run --once --fixture --root "$root"
want_out 'dev_data: ok \[V1, 144 bytes\]'
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
in_block '"qp_num": 16,' dev_data
in_block '"padding": null' dev_data
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

# ---- --pair ----------------------------------------------------------------------------
t "pair-ok: accepted, exit 0"
fix pair-ok
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '"verdict": "accept"'
want_out '"src_file": "migf_data"'
want_out '"dst_file": "dev_data"'
want_empty_array mismatches
run --once --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '^  verdict: accept'
want_out '^  differing fields: qp_base$' # the destination's own queue base, not a rule

# want_mismatch FIELD SRCVAL DSTVAL: the compare block lists that mismatch
want_mismatch() {
	sed -n '/"compare": {/,$p' "$out" >"$tmp/block"
	if grep -A3 -E "\"field\": \"$1\"" "$tmp/block" | tr -d '\n ' |
		grep -q "\"field\":\"$1\",\"src\":$2,\"dst\":$3,\"reason\":\"[^\"]"; then ok; else
		bad "no mismatch $1 src $2 dst $3"
	fi
}

t "pair-qpnum: qp_num named with both values"
fix pair-qpnum
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0 # a rejection is data, not an error
want_out '"verdict": "reject"'
want_mismatch qp_num 16 8
run --once --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '^  verdict: reject'
want_out '^  mismatch qp_num: source 16 .*destination 8 '

t "pair-devid"
fix pair-devid
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '"verdict": "reject"'
want_mismatch dev_id 41558 41561

t "pair-iso"
fix pair-iso
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_mismatch que_iso_cfg 0 1

t "pair-badmagic"
fix pair-badmagic
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '"verdict": "reject"'
want_out '"field": "acc_magic"'

t "pair with a source not opened: incomplete, says why"
fix not-opened
"$FIXGEN" "$tmp/fx-dst" not-migrated >/dev/null
mv "$tmp/fx-dst/$SRC" "$root/$DST"
run --once --fixture --root "$root" --pair "$SRC=$DST"
want_rc 0
want_out '^  verdict: incomplete'
want_out "^  note: .*$SRC.*not_opened"
run --json --fixture --root "$root" --pair "$SRC=$DST"
want_out '"verdict": "incomplete"'
want_out '"differing_bytes": null'

t "pair of devices without driver data: nothing to compare"
fix many 5
run --once --fixture --root "$root" --pair "0000:3b:00.4=0000:3b:00.0"
want_rc 0
want_out '^  verdict: incomplete'

echo "cli: $pass passed, $fail failed"
((fail == 0))
