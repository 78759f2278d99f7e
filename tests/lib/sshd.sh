# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the test suites: a real OpenSSH sshd (Debian's openssh-server) for a test, on
# 127.0.0.1 and an unprivileged port, with its own host key, client key, wrong key and
# authorized_keys; nothing reads or writes the machine's ssh configuration (sshd -f and
# ssh -F name the test's own files).
#   sshd_usable            0 when sshd ($sshd_bin), ssh-keygen and ssh are installed
#   sshd_start DIR [PORT]  keys, sshd_config and sshd.log in DIR; the first free port of
#                          PORT..PORT+20 (default 20000 + $$ % 20000).  Sets sshd_port,
#                          sshd_pid and sshd_ssh (the client command line, without -i:
#                          add -i DIR/client_key or -i DIR/wrong_key).  Non-zero when sshd
#                          did not start, sshd_port empty and the reason in sshd_why.
#   sshd_stop              ends the sshd of the last sshd_start

sshd_bin=${sshd_bin:-/usr/sbin/sshd}
# shellcheck disable=SC2034 # for the caller
sshd_port="" sshd_pid="" sshd_ssh="" sshd_why=""

sshd_usable() {
	[[ -x $sshd_bin ]] && command -v ssh-keygen >/dev/null && command -v ssh >/dev/null
}

sshd_start() {
	local d=$1 first=${2:-$((20000 + $$ % 20000))} p k
	sshd_port="" sshd_pid="" sshd_why=""
	mkdir -p "$d" || { sshd_why="cannot make $d"; return 1; }
	for k in host_key client_key wrong_key; do
		rm -f "$d/$k" "$d/$k.pub"
		ssh-keygen -q -t ed25519 -N '' -f "$d/$k" || { sshd_why="ssh-keygen failed ($k)"; return 1; }
	done
	cp "$d/client_key.pub" "$d/authorized_keys"
	chmod 600 "$d/authorized_keys"
	# root's sshd wants its privilege separation directory (a runtime directory, no config)
	if [[ $(id -u) -eq 0 && ! -d /run/sshd ]]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi
	for p in $(seq "$first" $((first + 20))); do
		cat >"$d/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $p
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys
PidFile $d/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers $(id -un)
Subsystem sftp internal-sftp
CFG
		"$sshd_bin" -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
		sshd_pid=$!
		for _ in $(seq 30); do
			grep -q "Server listening on 127.0.0.1 port $p" "$d/sshd.log" && break
			kill -0 "$sshd_pid" 2>/dev/null || break
			sleep 0.1
		done
		if grep -q "Server listening on 127.0.0.1 port $p" "$d/sshd.log"; then
			sshd_port=$p
			break
		fi
		kill "$sshd_pid" 2>/dev/null
		wait "$sshd_pid" 2>/dev/null
		sshd_pid=""
	done
	# shellcheck disable=SC2034 # for the caller
	sshd_ssh="ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p $sshd_port"
	if [[ -z $sshd_port ]]; then
		# shellcheck disable=SC2034 # for the caller
		sshd_why=$(tail -2 "$d/sshd.log")
		return 1
	fi
}

sshd_stop() {
	[[ -n $sshd_pid ]] || return 0
	kill "$sshd_pid" 2>/dev/null
	wait "$sshd_pid" 2>/dev/null
	sshd_pid=""
}
