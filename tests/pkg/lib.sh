# shellcheck shell=bash
# Helpers for the packaging tests (sourced): PASS/FAIL lines, a count, a temp dir.
set -uo pipefail
# shellcheck disable=SC2034 # used by the tests that source this file
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pass=0 fail=0
t_name=${0##*/}
t_name=${t_name%.sh}
ok() {
	echo "PASS $t_name/$1"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $t_name/$1${2:+: $2}"
	fail=$((fail + 1))
}
# check NAME CMD...: PASS when CMD succeeds
check() {
	local n=$1
	shift
	if "$@"; then ok "$n"; else bad "$n"; fi
}
die() {
	echo "FAIL $t_name: $*"
	exit 1
}
finish() {
	echo "$t_name: $pass passed, $fail failed"
	[[ $fail -eq 0 ]]
}
is_root() { [[ $(id -u) -eq 0 ]]; }
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q "$@" </dev/null
}
installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }
# The console's status line with --theme NAME, from a binary run in a detached tmux session
# (TERM xterm-256color, 300x30) on an empty debugfs root.
console_status() {
	local bin=$1 theme=$2 home=$3 sock="migtop-pkg-$$" out
	mkdir -p "$home/root"
	tmux -L "$sock" -f /dev/null new-session -d -x 300 -y 30 \
		"env -u XDG_CONFIG_HOME HOME='$home' TERM=xterm-256color '$bin' --root '$home/root' --theme '$theme'; sleep 5" ||
		return 1
	sleep 1.5
	out=$(tmux -L "$sock" capture-pane -p)
	tmux -L "$sock" kill-server 2>/dev/null
	printf '%s\n' "$out"
}
