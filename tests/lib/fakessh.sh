# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the test suites: a stand-in for ssh, for --ssh.  The script drops ssh's
# "-o OPTION" pairs and the destination and runs the remote command line here, as ssh would
# run it on the host (its stderr and exit status pass through).
#   fakessh_write PATH [-l NAME] [-d PREFIX] [-t PREFIX] [-x]
#     -l NAME    append each destination to the file NAME next to the script
#     -d PREFIX  while the file PREFIXDEST exists next to the script, fail as ssh does when
#                the host refuses the connection (exit 255, ssh's message)
#     -t PREFIX  append what is written to the remote command's stdin to PREFIXDEST
#     -x         run the command line as "exec LINE" (the shell gives way to the command)

fakessh_write() {
	local path=$1 log="" down="" tee="" ex="" o
	shift
	OPTIND=1
	while getopts l:d:t:x o; do
		case $o in
		l) log=$OPTARG ;;
		d) down=$OPTARG ;;
		t) tee=$OPTARG ;;
		x) ex="exec " ;;
		*) return 2 ;;
		esac
	done
	# shellcheck disable=SC2016 # $1, $dest, $0 and $* are the script's, not expanded here
	{
		printf '%s\n' '#!/bin/sh' 'while [ "$1" = -o ]; do shift 2; done' 'dest=$1'
		[[ -z $log ]] || printf 'echo "$dest" >>"${0%%/*}/%s"\n' "$log"
		printf '%s\n' 'shift'
		if [[ -n $down ]]; then
			printf 'if [ -e "${0%%/*}/%s$dest" ]; then\n' "$down"
			printf '\t%s\n' 'echo "ssh: connect to host $dest port 22: Connection refused" >&2' 'exit 255'
			printf 'fi\n'
		fi
		if [[ -n $tee ]]; then
			printf 'tee -a "${0%%/*}/%s$dest" | sh -c "%s$*"\n' "$tee" "$ex"
		else
			printf 'exec sh -c "%s$*"\n' "$ex"
		fi
	} >"$path" && chmod +x "$path"
}
