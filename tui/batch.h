/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch: the non-interactive modes, all through the engine (engine/engine.h):
 *   --once    one snapshot (pretty JSON or readable text), reads bounded by a deadline;
 *   -n N      N snapshots interval_ms apart (JSON lines, or text blocks after a time line);
 *   --log F   one line per state, file and device change into F (reopened on SIGHUP),
 *             until SIGINT/SIGTERM or the -n snapshots are done.
 * Each device gets its sysfs facts (engine/discover.h) and devices that sysfs shows as
 * migration capable but debugfs lacks are listed as "sysfs_only".
 * Exit codes: BATCH_EXIT_OK, BATCH_EXIT_ENV (the tree could not be read: message on
 * stderr, {"error": ...} on stdout in JSON mode), BATCH_EXIT_USAGE (main's),
 * BATCH_EXIT_PARTIAL (a snapshot was printed with files still "unread": the time for
 * the snapshot, --deadline plus a margin, ran out before their reads were even
 * started or answered; a "blocked" file is an observation and does not count).
 */
#ifndef MIGTOP_BATCH_H
#define MIGTOP_BATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "core/src.h"

#define BATCH_EXIT_OK      0
#define BATCH_EXIT_ENV     1
#define BATCH_EXIT_USAGE   2
#define BATCH_EXIT_PARTIAL 3

#define BATCH_DEADLINE_DEFAULT 1000 /* ms: a read in flight longer is "blocked" */
#define BATCH_INTERVAL_DEFAULT 1000 /* ms between -n snapshots */

struct batch_opts {
        const char *root;       /* directory of the vfio debugfs tree */
        const char *sysfs_root; /* directory holding sys/; NULL: "/" when root is the
                                   default debugfs directory, else no sysfs discovery */
        bool json;              /* JSON instead of text (snapshots and log lines) */
        bool fixture;           /* root is an offline copy with NAME.errno sidecar files */
        const char *pair_src;   /* --pair SRC=DST, both NULL when not given */
        const char *pair_dst;
        int deadline_ms;               /* read deadline (0: BATCH_DEADLINE_DEFAULT) */
        long count;                    /* snapshots to print: 1 (--once), N (-n), 0 (--log only) */
        bool lines;                    /* -n: compact JSON lines / text blocks after a time line */
        int interval_ms;               /* between snapshots, and the state polling period cap */
        const char *log_path;          /* --log FILE ("-": stdout), NULL: no log */
        const char *kmsg;              /* --kmsg PATH: a file of /dev/kmsg records, or the device */
        bool no_kmsg;                  /* --no-kmsg */
        const struct stuck_cfg *stuck; /* --stuck thresholds; NULL: stuck_default() */

        const char *textfile;  /* --textfile DIR: replace DIR/migtop.prom each snapshot */
        bool openmetrics;      /* --openmetrics: snapshots as OpenMetrics text on stdout */
        const char *record;    /* --record FILE: record what is read (core/rec.h), NULL: no */
        uint64_t record_max;   /* --record-max: rotate FILE to FILE.1 past this size; 0 */
        const char *replay;    /* --replay FILE: read a recording instead of root */
        const char *replay_at; /* --at TIME: the moment replayed (NULL: the recording's end) */
        const struct remote_host *hosts; /* --host SPEC (remote.h), nhosts of them */
        size_t nhosts;
        const char *ssh; /* --ssh CMD or MIGTOP_SSH; NULL: REMOTE_SSH_DEFAULT */
        bool no_local;   /* --no-local: only the hosts' devices */
};

struct klog;
struct remote_host;
struct stuck_cfg;
struct src_rec;

/*
 * --record: open o->record (header: this host's name and kernel release, o->root) and
 * wrap *s (when not NULL) into a source that records what it reads.  On failure *s is
 * closed (NULL) and msg says why.  0 or negative errno.
 */
int batch_open_rec(const struct batch_opts *o, struct src_rec **rec, struct src **s, char *msg,
                   size_t size);

/*
 * The kernel log these options ask for: --kmsg PATH; else /dev/kmsg for the live local
 * tree (the default root without --fixture); none with --root DIR, --fixture or
 * --no-kmsg (*out NULL).  A /dev/kmsg that cannot be read is no error: *out is then
 * unavailable with the reason ("not root: ...").  Negative errno with msg set when a
 * --kmsg file cannot be read or is malformed ("FILE: line N: ...").
 */
int batch_open_klog(const struct batch_opts *o, struct klog **out, char *msg, size_t size);

/* Run, writing to out (data) and err (messages).  Returns an exit code. */
int batch_run(const struct batch_opts *o, FILE *out, FILE *err);

/*
 * The source main and batch read through: the local tree at root; with fixture, NAME.errno
 * sidecars stand for failed reads and a FIFO for a read that blocks until written to.
 * 0 or negative errno (the root cannot be opened).
 */
int batch_open_src(const char *root, bool fixture, struct src **out);

/*
 * The message for a root that cannot be opened (positive errno): what is wrong and how
 * to fix it (mount debugfs, CONFIG_VFIO_DEBUGFS, run as root, check --root).
 */
void batch_root_message(int err, const char *root, char *msg, size_t size);

#endif
