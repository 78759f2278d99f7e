/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replayer: --replay FILE driven on the recording's virtual clock, for the batch modes and
 * the console alike.  It owns the recording, its player (core/src_replay: the engine's
 * source, kernel log and clock) and, for the console, the engine; the engine runs through
 * the recording with the same code as live, so history, timelines, blocked periods and
 * every time-dependent verdict come out as they were.
 *
 * A virtual step: process at the clock's time until every read started has an answer or
 * waits for the clock, then move the clock to the next thing due: a recorded result, the
 * start of a read that was slow while recording, an engine timer, the caller's bound.
 * Each recorded result is read again by the engine at its time, and a slow read is started
 * at its recorded start, so that a change or a blocked read shows when the live run saw it,
 * whatever the replay's cadences.
 *
 * The player's clock never moves back: going back in time frees the engine and opens the
 * player again at the keyframe before the target (history RPL_HISTORY_S before it), then
 * runs forward.  No curses, no global state.
 */
#ifndef MIGTOP_ENGINE_REPLAYER_H
#define MIGTOP_ENGINE_REPLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct engine;
struct engine_opts;
struct klog;
struct replay;
struct src;

#define RPL_HISTORY_S    600 /* a jump replays from this long before its target at most */
#define RPL_SPEED_MIN    0.25
#define RPL_SPEED_MAX    64.0
#define RPL_REAL_WAIT_MS 5000 /* real time a step waits for reads that answer at once */

struct rpl;

/* One turn of the owner's loop (engine_process and its own checks): 1 stop, 0, -errno. */
typedef int rpl_step_fn(void *ctx);

/* Open the recording and index it (its changes, its slow reads).  0 or -errno + msg. */
int rpl_open(const char *path, struct rpl **out, char *msg, size_t size);
/* Frees the engine and kernel log it made (rpl_engine_open) and the player. */
void rpl_free(struct rpl *r);
struct replay *rpl_replay(const struct rpl *r);
int64_t rpl_first_ns(const struct rpl *r);
int64_t rpl_last_ns(const struct rpl *r);

/*
 * The batch's way: a player from the keyframe at or before start_ns (0: the start), its
 * source (for engine_new) and kernel log (NULL: recorded without one; the caller frees it
 * after its engine, before rpl_free()).
 * The clock stands at what was known then.  Then rpl_engine_opts() for the engine, and
 * rpl_attach() once it exists.  0 or -errno.
 */
int rpl_start(struct rpl *r, int64_t start_ns, struct src **src, struct klog **klog);
/* The engine on the player's clock (now, realtime, now_ctx). */
void rpl_engine_opts(struct rpl *r, struct engine_opts *eo);
/* The engine the steps drive; step (NULL: engine_process) is called at each turn. */
void rpl_attach(struct rpl *r, struct engine *e, rpl_step_fn *step, void *ctx);

/*
 * The console's way: the rpl makes (and remakes, when going back) the engine from eo (its
 * klog, now, realtime are set here), at start_ns.  0 or -errno.
 */
int rpl_engine_open(struct rpl *r, const struct engine_opts *eo, int64_t start_ns);
struct engine *rpl_engine(const struct rpl *r);
/*
 * A recording of a --host run (REC_HDR_LINKS): link host's status, and what its sysfs said
 * of dev ("LABEL:DEVICE"), as of the clock.  0, or -ENOENT (none recorded by then).
 */
struct rec_link;
struct rec_sys;
int rpl_link(const struct rpl *r, unsigned host, struct rec_link *out);
int rpl_sys(const struct rpl *r, const char *dev, struct rec_sys *out);

int64_t rpl_now(const struct rpl *r);
/* Run the engine through the recording to t_ns (never past the end, never back).  1: stop. */
int rpl_run_to(struct rpl *r, int64_t t_ns);
/* Process at the clock's time until the reads started have answered (no clock move). */
int rpl_settle_now(struct rpl *r);
/* batch_settle() on the virtual clock: until no read is pending or end_ns.  1: stop. */
int rpl_settle(struct rpl *r, int64_t end_ns);

/*
 * The console's player: speed (RPL_SPEED_MIN..MAX), paused, and a tick that advances the
 * clock by real elapsed time x speed (not past the end: there it pauses, at_end).  A tick
 * spends at most budget_ms of real time; the rest is done at the next.  1 when the
 * clock moved.
 */
int rpl_tick(struct rpl *r, int64_t real_elapsed_ns, int budget_ms);
double rpl_speed(const struct rpl *r);
void rpl_set_speed(struct rpl *r, double speed); /* clamped */
bool rpl_paused(const struct rpl *r);
void rpl_set_paused(struct rpl *r, bool paused);
bool rpl_at_end(const struct rpl *r);
/*
 * Go to t_ns (clamped to the recording): forward by running, back by reopening at the
 * keyframe before it.  For the console: its engine is freed and made again (the caller
 * drops its snapshots first when rpl_seek_reopens() says so).  0 or -errno.
 */
bool rpl_seek_reopens(const struct rpl *r, int64_t t_ns);
int rpl_seek(struct rpl *r, int64_t t_ns);
/*
 * The recorded change (a read result or listing) after / before the clock, of device dev
 * (NULL: any): its time, or -1 when there is none.
 */
int64_t rpl_change_after(const struct rpl *r, const char *dev, int64_t t_ns);
int64_t rpl_change_before(const struct rpl *r, const char *dev, int64_t t_ns);
/*
 * A time typed by the user: ISO 8601 UTC (replay_parse_time), or +SECONDS / -SECONDS from
 * the clock.  0 with *t_ns (clamped to the recording), or -EINVAL with err set.
 */
int rpl_parse_goto(const struct rpl *r, const char *s, int64_t *t_ns, char *err, size_t errsz);
/* "replay 2026-11-30T14:02:03.250Z  +12.5 s of 60.0 s  2x  playing" */
void rpl_status(const struct rpl *r, char *buf, size_t size);

#endif
