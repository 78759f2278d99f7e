# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by tests/cli/run.sh: waiting for a line and replacing a file in one step, for the
# tests of the agent and of --host (the agent or migtop runs in the background).
#   ag_wait REGEX SECONDS [FILE]  until a line of FILE (default $out) matches (0), or the
#                                 time is out (1)
#   ag_put FILE LINE              FILE becomes LINE in one step (a reader never sees it
#                                 half written)

ag_wait() {
	local n=$(($2 * 10)) f=${3:-$out}
	for _ in $(seq "$n"); do
		grep -Eq -- "$1" "$f" && return 0
		sleep 0.1
	done
	return 1
}
ag_put() { printf '%s\n' "$2" >"$1.new" && mv "$1.new" "$1"; }
