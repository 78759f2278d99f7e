# shellcheck shell=bash
# Sourced by tests/cli/run.sh: SIGTERM ends a batch run cleanly whatever threads it started
# before it blocked the signals (the recording's flusher, a remote link's feeder): exit 0,
# the recording closed whole, the last line finished.  In the VM e2e a `--record` run
# killed with SIGTERM exited 143 and its recording was cut (issue 11).

# term_run SECONDS ARGS...: migtop ARGS in the background, SIGTERM SECONDS after it blocked
# the signal (run.sh's signals_blocked); $rc
term_run() {
	local s=$1
	shift
	"$MIGTOP" "$@" >"$out" 2>"$err" &
	local pid=$!
	signals_blocked "$pid" 15 || bad "migtop never blocked SIGTERM"
	sleep "$s"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
}

t "SIGTERM: a --record run exits 0 and its recording is whole"
fix pair-ok
term_run 1.5 --root "$root" --fixture --json -n 100000 -d 200 --record "$tmp/sig.rec"
want_rc 0
tail -c 2 "$out" | od -An -c | grep -q '}  *\\n' && ok || bad "the last snapshot was cut: $(tail -c 40 "$out")"
run --replay "$tmp/sig.rec" --dump
want_rc 0
if grep -q 'cut at byte\|damaged' "$err"; then bad "the recording was not closed: $(head -c 200 "$err")"; else ok; fi
tail -1 "$out" | grep -q '^{"type":"end","records":[0-9]*,"message":null}$' && ok || bad "no clean end: $(tail -1 "$out")"

t "SIGTERM: a --host run (a link's feeding thread) exits 0"
fakessh_write "$tmp/sig-ssh"
fix pair-ok
MIGTOP_FIXTURE=1 term_run 2 --no-local --ssh "$tmp/sig-ssh" --host "hvS,root=$root,cmd=$MIGTOP" \
	--json -n 100000 -d 200
want_rc 0
grep -q '"name":"hvS:'"$SRC"'"' "$out" && ok || bad "no snapshot of hvS:$SRC before the signal"
