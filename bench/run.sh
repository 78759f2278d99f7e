#!/usr/bin/env bash
# Build and run the poll benchmark (bench/bench_poll.c) against the engine and core libs.
# Usage: bench/run.sh [bench_poll options: -n devices -r rounds]
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
	$($PKG_CONFIG --cflags json-c) -o "$B/bench/bench_poll" bench/bench_poll.c \
	"$B/libmigtop-engine.a" "$B/libmigtop-core.a" \
	$($PKG_CONFIG --libs json-c libudev libpci) -lpthread
exec "$B/bench/bench_poll" "$@"
