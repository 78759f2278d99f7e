/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch_replay: --replay FILE in the batch modes.  The recording's player (core/src_replay)
 * is the engine's source, kernel log and clock: the engine runs through the recording on
 * the player's virtual clock, as fast as it can, so that history, timelines, blocked
 * periods and every time-dependent verdict come out as they were live; snapshots and log
 * lines carry the recorded times.
 *
 * A virtual step: process at the clock's time until every read started has an answer or
 * waits for the clock (a read recorded in flight then), then move the clock to the next
 * thing due: a recorded result, an engine timer, the caller's bound.  Each recorded result
 * is read again by the engine at its time (engine_request), so that a change shows when
 * the live run saw it, whatever the replay's cadences.
 */
#include "batch_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kmsg.h"
#include "core/src_replay.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/klog.h"

#define BR_REAL_WAIT_MS 5000 /* real time a step may wait for reads that answer at once */
#define BR_HISTORY_S    600  /* a snapshot's replay starts this long before it at most */

/* ---- the kernel log, as the clock passes its records ---- */

static int br_klog_next(void *ctx, struct kmsg_rec *out, char *err, size_t errsz)
{
        char *raw;
        size_t len;
        int ret = replay_play_klog(ctx, &raw, &len);

        if (ret < 0)
                return KLOG_END;
        if (ret == 0)
                return KLOG_NONE;
        ret = kmsg_parse(raw, len, out, err, errsz);
        free(raw);
        return ret < 0 ? KLOG_BAD : KLOG_REC;
}

static int br_klog_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static void br_klog_destroy(void *ctx)
{
        (void)ctx; /* the player is the batch's */
}

static const struct klog_ops br_klog_ops = {
    .kind = "replay",
    .fd = br_klog_fd,
    .next = br_klog_next,
    .destroy = br_klog_destroy,
};

int batch_replay_open(struct batch_ctx *c, struct src **s, char *msg, size_t size)
{
        const struct batch_opts *o = c->o;
        int64_t start = 0;
        int ret;

        *s = NULL;
        ret = replay_open(o->replay, &c->rp, msg, size);
        if (ret < 0)
                return ret;
        if (replay_message(c->rp)[0])
                fprintf(c->err, "migtop: %s\n", replay_message(c->rp));
        c->replay_end = replay_last_ns(c->rp);
        if (o->replay_at &&
            (ret = replay_parse_time(c->rp, o->replay_at, &c->replay_end, msg, size)) < 0)
                return ret;
        /* one snapshot (--at, the end): the history of BR_HISTORY_S before it is enough */
        if (o->count == 1 && !o->log_path)
                start = c->replay_end - BR_HISTORY_S * 1000000000LL;
        ret = replay_play_open(c->rp, 0, start, &c->play, s);
        if (ret == 0) /* what was known when it starts */
                ret = replay_play_advance(c->play, replay_play_now(c->play), NULL, NULL);
        /* recorded without a kernel log (a fixture, --no-kmsg): replayed without one */
        if (ret == 0 && replay_play_has_klog(c->play))
                ret = klog_new(&br_klog_ops, c->play, o->replay, false, &c->klog);
        if (ret < 0)
                snprintf(msg, size, "replaying %s: %s", o->replay, strerror(-ret));
        return ret;
}

void batch_replay_close(struct batch_ctx *c)
{
        replay_play_close(c->play);
        c->play = NULL;
        replay_free(c->rp);
        c->rp = NULL;
}

void batch_replay_engine(struct batch_ctx *c, struct engine_opts *eo)
{
        eo->now = replay_play_clock;
        eo->realtime = replay_play_clock;
        eo->now_ctx = c->play;
}

int64_t batch_now(const struct batch_ctx *c)
{
        return c->play ? replay_play_now(c->play) : batch_mono_ns();
}

void batch_now_time(const struct batch_ctx *c, char *buf, size_t n)
{
        if (c->play)
                evlog_time(replay_play_now(c->play), buf, n);
        else
                batch_time(buf, n);
}

/* ---- the virtual clock ---- */

/* A recorded result: the engine reads that file (or lists again) now. */
static void br_changed(void *ctx, unsigned type, const char *path)
{
        struct batch_ctx *c = ctx;
        char buf[1024], *dev, *a, *b;

        if (type != REC_READ) {
                engine_rescan(c->e);
                return;
        }
        snprintf(buf, sizeof(buf), "%s", path);
        dev = buf;
        a = strchr(dev, '/');
        if (!a)
                return;
        *a++ = '\0';
        b = strrchr(a, '/');
        if (!b) {
                engine_request(c->e, dev, NULL, a);
                return;
        }
        *b++ = '\0';
        /* "DEV/migration/state"; a driver's "DEV/migration/hisi_acc/dev_data" */
        if (strcmp(a, "migration") == 0)
                engine_request(c->e, dev, NULL, b);
        else
                engine_request(c->e, dev, strncmp(a, "migration/", 10) == 0 ? a + 10 : a, b);
}

/*
 * Process at the clock's time until every read started has answered or waits for the
 * clock, and nothing is due now.  1: stopped by a signal, 0, or a negative errno.
 */
static int br_settle_now(struct batch_ctx *c)
{
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                struct pollfd p = {.fd = engine_fd(c->e), .events = POLLIN};
                struct timespec t1;
                int ret = batch_step(c);

                if (ret != 0)
                        return ret;
                if (engine_inflight(c->e) <= replay_play_waiting(c->play) &&
                    engine_next_timeout_ms(c->e) != 0)
                        return 0;
                clock_gettime(CLOCK_MONOTONIC, &t1);
                if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >
                    BR_REAL_WAIT_MS)
                        return 0; /* a read that never answers: let the clock go on */
                if (poll(&p, 1, 10) < 0 && errno != EINTR)
                        return -errno;
        }
}

/* One step: settle, then move the clock to the next thing due, at most to until_ns. */
static int br_step(struct batch_ctx *c, int64_t until_ns)
{
        int64_t now = replay_play_now(c->play), next = until_ns, rec;
        int t, ret = br_settle_now(c);

        if (ret != 0)
                return ret;
        rec = replay_play_next_ns(c->play);
        if (rec < next)
                next = rec;
        t = engine_next_timeout_ms(c->e);
        if (t > 0 && now + (int64_t)t * BATCH_MS_NS < next)
                next = now + (int64_t)t * BATCH_MS_NS;
        if (next <= now)
                next = now + 1;
        return replay_play_advance(c->play, next, br_changed, c);
}

int batch_replay_wait(struct batch_ctx *c, int64_t until_ns)
{
        int64_t end = until_ns < 0 || until_ns > c->replay_end ? c->replay_end : until_ns;

        while (replay_play_now(c->play) < end) {
                int ret = br_step(c, end);

                if (ret != 0)
                        return ret;
        }
        if (until_ns < 0)
                return br_settle_now(c); /* the whole recording: --log */
        /* asked past the end (-n): the recording is over */
        return until_ns > c->replay_end ? 1 : 0;
}

int batch_replay_settle(struct batch_ctx *c, int timeout_ms)
{
        int64_t end = replay_play_now(c->play) + (int64_t)timeout_ms * BATCH_MS_NS;

        /* not past the moment asked for: the snapshot is of that moment */
        if (end > c->replay_end)
                end = c->replay_end;
        for (;;) {
                int ret = br_settle_now(c);

                if (ret != 0)
                        return ret;
                if (engine_pending(c->e) == 0 || replay_play_now(c->play) >= end)
                        return 0;
                ret = br_step(c, end);
                if (ret != 0)
                        return ret;
        }
}
