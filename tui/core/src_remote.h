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

/*
 * A link that ends (the agent exits, ssh fails, the connection drops, nothing came for
 * RSRC_SILENCE_MS) is started again after a delay: RSRC_BACKOFF_MIN_MS after a link that
 * had connected, doubling after each attempt that did not, up to RSRC_BACKOFF_MAX_MS.
 * Until a new snapshot arrives the last data stays (a read answers what the agent last
 * sent: the caller shows it as stale); the new snapshot replaces it whole.
 */
#define RSRC_BACKOFF_MIN_MS 1000
#define RSRC_BACKOFF_MAX_MS 30000
#define RSRC_SILENCE_MS     15000 /* three of the agent's heartbeats (AGENT_HB_MS) */
#define RSRC_PING_MS        5000  /* a ping to an agent that answers them: rtt_ms */
/*
 * A read of a path the agent has not sent yet though its listings name it (a device just
 * added: the listing comes first, its files with the agent's next reads) waits for it
 * while the link is connected, until this long after the device was added (then ENOENT),
 * as a read in flight.
 */
#define RSRC_COMING_MS 3000

enum rsrc_state {
        RSRC_CONNECTING,   /* the first link is started, no snapshot yet */
        RSRC_CONNECTED,    /* a snapshot arrived on this link, the stream goes on */
        RSRC_DOWN,         /* the link ended or was refused (error says why); the next
                              attempt starts at retry_ns */
        RSRC_RECONNECTING, /* a later link is started, no snapshot on it yet */
};

struct rsrc_status {
        enum rsrc_state state;
        struct ap_hello hello; /* the agent's, once a hello came (have_hello) */
        bool have_hello;
        uint64_t lines;    /* lines taken (all links) */
        uint64_t bytes;    /* bytes taken (with newlines) */
        uint64_t bad;      /* lines that did not decode (ignored) */
        int64_t last_ns;   /* CLOCK_MONOTONIC of the last line, 0: none */
        int64_t since_ms;  /* CLOCK_REALTIME ms of the last change of state */
        int64_t retry_ns;  /* RSRC_DOWN: CLOCK_MONOTONIC of the next attempt, 0: none */
        unsigned attempts; /* links started */
        unsigned changes;  /* changes of state so far (to notice one between two looks) */
        int rtt_ms;        /* the last control round trip, -1: not measured */
        char error[512];   /* RSRC_DOWN, RSRC_RECONNECTING: why the last link ended; else
                              the last bad line's reason, or "" */
};

/* "connecting", "connected", "down", "reconnecting" */
const char *rsrc_state_name(enum rsrc_state s);
/* The delay before the next attempt, after one that waited prev_ms (0: the first failure)
   and connected or not. */
int rsrc_backoff_ms(int prev_ms, bool connected);

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
 * Wait (real time, at most timeout_ms) until the first link connected or ended.  The
 * state then.
 */
enum rsrc_state rsrc_wait(struct rsrc *r, int timeout_ms);
/*
 * A source over r (does not own it: free r after the source is closed).  root: for
 * messages ("hvA:/sys/kernel/debug/vfio").  0 or -ENOMEM.
 */
int rsrc_src(struct rsrc *r, const char *root, struct src **out);

/*
 * Run argv (argv[0] looked up in PATH) with a pipe on its stdin and stdout, and feed r
 * from its stdout on a thread; when it ends, run it again (the backoff above), until
 * rsrc_free, which closes its stdin (that ends the agent) and reaps it.  0 or negative
 * errno (argv copied).
 */
int rsrc_spawn(struct rsrc *r, char *const argv[]);
/*
 * Send a control message to the agent.  An interval or a pause/resume is also sent to
 * every later link.  A focus is sent only to an agent whose hello says it takes one (once
 * the hello came), only when it differs from the last, and again on every later link; when
 * the agent's pipe is full it is sent once the link has room.  The write never blocks: a
 * line that finds the pipe full is not sent (-EAGAIN; an interval or pause still holds for
 * later links).  0, or negative errno (-ENOTCONN: no link now; kept for the next).
 */
int rsrc_control(struct rsrc *r, const struct ap_ctl *c);
/*
 * Ask the link to end (its stdin closed: the agent exits), no further attempt; returns at
 * once.  rsrc_free does it too, then waits for the link (2 s, then SIGTERM): stopping
 * every host first lets their links end together.
 */
void rsrc_stop(struct rsrc *r);
void rsrc_free(struct rsrc *r);

/*
 * The kernel log records the agent sent ("klog"), queued for the client's kernel log (at
 * most RSRC_KLOG_MAX waiting; more are dropped and counted).  rsrc_klog_next takes the
 * oldest: 1 with *raw (malloc'd, the caller frees it), *len and *link (may be NULL: the
 * link it came on, counted from 1 by the agents' hellos: a new link reads its host's ring
 * again from its start); 0: none waiting; either way *dropped is the count of records
 * dropped since the last call.
 * rsrc_klog_notify: fd (an eventfd) is written to when records arrive (-1: none).
 */
#define RSRC_KLOG_MAX 4096
/* What the host's sysfs says of its device dev (as the agent last sent): 0, or -ENOENT. */
int rsrc_sys(struct rsrc *r, const char *dev, struct ap_sys *out);
int rsrc_klog_next(struct rsrc *r, char **raw, size_t *len, uint64_t *dropped, unsigned *link);
void rsrc_klog_notify(struct rsrc *r, int fd);

#endif
