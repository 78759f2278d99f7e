# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh: terminal escapes and invalid UTF-8 from outside (issue 12,
# items 7, 8 and 20).  Names, file contents, kv lines after a dump and kernel log text
# reach the human output escaped as \xNN (core/esc.h), never raw; JSON stays valid UTF-8.
#
# Which names can carry such bytes: the kernel names PCI devices "0000:3b:00.1" and mdevs
# by UUID, but --root takes any directory (a copied or hostile tree), an unknown driver
# directory is listed by name, a kernel message can quote anything a driver prints
# (/dev/kmsg escapes it as \xNN, migtop unescapes it), and a --kmsg file is a file.

esc_raw() { # esc_raw FILE: no ESC, BEL, 0xff, CR or other control byte but \n and \t
	if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f\xff]' "$1"; then
		bad "raw control or invalid byte in $1: $(LC_ALL=C grep -naP '[\x00-\x08\x0b-\x1f\x7f\xff]' "$1" | head -3 | cat -A)"
	else
		ok
	fi
}
esc_utf8() { # esc_utf8 FILE: valid UTF-8
	if iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; then ok; else bad "$1 is not valid UTF-8"; fi
}
esc_jq() { # esc_jq FILE FILTER: jq accepts the JSON and the filter is true (skipped without jq)
	command -v jq >/dev/null 2>&1 || return 0
	if jq -e "$2" "$1" >/dev/null 2>&1; then ok; else bad "jq '$2' fails on $1"; fi
}

# A tree with hostile names: OSC (set the title) and SGR sequences with BEL, a newline
# that forges a "device" line, 0xff, a truncated 3-byte sequence, valid UTF-8 (é); an
# unknown driver directory with ESC; a kv line after the dump with ESC, BEL and 0xff.
fix pair-ok
E_OSC=$'evil\e]0;pwned\a\e[31m'
E_NL=$'nl\ndevice 0000:00:00.0'
E_FF=$'ff\xff'
E_TR=$'tr\xe2\x82'
E_OK=$'ok-\xc3\xa9'
for n in "$E_OSC" "$E_NL" "$E_FF" "$E_TR" "$E_OK"; do
	cp -r "$root/$DST" "$root/$n"
done
mkdir "$root/$DST/migration/"$'drv\e[1m'
printf 'evil\e[2J: x\a\xff\n' >>"$root/$SRC/migration/hisi_acc/dev_data"
esc_root=$root

t "escape: --once text shows hostile names as \\xNN, nothing raw (UTF-8 locale)"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --once
want_rc 0
esc_raw "$out"
esc_utf8 "$out"
want_out '^device evil\\x1b\]0;pwned\\x07\\x1b\[31m$'
want_out '^device nl\\x0adevice 0000:00:00\.0$'
want_no_out '^device 0000:00:00\.0'
want_out '^device ff\\xff$'
want_out '^device tr\\xe2\\x82$'
want_out $'^device ok-\xc3\xa9$'
want_out '^  drv\\x1b\[1m/: unknown driver directory'
want_out '^      evil\\x1b\[2J: x\\x07\\xff$'

t "escape: in the C locale every byte >= 0x80 is \\xNN too"
LC_ALL=C run --root "$esc_root" --fixture --once
want_rc 0
esc_raw "$out"
want_out '^device ok-\\xc3\\xa9$'
if LC_ALL=C grep -qP '[\x80-\xff]' "$out"; then bad "a byte >= 0x80 in C-locale output"; else ok; fi

t "escape: --json is valid UTF-8 (U+FFFD for invalid bytes), control characters JSON-escaped"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --once --json
want_rc 0
esc_raw "$out"
esc_utf8 "$out"
esc_jq "$out" '[.devices[].name] | index("ff\ufffd") != null'
esc_jq "$out" '[.devices[].name] | index("tr\ufffd\ufffd") != null'
esc_jq "$out" '[.devices[].name] | index("evil\u001b]0;pwned\u0007\u001b[31m") != null'
esc_jq "$out" '[.devices[].name] | index("nl\ndevice 0000:00:00.0") != null'
esc_jq "$out" '[.devices[].name] | index("ok-é") != null'
esc_jq "$out" '.devices[] | select(.name == "0000:3b:00.1") | .hisi_acc.dev_data.info | has("evil\u001b[2J")'
esc_jq "$out" '.devices[] | select(.name == "0000:3b:00.1") | .hisi_acc.dev_data.info["evil\u001b[2J"] == "x\u0007\ufffd"'

t "escape: -n JSON lines are valid UTF-8 too"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture -n 1 --json
want_rc 0
esc_utf8 "$out"
if [[ $(wc -l <"$out") -eq 1 ]]; then ok; else bad "not one line per snapshot"; fi

