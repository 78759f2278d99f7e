/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_replay: --replay.  A recording (core/rec.h) read back as a source: at a chosen time,
 * each read returns the result last recorded for that path at or before it (bytes or errno,
 * truncation, the recorded times), each listing the last recorded listing, so that the
 * same engine, checks and output run unchanged.  Also --dump: the recording as JSON lines
 * (core/rec_dump.h).  The player, the recording on a virtual clock, is core/replay_play.h
 * (included here).
 */
#ifndef MIGTOP_CORE_SRC_REPLAY_H
#define MIGTOP_CORE_SRC_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/rec_read.h"
#include "core/replay_play.h"
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
/* Its reader (seeking it moves the position every user of r reads from). */
struct rec_reader *replay_reader(struct replay *r);

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
 * Write the recording as JSON lines (man migtop: RECORDINGS): a "header" object, one
 * object per record, and an "end" object.  0, or negative errno when writing failed.
 */
int replay_dump(struct replay *r, FILE *out);

#endif
