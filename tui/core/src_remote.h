/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_remote: a source that answers reads from what a `migtop --agent` on another host
 * last sent (core/agentproto.h), as the replay source answers from a recording.  The
 * agent pushes; the engine pulls: a read returns the file's latest content or errno, a
 * list the latest listing.  A path the agent never sent is ENOENT.
 *
 * Two layers: the state (rsrc_new, rsrc_feed: one line of the stream at a time, no I/O,
 * used by tests) and the transport (rsrc_spawn: run a command, `ssh -o BatchMode=yes DEST
 * migtop --agent ...`, and feed its stdout from a thread of its own; its stderr's last
 * line is kept for the status).  Thread-safe: the engine's readers, the feeding thread
 * and the status reader may run at once.
 */
#ifndef MIGTOP_CORE_SRC_REMOTE_H
#define MIGTOP_CORE_SRC_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/agentproto.h"
#include "core/src.h"

struct rsrc;

enum rsrc_state {
        RSRC_CONNECTING, /* started, no snapshot yet */
        RSRC_CONNECTED,  /* a snapshot arrived, the stream goes on */
        RSRC_DOWN,       /* the stream ended or was refused: error says why */
};

struct rsrc_status {
        enum rsrc_state state;
        struct ap_hello hello; /* valid once connected */
        uint64_t lines;        /* lines taken */
        uint64_t bytes;        /* bytes taken (with newlines) */
        uint64_t bad;          /* lines that did not decode (ignored) */
        int64_t last_ns;       /* CLOCK_MONOTONIC of the last line, 0: none */
        char error[512];       /* RSRC_DOWN: why; else the last bad line's reason */
};

/* A new state (label: for messages, "hvA").  0 or -ENOMEM. */
int rsrc_new(const char *label, struct rsrc **out);
/*
 * Take one line of the stream (without its newline).  0; -EPROTO when the hello names
 * another protocol version, or an error message from the agent, or a line before the
 * hello (the source is then down with the reason); -ENOMEM.  A line that does not decode
 * is counted and ignored (0).
 */
int rsrc_feed(struct rsrc *r, const char *line, size_t len);
/* The stream ended: down with why (unless already down for a reason). */
void rsrc_end(struct rsrc *r, const char *why);
void rsrc_status(struct rsrc *r, struct rsrc_status *out);
/*
 * Wait (real time, at most timeout_ms) until connected or down.  The state then.
 */
enum rsrc_state rsrc_wait(struct rsrc *r, int timeout_ms);
/*
 * A source over r (does not own it: free r after the source is closed).  root: for
 * messages ("hvA:/sys/kernel/debug/vfio").  0 or -ENOMEM.
 */
int rsrc_src(struct rsrc *r, const char *root, struct src **out);

/*
 * Run argv (argv[0] looked up in PATH) with a pipe on its stdin and stdout, and feed r
 * from its stdout on a thread.  Closing (rsrc_free) closes its stdin, which ends the
 * agent, and reaps it.  0 or negative errno.
 */
int rsrc_spawn(struct rsrc *r, char *const argv[]);
/* Send a control message to the agent (when spawned).  0 or negative errno. */
int rsrc_control(struct rsrc *r, const struct ap_ctl *c);
void rsrc_free(struct rsrc *r);

#endif