t "escape: text --log lines escape device names (one line per event)"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --log "$tmp/esc.log" -n 1 -d 100
want_rc 0
esc_raw "$tmp/esc.log"
if grep -q 'Z evil\\x1b\]0;pwned\\x07\\x1b\[31m device added$' "$tmp/esc.log" &&
	grep -q 'Z nl\\x0adevice 0000:00:00\.0 device added$' "$tmp/esc.log" &&
	! grep -q '^device 0000:00:00\.0' "$tmp/esc.log"; then ok; else bad "log: $(cat -A "$tmp/esc.log")"; fi

t "escape: JSON --log lines are valid UTF-8"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --json --log "$tmp/escj.log" -n 1 -d 100
want_rc 0
esc_utf8 "$tmp/escj.log"
esc_raw "$tmp/escj.log"
if command -v jq >/dev/null 2>&1; then
	if jq -e -s 'map(select(.event == "device")) | map(.device) | index("ff\ufffd") != null' \
		"$tmp/escj.log" >/dev/null 2>&1; then ok; else bad "jq on the JSON log"; fi
fi

# Kernel log records as /dev/kmsg writes them (every byte < 0x20, >= 0x7f and '\' as
# \xNN, msg_add_ext_text() in kernel/printk/printk.c): migtop unescapes the text, so the
# record's ESC, newline, 0xff and truncated UTF-8 are raw bytes until printed.
kfe="$tmp/esc.kmsg"
printf '%s\n' \
	"3,2001,6000000000,-;hisi_acc_vfio_pci $DST: name \\x1b]0;pwned\\x07 \\x1b[31mred\\x0a[ 1.0] forged \\xff \\xe2\\x82 caf\\xc3\\xa9" \
	' SUBSYSTEM=pci' " DEVICE=+pci:$DST" >"$kfe"

t "escape: kernel log text in --once text and --log text: escaped, valid UTF-8 kept"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --kmsg "$kfe" --once
want_rc 0
esc_raw "$out"
esc_utf8 "$out"
want_out $'err: hisi_acc_vfio_pci 0000:86:00\\.1: name \\\\x1b\\]0;pwned\\\\x07 \\\\x1b\\[31mred\\\\x0a\\[ 1\\.0\\] forged \\\\xff \\\\xe2\\\\x82 caf\xc3\xa9$'
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --kmsg "$kfe" --log "$tmp/esck.log" -n 1 -d 100
esc_raw "$tmp/esck.log"
if grep -q 'kernel err: .*name \\x1b\]0;pwned\\x07 .*forged \\xff \\xe2\\x82 caf' "$tmp/esck.log"; then
	ok
else
	bad "kernel line in the log: $(cat -A "$tmp/esck.log")"
fi

t "escape: kernel log text in JSON (--json, --log --json): valid UTF-8"
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --kmsg "$kfe" --once --json
want_rc 0
esc_utf8 "$out"
esc_jq "$out" '.devices[] | select(.name == "0000:86:00.1") | .kernel_log[0].text | test("forged \ufffd \ufffd\ufffd café$")'
LC_ALL=C.UTF-8 run --root "$esc_root" --fixture --kmsg "$kfe" --json --log "$tmp/esckj.log" -n 1 -d 100
esc_utf8 "$tmp/esckj.log"

t "escape: an error message that quotes a name is escaped on stderr"
LC_ALL=C.UTF-8 run --root "$tmp/"$'no\e[2Jsuch' --fixture --once
want_rc 1
esc_raw "$err"
want_err 'no\\x1b\[2Jsuch'

# ---- item 20: --log to a FIFO with no reader; an empty device list in pretty JSON --------
t "--log to a FIFO with no reader: a clear error at once, not a hang"
mkfifo "$tmp/esc.fifo"
fix pair-ok
esc_t0=$(date +%s%N)
timeout 10 "$MIGTOP" --root "$root" --fixture --log "$tmp/esc.fifo" -n 1 >"$out" 2>"$err"
rc=$?
ms=$((($(date +%s%N) - esc_t0) / 1000000))
if ((rc == 124)); then bad "migtop hung in open() (killed after 10 s)"; else ok; fi
want_rc 1
want_err 'cannot open the log .*esc\.fifo: it is a FIFO with no reader'
if ((ms < 2000)); then ok; else bad "took $ms ms"; fi

t "--log to a FIFO with a reader: the lines arrive"
cat "$tmp/esc.fifo" >"$tmp/esc.fifo.out" &
reader=$!
sleep 0.2
run --root "$root" --fixture --log "$tmp/esc.fifo" -n 1 -d 100
want_rc 0
wait "$reader"
if grep -q "Z $DST device added$" "$tmp/esc.fifo.out"; then ok; else bad "reader got: $(cat "$tmp/esc.fifo.out")"; fi

t "pretty JSON: an empty device list is \"devices\": []"
mkdir -p "$tmp/esc-empty"
run --root "$tmp/esc-empty" --fixture --once --json
want_out '^  "devices": \[\],?$'
want_no_out '^  \],?$'
