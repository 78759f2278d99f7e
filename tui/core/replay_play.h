/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay_play: the player of --replay (core/src_replay.h opens the recording).  The
 * recording replayed on a virtual clock, so that an engine driven by it sees what the live
 * engine saw, when it saw it.  Its source answers each read with the result last recorded
 * at or before the clock's time, with the recorded start and end; a read that took long
 * while recording (REC_SLOW_NS or more: it may have been blocked) and is in flight at that
 * time is held until the clock reaches its recorded end, and so is a read of a path before
 * its first recorded result.  Kernel log records come out as the clock passes them.  The
 * owner advances the clock; the source may outlive the player's owner (a reader thread
 * closes it late).
 */
#ifndef MIGTOP_CORE_REPLAY_PLAY_H
#define MIGTOP_CORE_REPLAY_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rec.h"
#include "core/src.h"

struct replay;

struct replay_play;
/* Called for every recorded result applied (type REC_READ or REC_LIST, its path). */
typedef void replay_change_fn(void *ctx, unsigned type, const char *path);

/*
 * A player of host's records (r must outlive it; host 0 of a recording with REC_HDR_LINKS:
 * every host's, the links' paths as "LABEL:PATH", the root listing their union, as live), and its
 * source: from the start of r, or with start_ns after it, from the keyframe at or before start_ns
 * (the state then, without the history before it).  The clock starts there: replay_play_now().
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
/*
 * At the start of the recording: apply the status records written before the first
 * observation (the hosts' links, as the recording run knew them when its engine started),
 * moving the clock to them.  0 or -ENOMEM.
 */
int replay_play_advance_status(struct replay_play *p);
/* Reads held now (waiting for the clock). */
unsigned replay_play_waiting(struct replay_play *p);
/*
 * The next raw /dev/kmsg record the clock has passed (*raw valid until the next call
 * and owned by the caller: free it), *label its link's (REC_HDR_LINKS: its device is
 * LABEL:DEVICE) or NULL: 1, 0 none yet, -1 none will come.
 */
int replay_play_klog(struct replay_play *p, char **raw, size_t *len, const char **label);
/* A link's status as of the clock (REC_HDR_LINKS): 0, or -ENOENT when none was recorded. */
int replay_play_link(struct replay_play *p, unsigned host, struct rec_link *out);
/* What a link's host's sysfs said of dev ("LABEL:DEVICE") as of the clock: 0 or -ENOENT. */
int replay_play_sys(struct replay_play *p, const char *dev, struct rec_sys *out);

#endif
