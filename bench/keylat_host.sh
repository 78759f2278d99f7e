#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Key latency with --host links that are down or hang: the console must answer keys while
# a host's ssh never answers (a stand-in ssh that sleeps forever without output) or is
# refused (a stand-in ssh that fails at once, so the link is retried with backoff).  Runs
# the real migtop in tmux on the same local fixture pair in four sessions, sends `?` and
# Esc ROUNDS times to each (interleaved, so all see the same machine load), and prints
# the time from send-keys until the screen shows the answer:
#   n  no --host (the baseline)
#   g  --host hvG whose ssh hangs forever (no output, never exits)
#   r  --host hvR whose ssh is refused at once (down, reconnecting)
#   c  cat: the floor of this measuring method (tmux's own round trip)
# The measuring method is bench/keylat.sh's (sourced).
# A benchmark, not a test: it prints numbers and asserts nothing about them.
# Usage: bench/keylat_host.sh [ROUNDS]   (env MIGTOP, FIXGEN default to the build's binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
MIGTOP=${MIGTOP:-$PWD/tui/migtop}
FIXGEN=${FIXGEN:-$PWD/build/tests/mkfixture}
[[ -x $MIGTOP && -x $FIXGEN ]] || make -s tui/migtop build/tests/mkfixture
kl_sock=migtop-keylat-host-$$
kl_name=keylat_host
# shellcheck source=bench/keylat.sh
source bench/keylat.sh # the measuring method: tm, kl_wait, kl_rounds, kl_stats, kl_med
kl_tmp=$(mktemp -d)
tmp=$kl_tmp
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$tmp"' EXIT
"$FIXGEN" "$tmp/vfio" pair-qpnum >/dev/null
printf '#!/bin/sh\nexec sleep 3600\n' >"$tmp/ssh-hang"
printf '#!/bin/sh\necho "ssh: connect to host hvR port 22: Connection refused" >&2\nexit 255\n' \
	>"$tmp/ssh-refused"
chmod +x "$tmp/ssh-hang" "$tmp/ssh-refused"
export XDG_CONFIG_HOME=$tmp/xdg
base="$MIGTOP --root $tmp/vfio --fixture"
tm new-session -d -s n -x 120 -y 40 "$base"
tm new-session -d -s g -x 120 -y 40 "$base --ssh $tmp/ssh-hang --host hvG"
tm new-session -d -s r -x 120 -y 40 "$base --ssh $tmp/ssh-refused --host hvR"
for s in n g r; do kl_wait $s "$(now)" "0000:86:00.1" >/dev/null; done
kl_wait g "$(now)" "^hvG connecting" >/dev/null
kl_wait r "$(now)" "^hvR down" >/dev/null
kl_rounds "$rounds" '0000:86:00.1' n g r
# the links are still hung / down: the console never waited for them
gl=$(tm capture-pane -p -t g | grep -m1 '^hvG' || true)
rl=$(tm capture-pane -p -t r | grep -m1 '^hvR' || true)
echo "key latency, send-keys to screen, $((rounds * 2)) keys each (tmux round trip included):"
echo "  no host:               $(kl_stats "$tmp/n.lat")"
echo "  host link hangs:       $(kl_stats "$tmp/g.lat")  (at the end: ${gl:0:60})"
echo "  host refused (retry):  $(kl_stats "$tmp/r.lat")  (at the end: ${rl:0:60})"
echo "  cat (method's floor):  $(kl_stats "$tmp/c.lat")"
awk -v n="$(kl_med "$tmp/n.lat")" -v g="$(kl_med "$tmp/g.lat")" -v r="$(kl_med "$tmp/r.lat")" \
	'BEGIN { printf "  ratio of medians hung/none: %.2fx, refused/none: %.2fx (goal: answered < 100 ms)\n", g / n, r / n }'
