/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * agent: `migtop --agent`, the side of a remote host that runs behind ssh.  It runs the
 * engine on its own tree (o->root, --fixture, the kernel log as in batch mode) and writes
 * the protocol of core/agentproto.h on out: a hello, a full snapshot once the first reads
 * have answered, then deltas of what the engine read that changed (files, errnos, listings:
 * devices appearing and going), the kernel log records as they come, and a heartbeat when
 * nothing else was written for AGENT_HB_MS.  What it sends is what the engine's reads
 * returned (a source wrapped around the local one), so a client replays it as a source.
 *
 * It reads only control lines on in (core/agentproto.h).  A line that is not one (a path,
 * a command, garbage, too long) is ignored, counted in the heartbeats' "bad" and told on
 * err (the first AGENT_BAD_TOLD of them); it never ends the agent.  The agent ends when
 * in reaches end of file or on "quit" (exit 0), or when out cannot be written (1).  It
 * never writes anywhere but out and err: the tree is only read.
 */
#ifndef MIGTOP_AGENT_H
#define MIGTOP_AGENT_H

#include <stdio.h>

#include "batch.h"

#define AGENT_HB_MS    5000
#define AGENT_BAD_TOLD 10

/*
 * Run until in closes.  Uses o->root, o->fixture, o->kmsg, o->no_kmsg, o->deadline_ms and
 * o->interval_ms (the state polling period, default 1000).  Returns an exit code.
 */
int agent_run(const struct batch_opts *o, int in, FILE *out, FILE *err);

#endif
