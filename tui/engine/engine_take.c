// SPDX-License-Identifier: GPL-2.0-only
/*
 * engine_take: what a finished read does to the device model.  The reader's results are
 * collected, parsed through the driver's operations, compared with what the model holds
 * (changes logged, costly files asked for on a state change), and each device's polling
 * rate is set from its state (adaptive polling).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define COLLECT_N 64

bool eng_in_migration(enum fsm_state s)
{
        return s == FSM_STOP_COPY || s == FSM_RESUMING || s == FSM_PRE_COPY ||
               s == FSM_PRE_COPY_P2P;
}

/* ---- results ---- */

/* blocked_ms >= 0: this line ends a blocked read (it answered after that long). */
void eng_log_file(struct engine *e, const struct eng_file *f, const struct drv_file *df,
                  long long blocked_ms)
{
        if (e->o.log)
                evlog_file_after(e->o.log, eng_realtime(e), f->dev->td.name, f->label,
                                 drv_status_name(df->status), df->err, df->text_len, blocked_ms);
}

static void demand_migf(struct eng_dev *d)
{
        for (size_t i = 0; i < d->ndfiles; i++)
                if (d->dfiles[i].migf && d->dfiles[i].path)
                        sched_demand(&d->dfiles[i].sch);
}

/*
 * After a state change, read the costly files once so that what they show (e.g. "not
 * opened" before the VMM opened the device) is not stale for a whole slow period; not
 * while data moves (STOP_COPY, PRE_COPY[_P2P]), where the read would slow the migration.
 */
static void demand_costly(struct eng_dev *d, enum fsm_state to)
{
        if (to == FSM_STOP_COPY || to == FSM_PRE_COPY || to == FSM_PRE_COPY_P2P)
                return;
        for (size_t i = 0; i < d->ndfiles; i++)
                if (d->dfiles[i].costly && d->dfiles[i].path)
                        sched_demand(&d->dfiles[i].sch);
}

static void state_observe(struct engine *e, struct eng_dev *d, enum fsm_state st, int64_t now)
{
        const struct hist_change *c;

        if (hist_states_observe(&d->hist, now, st, d->td.features) != 1)
                return;
        c = hist_states_at(&d->hist, d->hist.n - 1);
        if (e->o.log)
                evlog_state(e->o.log, eng_realtime(e), d->td.name, &c->fsm);
        /*
         * The driver takes its copy when the data files are disabled: on leaving
         * STOP_COPY/RESUMING/PRE_COPY, but also on a reset or close that the state may not
         * show, and a poller can miss a whole PRE_COPY -> RUNNING: read it on every change.
         */
        demand_migf(d);
        demand_costly(d, c->fsm.to);
        e->next_ns = 0;
        dev_touch(e, d);
}

static void eng_text_put(void *ref)
{
        drv_text_put(ref);
}

static int parse(struct eng_file *f, const struct src_read *r, struct drv_file *out,
                 enum fsm_state *st, unsigned *features)
{
        const struct tree_drvdir *dir;

        switch (f->kind) {
        case EF_STATE:
                return drv_state_from_read(r, out, st);
        case EF_FEATURES:
                return drv_features_from_read(r, out, features);
        default:
                dir = &f->dev->td.dirs[f->dir];
                return drv_file_from_read(dir->ops, f->idx, r, out);
        }
}

/* ---- adaptive polling ---- */

/* The state period of idle devices out of the focus (engine_opts.idle_ms), 0: none. */
static int64_t idle_ns(const struct engine *e)
{
        int ms = e->o.idle_ms;

        if (ms < 0 || e->o.state_ms <= 0)
                return 0;
        if (ms == 0) {
                ms = e->o.state_ms <= 500 ? 4 * e->o.state_ms : 2000;
                if (ms > 2000)
                        ms = 2000;
        }
        return ms > e->o.state_ms ? (int64_t)ms * MS_NS : 0;
}

/* Idle and out of the focus: its state may be read at the idle period (engine.h). */
static bool dev_slow(const struct engine *e, const struct eng_dev *d, int64_t now)
{
        enum fsm_state st = d->hist.cur;

        if (!e->focus_set || d->focus || d->gone || !d->hist.have_state || d->state.blocked ||
            d->td.state_file.status != DRV_ST_OK)
                return false;
        if (st != FSM_RUNNING && st != FSM_STOP && st != FSM_ERROR)
                return false;
        /* it just changed state: the next step of a migration may follow (STOP, RESUMING) */
        return !d->hist.total || now - d->hist.cur_since_ns >= (int64_t)ENGINE_HOT_MS * MS_NS;
}

