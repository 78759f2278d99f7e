# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by tests/cli/run.sh (its helpers: t, run, fix, want_*).  The agent's cheap
# polling (man page, REMOTE AGENT): it polls as the console does with nothing on screen,
# and still sends every change it reads: each step of a migration of a device that was
# idle reaches the wire, once and in order; a changed migf_data too; an idle device's state
# is read less often than a migrating one's (strace), unless the client names it in a focus.

# (ag_wait and ag_put: tests/lib/agent.sh, sourced by run.sh)
a2_in="$tmp/agent2.in"
a2_pid=""
a2_start() { # a2_start ARGS...: like t_agent.sh's ag_start, stdin a FIFO held on fd 7
	rm -f "$a2_in"
	mkfifo "$a2_in"
	"$@" <"$a2_in" >"$out" 2>"$err" &
	a2_pid=$!
	exec 7>"$a2_in"
}
a2_stop() {
	exec 7>&-
	for _ in $(seq 30); do
		kill -0 "$a2_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$a2_pid" 2>/dev/null
	wait "$a2_pid"
	rc=$?
}
# many 4: 0000:3b:00.0 RUNNING (idle), 0000:3b:00.1 PRE_COPY (with a migf_data),
# 0000:3b:00.2 STOP_COPY, an mdev in STOP
a2_idle=0000:3b:00.0
a2_mig=0000:3b:00.1

t "agent2: every step of a migration of an idle device is sent, once and in order"
fix many 4
a2_start "$MIGTOP" --agent --root "$root" --fixture -d 200
if ag_wait '^\{"t":"snap"' 5; then ok; else bad "no snapshot within 5 s"; fi
sleep 1
steps=(PRE_COPY STOP_COPY STOP RUNNING)
late=""
for s in "${steps[@]}"; do
	t0=$(date +%s%N)
	ag_put "$root/$a2_idle/migration/state" "$s"
	# idle: read every 4 intervals (800 ms); then hot: every interval (200 ms)
	if ! ag_wait "^\\{\"t\":\"delta\".*\"p\":\"$a2_idle/migration/state\",\"d\":\"$s\\\\n\"" 5; then
		bad "$s of $a2_idle not sent within 5 s"
		break
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "  agent2: $a2_idle -> $s on the wire after $ms ms"
	# after the first step the device is hot: a step is seen within one interval (and
	# the 100 ms of ag_wait); 1500 ms leaves room for a loaded machine
	if [[ $s != PRE_COPY ]] && ((ms > 1500)); then late="$late $s:${ms}ms"; fi
	sleep 0.3
done
if [[ -z $late ]]; then ok; else bad "steps after the first were late:$late"; fi
got=$(grep '^{"t":"delta"' "$out" | grep -o "\"p\":\"$a2_idle/migration/state\",\"d\":\"[A-Z_]*" |
	sed 's/.*"d":"//' | tr '\n' ' ')
if [[ $got == "PRE_COPY STOP_COPY STOP RUNNING " ]]; then ok; else
	bad "the deltas of $a2_idle's state: '$got', want 'PRE_COPY STOP_COPY STOP RUNNING '"
fi

t "agent2: a changed migf_data is sent (a big file, read every second)"
f="$root/$a2_mig/migration/hisi_acc/migf_data"
sed 's/^\(Mig Data:00000040: 00 00 11\) 11/\1 12/' "$f" >"$f.new" && mv "$f.new" "$f"
if grep -q '^Mig Data:00000040: 00 00 11 12' "$f"; then ok; else bad "the fixture's migf_data did not change"; fi
if ag_wait "^\\{\"t\":\"delta\".*\"p\":\"$a2_mig/migration/hisi_acc/migf_data\",\"d\":\"[^\"]*00 00 11 12" 4; then
	ok
else bad "the new migf_data of $a2_mig was not sent within 4 s"; fi
a2_stop
want_rc 0

# a2_traced TRACE [FOCUS_LINES...]: an agent of "many 4" at -d 100 under strace (openat to
# TRACE), sent each line after its snapshot, for about 3 s.  1: strace cannot trace here.
a2_traced() {
	local trace=$1
	shift
	command -v strace >/dev/null && strace -f -qq -e trace=none true 2>/dev/null || return 1
	fix many 4
	a2_start strace -f -qq -e trace=openat -o "$trace" \
		"$MIGTOP" --agent --root "$root" --fixture -d 100
	ag_wait '^\{"t":"snap"' 5
	(($# == 0)) || printf '%s\n' "$@" >&7
	sleep 3
	a2_stop
}
a2_reads() { grep -c "\"$2/migration/state\"" "$1"; } # a2_reads TRACE DEV

t "agent2: an idle device's state is read less often than a migrating one's (strace)"
if a2_traced "$tmp/agent2.trace"; then
	n_idle=$(a2_reads "$tmp/agent2.trace" "$a2_idle")
	n_mig=$(a2_reads "$tmp/agent2.trace" "$a2_mig")
	echo "  agent2: state reads in about 3 s: idle $n_idle, migrating $n_mig"
	# every 100 ms migrating, every 400 ms idle
	if ((n_mig >= 10 && n_idle * 2 < n_mig)); then ok; else
		bad "state reads: idle $n_idle, migrating $n_mig (want idle < half)"
	fi
else
	echo "skip: strace cannot trace here"
fi

t "agent2: a focus from the client puts its idle devices back at the interval (strace); paths are refused"
# many 4: $a2_idle RUNNING and the mdev in STOP, both idle; the focus names the first.  A
# path, a name with '/', a name it does not have: refused or ignored, nothing opened.
a2_mdev=6d696703-0000-4000-8000-000000000003
if a2_traced "$tmp/agent2f.trace" '{"t":"focus","dev":["../../../etc"]}' \
	'{"t":"focus","dev":["'"$a2_idle"'/migration/state"]}' \
	'{"t":"focus","dev":["'"$a2_idle"'","nosuchdev"]}'; then
	if head -1 "$out" | grep -q '^{"t":"hello".*"focus":true'; then ok; else bad "the hello does not say \"focus\":true"; fi
	n_foc=$(a2_reads "$tmp/agent2f.trace" "$a2_idle")
	n_idle=$(a2_reads "$tmp/agent2f.trace" "$a2_mdev")
	echo "  agent2: state reads in about 3 s: focused idle $n_foc, idle $n_idle"
	# focused: every 100 ms; idle: every 400 ms
	if ((n_foc >= 10 && n_idle * 2 < n_foc)); then ok; else
		bad "state reads: focused idle $n_foc, idle $n_idle (want idle < half of focused)"
	fi
	if grep -q "control line ignored: \"focus\": dev\[0\] is not a device name" "$err"; then ok; else
		bad "a focus naming a path was not refused: $(head -c 300 "$err")"
	fi
	if grep -Eq 'nosuchdev|\.\./\.\./\.\./etc' "$tmp/agent2f.trace"; then
		bad "the agent opened a name the client sent: $(grep -E 'nosuchdev|\.\./etc' "$tmp/agent2f.trace" | head -3)"
	else ok; fi
else
	echo "skip: strace cannot trace here"
fi
