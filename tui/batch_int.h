/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch internals shared by batch.c (the run: signals, waits, snapshots), batch_open.c
 * (the sources, recording and kernel log opened from the options), batch_hosts.c (--host:
 * stale devices, host status words, --log host lines), batch_text.c (readable output),
 * batch_json.c (JSON output and fatal errors) and batch_prom.c (metrics).
 */
#ifndef MIGTOP_BATCH_INT_H
#define MIGTOP_BATCH_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "batch.h"

struct engine;
struct evlog;
struct disc;
struct klog;
struct src_rec;
struct src;
struct replay;
struct rpl;
struct engine_snap;
struct engine_file_info;
struct disc_merged;
struct disc_entry;
struct pair_result;
struct pair_side;
struct json_object;
struct remote;

#define BATCH_MS_NS         1000000LL
#define BATCH_MARGIN_MS     500  /* settle budget past the deadline */
#define BATCH_COSTLY_MIN_MS 1000 /* dev_data/cmd_state: mailbox commands, driver locks */

struct batch_ctx {
        const struct batch_opts *o;
        FILE *out, *err;
        struct engine *e;
        struct evlog *log;
        struct disc *disc; /* NULL: no sysfs discovery */
        struct klog *klog; /* NULL: no kernel log */
        int sfd;           /* signalfd of SIGINT, SIGTERM (and SIGHUP with --log), or -1 */
        int stop_sig;      /* the SIGINT/SIGTERM that stopped the run, or 0 */
        int out_watch;     /* stdout's fd when it is a pipe or socket (its reader may go), or -1 */
        int out_err;       /* positive errno: writing the output failed */
        bool printed;      /* a snapshot was printed */
        bool partial;      /* the last snapshot printed had files still unread */
        bool told_partial; /* the unread message was printed */
        int deadline_ms;
        int interval_ms;
        int64_t now_ns;       /* monotonic (the engine's clock) when the snapshot was taken */
        uint64_t prom_errors; /* migtop_scrape_errors_total (batch_prom.c) */
        /* --record, or NULL */
        struct src_rec *rec;
        /* --replay: the replayer (the recording, its player: the engine's source and
           clock), its recording, the end */
        struct rpl *rpl;
        struct replay *rp;
        int64_t replay_end; /* --at, else the last record's time */
        /* --replay without --pair of a run that had one: o is o_rec, the options with the
           recorded pair (in pair_buf) */
        struct batch_opts o_rec;
        char pair_buf[256];
        /* --host: the hosts' links, and each one's count of status changes logged */
        struct remote *rem;
        unsigned host_logged[16]; /* REMOTE_MAX_HOSTS */
};

/* ---- batch.c ---- */
void batch_json_put(FILE *out, struct json_object *j, bool pretty);
void batch_time(char *buf, size_t n); /* the wall-clock time, as evlog prints it */
int64_t batch_mono_ns(void);
/* One turn of a batch loop: 1 stopped by a signal, else engine_process() and a check of
   the output's write errors (0, or a negative errno). */
int batch_step(struct batch_ctx *c);
/* The discovery entry of device name in m (sorted by name), or NULL. */
const struct disc_entry *batch_entry(const struct disc_merged *m, const char *name);

/* ---- batch_hosts.c ---- */
/*
 * --host: whether device name is a remote host's whose link is not connected now (its
 * data is what the agent sent last): *age_ms the age of that data, *host the index.
 */
bool batch_dev_stale(const struct batch_ctx *c, const char *name, long long *age_ms, long *host);
/* What the host's sysfs says of remote device name (its agent sent it): true, *out. */
struct disc_dev;
bool batch_remote_sysfs(const struct batch_ctx *c, const char *name, struct disc_dev *out);
/* The words of host i's status ("next attempt in 4 s", "last data 0.2 s ago") for text. */
void batch_host_detail(const struct batch_ctx *c, size_t i, char *buf, size_t n);
/* --log: a line for each host whose status changed since the last look. */
void batch_hosts_log(struct batch_ctx *c);

/* ---- batch_replay.c ---- */
/* Open c->o->replay: the replayer (c->rpl, c->rp), its source, c->klog, c->replay_end. */
int batch_replay_open(struct batch_ctx *c, struct src **s, char *msg, size_t size);
void batch_replay_close(struct batch_ctx *c);
/* The engine on the player's clock; then the engine the replayer's steps drive (c->e). */
struct engine_opts;
void batch_replay_engine(struct batch_ctx *c, struct engine_opts *eo);
void batch_replay_attach(struct batch_ctx *c);
/* Run the recording to until_ns (-1: its end); 1 when asked past its end (or a signal). */
int batch_replay_wait(struct batch_ctx *c, int64_t until_ns);
/* batch_settle() on the player's clock, never past c->replay_end. */
int batch_replay_settle(struct batch_ctx *c, int timeout_ms);
/* The engine's clock now (the player's when replaying), and the wall-clock time shown. */
int64_t batch_now(const struct batch_ctx *c);
void batch_now_time(const struct batch_ctx *c, char *buf, size_t n);

/* ---- batch_text.c ---- */
/* How long the read of fi has been in flight, or -1 when it is not blocked. */
long long batch_blocked_ms(int64_t now_ns, const struct engine_file_info *fi);
void batch_text(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
                const struct pair_result *p);

/* ---- batch_json.c ---- */
int batch_json(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
               const struct pair_result *p, const struct pair_side *sides);
/* A fatal error: message on stderr, and {"error"} (+ what sysfs shows) on stdout in JSON. */
int batch_fail(struct batch_ctx *c, const char *msg, const struct disc_merged *m);

/* ---- batch_prom.c ---- */
/*
 * The metrics of one snapshot: into DIR/migtop.prom with --textfile (a failed write is
 * fatal when first, else counted and told on stderr), else OpenMetrics text on out.
 * An exit code.
 */
int batch_prom(struct batch_ctx *c, const struct engine_snap *s, const struct disc_merged *m,
               const struct pair_result *p, bool first);

#endif