void eng_dev_rate(struct engine *e, struct eng_dev *d, int64_t now)
{
        int64_t idle = idle_ns(e);
        bool slow = idle > 0 && dev_slow(e, d, now);

        if (sched_set_slow(&d->state.sch, slow, idle, now) && d->state.sch.next_ns < e->next_ns)
                e->next_ns = d->state.sch.next_ns;
}

static int file_take_one(struct engine *e, struct eng_file *f, struct src_read *r, int64_t started,
                         int64_t now)
{
        struct eng_dev *d = f->dev;
        struct drv_file *cur, nf;
        enum fsm_state st = FSM_INVALID;
        unsigned features = FSM_F_ALL;
        bool was_blocked = f->blocked, first = !f->info.read_once;
        long long blocked_ms = -1;
        enum drv_status old_status;
        int ret, stored;

        /* the next period counts from when the read really started (see read_started) */
        if (e->default_clock && started > f->sch.started_ns && started <= now)
                f->sch.started_ns = started;
        if (was_blocked) {
                blocked_ms = (long long)((now - f->sch.started_ns) / MS_NS);
                e->next_ns = 0; /* reads of its directory held back behind it may start */
        }
        sched_finish(&f->sch, now);
        e->inflight--;
        if (!was_blocked)
                e->pending--;
        f->blocked = false;
        f->info.reads++;
        f->info.last_ns = now;
        if (sched_wakeup(&f->sch, now) < e->next_ns)
                e->next_ns = sched_wakeup(&f->sch, now);
        if (d->gone || !f->path)
                return 0;
        if (f->kind == EF_STATE && (r->err == ENOENT || r->err == ENODEV || r->err == EIO)) {
                int err = eng_dev_dir_err(e, d);

                if (err == ENOENT || err == ENODEV) {
                        eng_dev_mark_gone(e, d, now, src_errno_name(err));
                        return 0;
                }
                if (r->err != EIO)
                        e->rescan_now = true;
        }
        cur = eng_file_model(f);
        stored = hist_samples_observe(&f->samples, now, r->err, r->data, r->len);
        if (stored == 0 && !first && !was_blocked) {
                /* same bytes or errno as last time: nothing to parse again */
                cur->t_start = r->t_start;
                cur->t_end = r->t_end;
                if (f->kind == EF_STATE && cur->status == DRV_ST_OK)
                        hist_states_observe(&d->hist, now, d->td.state, d->td.features);
                return 0;
        }
        ret = parse(f, r, &nf, &st, &features);
        if (ret < 0)
                return ret;
        old_status = cur->status;
        drv_file_free(cur);
        *cur = nf;
        if (stored == 1 && cur->text)
                /* the sample just kept holds the same bytes as the text: share them */
                hist_samples_share(&f->samples, cur->text, cur->text_len, drv_file_text_ref(cur),
                                   eng_text_put);
        f->info.read_once = true;
        f->info.changes++;
        dev_touch(e, d);
        if (f->kind == EF_FEATURES) {
                d->td.features = cur->status == DRV_ST_OK ? features : FSM_F_ALL;
        } else if (f->kind == EF_STATE) {
                d->td.state = st;
                if (cur->status == DRV_ST_OK)
                        state_observe(e, d, st, now);
        }
        /*
         * state content changes are logged as state events; its failures as file events.
         * A read that was logged blocked always gets its line when it ends (also a first
         * read): every blocked line has its recovery line.
         */
        if (was_blocked || (!first && (f->kind != EF_STATE || old_status != cur->status)))
                eng_log_file(e, f, cur, blocked_ms);
        return 0;
}

static int file_take(struct engine *e, struct eng_file *f, struct src_read *r, int64_t started,
                     int64_t now)
{
        int ret = file_take_one(e, f, r, started, now);

        /* the rate of the state's next read follows what this one showed */
        if (f->kind == EF_STATE && f->path && !f->dev->gone)
                eng_dev_rate(e, f->dev, now);
        return ret;
}

int eng_collect(struct engine *e, int64_t now)
{
        struct reader_done done[COLLECT_N];
        size_t n;
        int ret = 0;

        while ((n = reader_collect(e->rd, done, COLLECT_N)) > 0) {
                for (size_t i = 0; i < n; i++) {
                        int r = file_take(e, done[i].user, &done[i].res, done[i].started_ns, now);

                        if (r < 0 && !ret)
                                ret = r;
                        free(done[i].path);
                        src_read_free(&done[i].res);
                }
        }
        return ret;
}
