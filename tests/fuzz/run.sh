#!/usr/bin/env bash
# Bounded, reproducible run of every fuzzer: tests/fuzz/run.sh SECONDS BIN...
# Each fuzzer runs FUZZ_RUNS inputs (default 200000) from a fixed seed (FUZZ_SEED, default
# 1), so that CI gives the same verdict on every run, capped at SECONDS.  Exploration is a
# separate, unseeded run: build/fuzz/fuzz_NAME -max_total_time=600.
# Each fuzzer starts from its corpus (tests/fuzz/corpus/<name>/ when present, kept in a
# scratch copy so runs never grow the tree) and stops after SECONDS; a crash fails the run
# and leaves the reproducer in build/fuzz/crashes/.
set -uo pipefail
secs=${1:?usage: run.sh SECONDS BIN...}
shift
here=$(cd "$(dirname "$0")" && pwd)
crashdir=build/fuzz/crashes
mkdir -p "$crashdir"
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	work=$(mktemp -d)
	if [[ -d $here/corpus/$name ]]; then
		cp -r "$here/corpus/$name/." "$work/"
	fi
	if "$bin" -seed="${FUZZ_SEED:-1}" -runs="${FUZZ_RUNS:-200000}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$crashdir/$name-" -print_final_stats=0 "$work" \
		>"$work.log" 2>&1; then
		runs=$(grep -oE 'Done [0-9]+ runs' "$work.log" | tail -1)
		echo "fuzz: $name ok (${runs:-ran}, seed ${FUZZ_SEED:-1})"
		pass=$((pass + 1))
	else
		echo "fuzz: $name FAILED; log tail:" >&2
		tail -30 "$work.log" >&2
		fail=$((fail + 1))
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $pass passed, $fail failed"
((fail == 0))
