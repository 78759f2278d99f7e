/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_replay: --replay.  A recording (core/rec.h) read back as a source: at a chosen time,
 * each read returns the result last recorded for that path at or before it (bytes or errno,
 * truncation, the recorded times), each listing the last recorded listing, so that the
 * same engine, checks and output run unchanged.  Also --dump: the recording as JSON lines.
 */
#ifndef MIGTOP_CORE_SRC_REPLAY_H
#define MIGTOP_CORE_SRC_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/rec_read.h"
#include "core/src.h"

struct replay;

/*
 * Open a recording and scan it once (first and last record times).  0, or negative errno
 * with err set.  A cut or damaged file opens: replay_message() says what was lost.
 */
int replay_open(const char *path, struct replay **out, char *err, size_t errsz);
void replay_free(struct replay *r);
/* What the reader found wrong ("recording cut at byte N: ..."), or "". */
const char *replay_message(const struct replay *r);
int64_t replay_first_ns(const struct replay *r); /* first record's time (header's t0 if none) */
int64_t replay_last_ns(const struct replay *r);  /* last whole record's time */
const struct rec_header *replay_header(const struct replay *r);

/*
 * A time for --at: "+SECONDS" (decimals allowed) from the first record, or an ISO 8601 UTC
 * time "2026-11-30T14:02:03Z" / "...03.250Z" / "2026-11-30 14:02:03" (UTC).  0, or -EINVAL
 * with err set (also for a time before the first record).
 */
int replay_parse_time(const struct replay *r, const char *s, int64_t *t_ns, char *err,
                      size_t errsz);

/*
 * A source answering as of t_ns for host, and the kernel log lines recorded up to then
 * (raw /dev/kmsg records, oldest first, in *lines: free with replay_lines_free).  0 or
 * negative errno.
 */
int replay_src_at(struct replay *r, int64_t t_ns, unsigned host, struct src **out, char ***lines,
                  size_t **lens, size_t *nlines);
void replay_lines_free(char **lines, size_t *lens, size_t n);

/*
 * The player: the recording replayed on a virtual clock, so that an engine driven by it
 * sees what the live engine saw, when it saw it.  Its source answers each read with the
 * result last recorded at or before the clock's time, with the recorded start and end; a
 * read that took long while recording (REC_SLOW_NS or more: it may have been blocked) and
 * is in flight at that time is held until the clock reaches its recorded end.  Kernel log
 * records come out as the clock passes them.  The owner advances the clock; the source
 * may outlive the player's owner (a reader thread closes it late).
 */
struct replay_play;
/* Called for every recorded result applied (type REC_READ or REC_LIST, its path). */
typedef void replay_change_fn(void *ctx, unsigned type, const char *path);

/*
 * A player of host's records (r must outlive it), and its source: from the start of r, or
 * with start_ns after it, from the keyframe at or before start_ns (the state then, without
 * the history before it).  The clock starts there: replay_play_now().
 */
int replay_play_open(struct replay *r, unsigned host, int64_t start_ns, struct replay_play **out,
                     struct src **src);
/* The owner's close: held reads return at once. */
void replay_play_close(struct replay_play *p);
int64_t replay_play_now(const struct replay_play *p);
/* Whether the recording has kernel log records (else it was recorded without a kernel log). */
bool replay_play_has_klog(const struct replay_play *p);
/* The clock, as an engine_opts.now / .realtime function (ctx: the player). */
int64_t replay_play_clock(void *p);
/* Time of the next record not applied yet; INT64_MAX at the end. */
int64_t replay_play_next_ns(struct replay_play *p);
/*
 * Move the clock to t_ns (never back), apply the records up to it (fn for each new result),
 * and release the reads held until then.  0 or -ENOMEM.
 */
int replay_play_advance(struct replay_play *p, int64_t t_ns, replay_change_fn *fn, void *ctx);
/* Reads held now (waiting for the clock). */
unsigned replay_play_waiting(struct replay_play *p);
/*
 * The next raw /dev/kmsg record the clock has passed (*raw valid until the next call
 * and owned by the caller: free it): 1, 0 none yet, -1 none will come.
 */
int replay_play_klog(struct replay_play *p, char **raw, size_t *len);

/*
 * Write the recording as JSON lines (man migtop: RECORDINGS): a "header" object, one
 * object per record, and an "end" object.  0, or negative errno when writing failed.
 */
int replay_dump(struct replay *r, FILE *out);

#endif
