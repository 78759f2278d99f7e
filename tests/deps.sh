#!/usr/bin/env bash
# Install the Debian 12 packages migtop needs to build and test.  As root, missing packages
# are installed with apt-get; otherwise the command to run is printed and the script fails.
set -euo pipefail

pkgs=(
	# build
	make gcc clang pkg-config libncurses-dev libudev-dev libpci-dev libjson-c-dev
	libzstd-dev zlib1g-dev
	# tests: unit, sanitizers, fuzzing, screen, man page, format
	libcmocka-dev libclang-rt-14-dev llvm-14 tmux mandoc clang-format
	# tests: fleet metrics (promtool, node_exporter's textfile collector, an OpenMetrics parser)
	prometheus prometheus-node-exporter curl python3-prometheus-client
	# tests: the remote agent (tests/cli/t_agent*.sh: a loopback sshd, strace of the agent)
	openssh-server openssh-client strace
	# packages and install: make deb (debian/), lintian, the dkms and apt tests (tests/pkg)
	dpkg-dev debhelper dh-dkms dkms lintian man-db
	# kernel module, VM end-to-end test
	gcc-12 pahole qemu-system-x86 busybox-static cpio xz-utils kmod zstd linux-source-6.12 jq
	ca-certificates
)

missing=()
for p in "${pkgs[@]}"; do
	[[ $p == \#* ]] && continue
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#pkgs[@]} Debian packages present"
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run as root:  apt-get update && apt-get install --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${#missing[@]} packages"
