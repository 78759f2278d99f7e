/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_rec: --record.  A tee source wraps the real one and writes every read and list result
 * it returns into a recording (core/rec.h), from whichever reader thread made the call; the
 * kernel log comes in through src_rec_klog() (a klog tap).  A thread of its own flushes the
 * recording every second, so a kill -9 loses at most the last second.
 *
 * Lifetime: the owner opens the recorder, wraps sources (each tee source holds a
 * reference: the engine may close its source late, from a reader thread that was stuck),
 * and closes it when the engine is gone; results arriving after src_rec_close() are
 * passed through and not recorded.  A read still under way at the close (a blocked file)
 * is recorded as such, so that a replay shows it blocked as the live run did.
 */
#ifndef MIGTOP_CORE_SRC_REC_H
#define MIGTOP_CORE_SRC_REC_H

#include <stddef.h>
#include <stdint.h>

#include "core/rec_write.h"
#include "core/src.h"

struct src_rec;

/* Create the recording (rec_writer_open) and start the flusher.  0 or negative errno + err. */
int src_rec_open(const char *path, const struct rec_writer_opts *o, struct src_rec **out, char *err,
                 size_t errsz);
/*
 * A source that reads through inner (owned by the new source) and records what it returns
 * as host index host.  0 or -ENOMEM (then inner is closed).
 */
int src_rec_wrap(struct src_rec *rc, struct src *inner, unsigned host, struct src **out);
/*
 * --host: a link's source (host > 0), recorded as src_rec_wrap does, and with sys (may be
 * NULL) what its host's sysfs says of each device its root listing names (0, or -ENOENT
 * when nothing is known).
 */
typedef int src_rec_sys_fn(void *ctx, const char *dev, struct rec_sys *out);
int src_rec_wrap_link(struct src_rec *rc, struct src *inner, unsigned host, src_rec_sys_fn *sys,
                      void *sys_ctx, struct src **out);
/* Record one raw kernel log record of host. */
void src_rec_klog_host(struct src_rec *rc, unsigned host, const char *raw, size_t len);
/* Record a link's status now when it changed (rec_write_link).  0 or negative errno. */
int src_rec_link(struct src_rec *rc, unsigned host, const struct rec_link *l);
/*
 * Call fn (without the recorder's lock: it calls src_rec_link) now, from the flusher every
 * 250 ms, and once more at the close, then release(ctx) (may be NULL).
 */
typedef void src_rec_poll_fn(void *ctx, struct src_rec *rc);
void src_rec_poll(struct src_rec *rc, src_rec_poll_fn *fn, void (*release)(void *ctx), void *ctx);
/* Record one raw kernel log record (a klog_tap_fn when ctx is the src_rec: host 0). */
void src_rec_klog(void *rc, const char *raw, size_t len);
/*
 * Record host's status now (at the start, then when it changes).  0 or negative errno.
 */
int src_rec_host(struct src_rec *rc, unsigned host, enum rec_host_status status, const char *msg);
/* SIGHUP: close the file and open it again (a new header and keyframe).  0 or negative errno. */
int src_rec_reopen(struct src_rec *rc);
/* The positive errno that stopped the recording (a write failed), or 0. */
int src_rec_error(struct src_rec *rc);
/*
 * Stop the flusher, give the reads under way 20 ms to answer, record those still in
 * flight as unanswered (REC_F_OPEN: in flight since their start, no answer by now), flush
 * and close the file.  0 or the negative errno
 * of a failed write.
 */
int src_rec_close(struct src_rec *rc);

#endif
