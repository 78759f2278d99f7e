# shellcheck shell=bash
# Sourced by tests/cli/run.sh: option errors name the option.

t "--root '' names the option (not the empty argument)"
run --root '' --once
want_rc 2
want_err "^migtop: --root needs a directory"

t "--sysfs-root '' names the option"
run --sysfs-root '' --once
want_rc 2
want_err "^migtop: --sysfs-root needs a directory"

t "--root= (empty, glued) names the option"
run --root= --once
want_rc 2
want_err "^migtop: --root needs a directory"
