#!/usr/bin/env bash
# Run every cmocka unit-test binary given; print one summary line; fail if any failed.
set -u
pass=0 fail=0 failed=()
for t in "$@"; do
	if out=$("$t" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed+=("$(basename "$t")")
		printf '%s\n' "$out"
	fi
	printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED)  \]' | sed "s|^|$(basename "$t"): |"
done
echo "unit: $pass binaries passed, $fail failed"
((fail == 0)) || { echo "unit: failing: ${failed[*]}"; exit 1; }
