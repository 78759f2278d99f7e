/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * batch_replay: --replay FILE in the batch modes, on the recording's virtual clock
 * (engine/replayer: the player is the engine's source, kernel log and clock): the engine
 * runs through the recording as fast as it can, so that history, timelines, blocked
 * periods and every time-dependent verdict come out as they were live; snapshots and log
 * lines carry the recorded times.
 */
#include "batch_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/src_replay.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/replayer.h"
#include "remote.h"

/* One turn of the batch's loop (signals, write errors): the replayer's step. */
static int br_step(void *ctx)
{
        return batch_step(ctx);
}

int batch_replay_open(struct batch_ctx *c, struct src **s, char *msg, size_t size)
{
        const struct batch_opts *o = c->o;
        int64_t start = 0;
        int ret;

        *s = NULL;
        ret = rpl_open(o->replay, &c->rpl, msg, size);
        if (ret < 0)
                return ret;
        c->rp = rpl_replay(c->rpl);
        if (replay_message(c->rp)[0])
                fprintf(c->err, "migtop: %s\n", replay_message(c->rp));
        c->replay_end = rpl_last_ns(c->rpl);
        if (o->replay_at &&
            (ret = replay_parse_time(c->rp, o->replay_at, &c->replay_end, msg, size)) < 0)
                return ret;
        /* one snapshot (--at, the end): the history of RPL_HISTORY_S before it is enough */
        if (o->count == 1 && !o->log_path)
                start = c->replay_end - RPL_HISTORY_S * 1000000000LL;
        ret = rpl_start(c->rpl, start, s, &c->klog);
        /* a recording of a --host run: its hosts, their status as of the replayed time */
        if (ret == 0)
                ret = remote_replayed(c->rpl, &c->rem);
        if (ret < 0)
                snprintf(msg, size, "replaying %s: %s", o->replay, strerror(-ret));
        return ret;
}

void batch_replay_close(struct batch_ctx *c)
{
        rpl_free(c->rpl);
        c->rpl = NULL;
        c->rp = NULL;
}

void batch_replay_engine(struct batch_ctx *c, struct engine_opts *eo)
{
        rpl_engine_opts(c->rpl, eo);
}

void batch_replay_attach(struct batch_ctx *c)
{
        rpl_attach(c->rpl, c->e, br_step, c);
}

int64_t batch_now(const struct batch_ctx *c)
{
        return c->rpl ? rpl_now(c->rpl) : batch_mono_ns();
}

void batch_now_time(const struct batch_ctx *c, char *buf, size_t n)
{
        if (c->rpl)
                evlog_time(rpl_now(c->rpl), buf, n);
        else
                batch_time(buf, n);
}

int batch_replay_wait(struct batch_ctx *c, int64_t until_ns)
{
        int64_t end = until_ns < 0 || until_ns > c->replay_end ? c->replay_end : until_ns;
        int ret = rpl_run_to(c->rpl, end);

        if (ret != 0)
                return ret;
        if (until_ns < 0)
                return rpl_settle_now(c->rpl); /* the whole recording: --log */
        /* asked past the end (-n): the recording is over */
        return until_ns > c->replay_end ? 1 : 0;
}

int batch_replay_settle(struct batch_ctx *c, int timeout_ms)
{
        int64_t end = rpl_now(c->rpl) + (int64_t)timeout_ms * BATCH_MS_NS;

        /* not past the moment asked for: the snapshot is of that moment */
        return rpl_settle(c->rpl, end > c->replay_end ? c->replay_end : end);
}
