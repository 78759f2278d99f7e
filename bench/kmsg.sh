#!/usr/bin/env bash
# Build and run the kernel log benchmark (bench/bench_kmsg.c): the engine's CPU with and
# without reading the kernel log, under a flood of records (live /dev/kmsg as root, and a
# --kmsg file).  Writes -n records into this machine's kernel log: not for production hosts.
# Usage: bench/kmsg.sh [-n records] [-d devices] [-r rounds]
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
make -s -j2 B="$B" "$B/libmigtop-core.a" "$B/libmigtop-engine.a"
mkdir -p "$B/bench"
# shellcheck disable=SC2046
$CC -std=c11 -O2 -g -D_GNU_SOURCE -Itui -Wall -Wextra -Wshadow -Wformat=2 \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	$($PKG_CONFIG --cflags json-c) -o "$B/bench/bench_kmsg" bench/bench_kmsg.c \
	"$B/libmigtop-engine.a" "$B/libmigtop-core.a" \
	$($PKG_CONFIG --libs json-c libudev libpci) -lpthread
exec "$B/bench/bench_kmsg" "$@"
