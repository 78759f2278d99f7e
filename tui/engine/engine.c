// SPDX-License-Identifier: GPL-2.0-only
/*
 * engine: options, scheduling (which reads start when), the process loop, requests and
 * the life cycle.  Read results are taken in engine_take.c, the device table is in
 * engine_dev.c, snapshots in engine_snap.c, the kernel log in engine_klog.c.
 */
#include "engine/engine.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static int64_t mono_default(void *ctx)
{
        (void)ctx;
        return reader_mono_ns();
}

void engine_opts_default(struct engine_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->state_ms = 250;
        o->idle_ms = 0;
        o->features_ms = ENGINE_ONCE;
        o->costly_ms = 5000;
        o->migf_ms = 1000;
        o->other_ms = 5000;
        o->deadline_ms = 1000;
        o->rescan_ms = 2000;
        o->quiet_in_migration = true;
        o->max_workers = 8;
        o->max_inflight = 32;
        o->gone_keep_ms = 60000;
        o->gone_max = 64;
        o->hist_changes = 256;
        o->hist_samples = 32;
        o->hist_bytes = 64 * 1024;
        o->klog_per_dev = 64;
        o->klog_orphans = 256;
        stuck_default(&o->stuck);
}

/* ---- scheduling ---- */

/*
 * Another read of the same driver directory that takes the driver's locks (a costly file:
 * dev_data, cmd_state) is blocked: do not start this one if it takes them too.  It would
 * most likely wait on the same lock, and it would take another worker; it is read when
 * that one returns.  A file never read yet is still read once (it has no value to show).
 * Files without a lock (migf_data, the core files) are never held back.
 */
static bool dir_blocked(const struct engine *e, const struct eng_file *f)
{
        const struct eng_dev *d = f->dev;

        /* every read out answers or is not blocked yet: the common case, no loop */
        if (e->inflight == e->pending || f->kind != EF_DRV || !f->costly || !f->info.read_once)
                return false;
        for (unsigned j = 0; j < d->td.dirs[f->dir].nfiles; j++) {
                const struct eng_file *o = eng_dfile(d, f->dir, j);

                if (o != f && o->costly && o->blocked && o->sch.in_flight)
                        return true;
        }
        return false;
}

static int file_submit(struct engine *e, struct eng_file *f, int64_t now)
{
        int ret = reader_submit(e->rd, f->path, f);

        if (ret < 0)
                return ret;
        sched_start(&f->sch, now);
        e->inflight++;
        e->pending++;
        return 0;
}

/*
 * A read's deadline runs from when a worker started it, not from when it was queued
 * (behind other reads): the engine's start time is provisional until the reader says.
 * With an injected clock a started read keeps its submission time (the clocks differ).
 */
static bool read_started(struct engine *e, struct eng_file *f, int64_t now)
{
        int64_t t = reader_started_ns(e->rd, f);

        if (!t) {
                /* still queued: not blocked; look again a deadline from now */
                f->sch.started_ns = now;
                return false;
        }
        if (e->default_clock && t > f->sch.started_ns)
                f->sch.started_ns = t;
        return true;
}

static int check_blocked(struct engine *e, struct eng_file *f, int64_t now)
{
        struct drv_file *df;
        int64_t age;

        if (f->blocked || !sched_blocked(&f->sch, now, &age))
                return 0;
        if (!read_started(e, f, now) || !sched_blocked(&f->sch, now, &age))
                return 0;
        f->blocked = true;
        e->pending--;
        df = eng_file_model(f);
        df->status = DRV_ST_BLOCKED;
        df->err = 0;
        drv_file_set_msg(df, "read blocked: no answer for %lld ms", (long long)(age / MS_NS));
        dev_touch(e, f->dev);
        eng_log_file(e, f, df, -1);
        return 0;
}

/*
 * max_inflight bounds the reads queued, running or waiting to be taken; a read running
 * longer than the reader's stall period (stuck: it may never answer) does not count, so
 * reads that do not answer never hold up the others.
 */
static bool inflight_full(struct engine *e)
{
        return reader_active(e->rd, NULL) >= e->o.max_inflight;
}

/*
 * Due now, or within a sixteenth of its period (at most 20 ms): reads started in one pass
 * answer spread over a few milliseconds, and each plans its next read from its own start;
 * without the slack the next round would wake the engine (and walk every file) once per
 * straggler instead of once per period.
 */
static bool file_due(const struct eng_file *f, int64_t now)
{
        int64_t slack = sched_period(&f->sch) / 16;

        if (slack > 20 * MS_NS)
                slack = 20 * MS_NS;
        return sched_due(&f->sch, now + slack);
}

static int submit_due(struct engine *e, struct eng_file *f, int64_t now)
{
        if (!file_due(f, now) || dir_blocked(e, f))
                return 0;
        /*
         * Not now: this read would wait on the locks the migration holds.  A file never
         * read yet is still read once (it has nothing to show, and a device found already
         * migrating would keep it unread until the migration ends).
         */
        if (f->costly && !f->sch.demanded && f->info.read_once && e->o.quiet_in_migration &&
            eng_in_migration(f->dev->td.state)) {
                int64_t ms = f->period_ms > 0 ? f->period_ms : e->o.state_ms;

                f->sch.next_ns = now + (ms > 0 ? ms : 250) * MS_NS;
                return 0;
        }
        if (inflight_full(e)) {
                if (e->nbacklog == e->capbacklog) {
                        size_t ncap = e->capbacklog ? e->capbacklog * 2 : 256;
                        struct eng_file **nb = realloc(e->backlog, ncap * sizeof(*nb));

                        if (!nb)
                                return -ENOMEM;
                        e->backlog = nb;
                        e->capbacklog = ncap;
                }
                e->backlog[e->nbacklog++] = f;
                return 0;
        }
        return file_submit(e, f, now);
}

static int plan_next(struct engine *e, struct eng_file *f, int64_t now)
{
        int64_t w = sched_wakeup(&f->sch, now);

        /* held behind a blocked read of its directory: planned when that one returns */
        if (!f->sch.in_flight && dir_blocked(e, f))
                return 0;
        /* in the backlog: started when reads return, not on a timer */
        if (w <= now && e->backlog_pos < e->nbacklog)
                return 0;
        if (w < e->next_ns)
                e->next_ns = w;
        return 0;
}

/* The device's file k: state, features, then each directory's files in turn; NULL when unused. */
static struct eng_file *dev_file(struct eng_dev *d, size_t k)
{
        if (k < 2)
                return d->td.has_migration ? (k ? &d->features : &d->state) : NULL;
        return d->dfiles[k - 2].path ? &d->dfiles[k - 2] : NULL;
}

/*
 * One walk over every file (they are many: one walk, not one per step): per device, mark
 * reads past their deadline blocked, then start its due reads (or queue them behind
 * max_inflight), and plan the engine's next wake-up from each file.  Blocked reads are
 * marked before the device's reads start, so a costly file is held behind a blocked one
 * of its directory (dir_blocked).  0 or the first submit error (planning goes on).
 */
static int file_pass(struct engine *e, int64_t now)
{
        int ret = 0;

        e->next_ns = e->o.rescan_ms > 0 ? e->next_rescan_ns : SCHED_NEVER;
        for (size_t i = 0; i < e->ndevs; i++) {
                struct eng_dev *d = e->devs[i];
                size_t nf = d->ndfiles + 2;

                if (d->gone)
                        continue;
                for (size_t k = 0; e->inflight && k < nf; k++) {
                        struct eng_file *f = dev_file(d, k);

                        if (f)
                                check_blocked(e, f, now);
                }
                for (size_t k = 0; k < nf; k++) {
                        struct eng_file *f = dev_file(d, k);

                        if (!f)
                                continue;
                        if (!ret)
                                ret = submit_due(e, f, now);
                        plan_next(e, f, now);
                }
        }
        return ret;
}

/* Start backlogged reads as far as max_inflight allows. */
static int drain_backlog(struct engine *e, int64_t now)
{
        int ret = 0;

        reader_hold(e->rd);
        while (!ret && e->backlog_pos < e->nbacklog && !inflight_full(e)) {
                struct eng_file *f = e->backlog[e->backlog_pos++];

                if (!f->path || f->dev->gone || !file_due(f, now) || dir_blocked(e, f))
                        continue;
                ret = file_submit(e, f, now);
                if (!ret && sched_wakeup(&f->sch, now) < e->next_ns)
                        e->next_ns = sched_wakeup(&f->sch, now);
        }
        if (reader_release(e->rd) < 0 && !ret)
                ret = -EAGAIN;
        return ret;
}

/*
 * A device turning stuck, or no longer stuck (its state changed, it vanished): log it, and
 * show it (a new snapshot).  Plans when the next device turns stuck (stuck_next_ns).
 */
static void stuck_pass(struct engine *e, int64_t now)
{
        e->stuck_next_ns = INT64_MAX;
        for (size_t i = 0; i < e->ndevs; i++) {
                struct eng_dev *d = e->devs[i];
                int64_t over = 0, t;
                bool st = false;

                if (d->hist.have_state && !d->gone) {
                        st = stuck_eval(&e->o.stuck, d->hist.cur,
                                        now > d->hist.cur_since_ns ? now - d->hist.cur_since_ns : 0,
                                        &over);
                        t = stuck_deadline_ns(&e->o.stuck, d->hist.cur, d->hist.cur_since_ns);
                        if (!st && t < e->stuck_next_ns)
                                e->stuck_next_ns = t;
                }
                if (st == d->stuck)
                        continue;
                if (e->stale && !d->gone && e->stale(e->stale_ctx, d->td.name)) {
                        /* its values stopped, not it: judged again once they flow */
                        if (now + 1000 * MS_NS < e->stuck_next_ns)
                                e->stuck_next_ns = now + 1000 * MS_NS;
                        continue;
                }
                e->seq++;
                if (st) {
                        d->stuck = true;
                        d->stuck_state = d->hist.cur;
                        d->stuck_since_ns = d->hist.cur_since_ns;
                        if (e->o.log)
                                evlog_stuck(e->o.log, eng_realtime(e), d->td.name, d->stuck_state,
                                            (now - d->stuck_since_ns) / MS_NS,
                                            e->o.stuck.ms[d->stuck_state], NULL);
                        continue;
                }
                d->stuck = false;
                if (e->o.log) {
                        bool left = !d->gone && d->hist.cur != d->stuck_state;
                        int64_t end = left && d->hist.cur_since_ns > d->stuck_since_ns
                                          ? d->hist.cur_since_ns
                                          : now;

                        evlog_stuck(e->o.log, eng_realtime(e), d->td.name, d->stuck_state,
                                    (end - d->stuck_since_ns) / MS_NS,
                                    e->o.stuck.ms[d->stuck_state],
                                    d->gone ? "gone" : fsm_state_name(d->hist.cur));
                }
        }
}

int engine_process(struct engine *e)
{
        int64_t now = eng_now(e);
        uint64_t seq0 = e->seq;
        bool rescanned = false;
        int ret, r2, r3;

        ret = eng_collect(e, now);
        if (e->rescan_now || (e->o.rescan_ms > 0 && now >= e->next_rescan_ns)) {
                e->rescan_now = false;
                e->next_rescan_ns =
                    now + (int64_t)(e->o.rescan_ms > 0 ? e->o.rescan_ms : 0) * MS_NS;
                r2 = eng_rescan(e, now);
                if (r2 < 0 && !ret)
                        ret = r2;
                eng_prune_gone(e, now);
                rescanned = true;
        }
        r2 = eng_klog_pump(e);
        if (r2 < 0 && !ret)
                ret = r2;
        /* the passes over every file only when something is due (see plan_next) */
        if (rescanned || now >= e->next_ns) {
                e->nbacklog = e->backlog_pos = 0;
                reader_hold(e->rd);
                r2 = file_pass(e, now);
                r3 = reader_release(e->rd);
                if (r3 < 0 && !r2)
                        r2 = r3;
                if (r2 < 0 && !ret)
                        ret = r2;
        } else if (e->backlog_pos < e->nbacklog) {
                r2 = drain_backlog(e, now);
                if (r2 < 0 && !ret)
                        ret = r2;
        }
        if (e->seq != seq0 || now >= e->stuck_next_ns)
                stuck_pass(e, now);
        if (ret < 0)
                return ret;
        return e->seq != seq0;
}

int engine_next_timeout_ms(const struct engine *e)
{
        int64_t now = eng_now(e), d, g;

        if (e->rescan_now || e->klog_more)
                return 0;
        /* reads queued behind stuck workers: come back when another worker may start */
        g = reader_grow_check_ns(e->rd);
        if (e->inflight) {
                /*
                 * Reads out: results may wait without a wake-up, a read may turn stuck (then
                 * the reader replaces its worker, and a held-back read may start).
                 */
                int64_t st;

                reader_active(e->rd, &st);
                if (st >= 0 && (g < 0 || st < g))
                        g = st;
        }
        /* a device turns stuck then */
        if (e->stuck_next_ns != INT64_MAX && (g < 0 || e->stuck_next_ns - now < g))
                g = e->stuck_next_ns > now ? e->stuck_next_ns - now : 0;
        if (e->next_ns == SCHED_NEVER && g < 0)
                return -1;
        d = e->next_ns == SCHED_NEVER ? INT64_MAX : e->next_ns - now;
        if (g >= 0 && g < d)
                d = g;
        if (d <= 0)
                return 0;
        d = (d + MS_NS - 1) / MS_NS;
        return d > INT_MAX ? INT_MAX : (int)d;
}

int engine_fd(const struct engine *e)
{
        return e->epfd >= 0 ? e->epfd : reader_fd(e->rd);
}

void engine_wait(struct engine *e, int timeout_ms)
{
        reader_wait(e->rd, reader_mono_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * MS_NS);
}

unsigned engine_inflight(const struct engine *e)
{
        return e->inflight;
}

unsigned engine_starved(struct engine *e)
{
        return reader_starved(e->rd);
}

unsigned engine_pending(const struct engine *e)
{
        /* the kernel log counts until the records it held at the start are read */
        return e->pending + (eng_klog_busy(e) ? 1u : 0u);
}

int engine_settle(struct engine *e, int timeout_ms)
{
        int64_t end = reader_mono_ns() + (int64_t)timeout_ms * MS_NS;

        for (;;) {
                int ret = engine_process(e), t;
                int64_t left;

                if (ret < 0)
                        return ret;
                if (engine_pending(e) == 0)
                        return 0;
                left = end - reader_mono_ns();
                if (left <= 0)
                        return -ETIMEDOUT;
                t = engine_next_timeout_ms(e);
                if (t < 0 || (int64_t)t * MS_NS > left)
                        t = (int)((left + MS_NS - 1) / MS_NS);
                engine_wait(e, t);
        }
}

int engine_run_for(struct engine *e, int ms)
{
        int64_t end = reader_mono_ns() + (int64_t)(ms > 0 ? ms : 0) * MS_NS;
        struct pollfd pfd = {.fd = engine_fd(e), .events = POLLIN};

        for (;;) {
                int ret = engine_process(e), t;
                int64_t left = end - reader_mono_ns();

                if (ret < 0)
                        return ret;
                if (left <= 0)
                        return 0;
                t = engine_next_timeout_ms(e);
                if (t < 0 || (int64_t)t * MS_NS > left)
                        t = (int)((left + MS_NS - 1) / MS_NS);
                if (poll(&pfd, 1, t) < 0 && errno == EINTR)
                        return -EINTR;
        }
}

void engine_rescan(struct engine *e)
{
        e->rescan_now = true;
}

static int request_file(struct eng_file *f)
{
        if (!f->path)
                return -ENOENT;
        sched_demand(&f->sch);
        return 0;
}

int engine_request(struct engine *e, const char *dev, const char *dir, const char *file)
{
        struct eng_dev *d = eng_dev_lookup(e, dev);
        int found = 0;

        if (!d)
                return -ENOENT;
        if (d->gone)
                return -ENODEV;
        if (!dir || !*dir) {
                if (d->td.has_migration && (!file || strcmp(file, "state") == 0))
                        found += request_file(&d->state) == 0;
                if (d->td.has_migration && (!file || strcmp(file, "features") == 0))
                        found += request_file(&d->features) == 0;
        }
        for (size_t i = 0; i < d->td.ndirs; i++) {
                const struct tree_drvdir *td = &d->td.dirs[i];

                if (dir && *dir && strcmp(td->name, dir) != 0)
                        continue;
                if (file && (!dir || !*dir))
                        continue;
                for (unsigned j = 0; j < td->nfiles; j++) {
                        if (file && strcmp(td->files[j].name, file) != 0)
                                continue;
                        found += request_file(eng_dfile(d, i, j)) == 0;
                }
        }
        if (found)
                e->next_ns = 0;
        return found ? 0 : -ENOENT;
}

/* ---- life cycle ---- */

int engine_new(struct src *s, const struct engine_opts *o, struct engine **out)
{
        struct engine *e = calloc(1, sizeof(*e));
        int ret;

        *out = NULL;
        if (!e) {
                src_close(s);
                return -ENOMEM;
        }
        if (o)
                e->o = *o;
        else
                engine_opts_default(&e->o);
        if (!e->o.now) {
                e->o.now = mono_default;
                e->default_clock = true;
        }
        if (!e->o.hist_samples)
                e->o.hist_samples = 1;
        if (!e->o.max_inflight)
                e->o.max_inflight = 32;
        ret = reader_new(s, e->o.max_workers ? e->o.max_workers : 8, &e->rd);
        if (ret < 0) {
                src_close(s);
                free(e);
                return ret;
        }
        e->src = s;
        ret = eng_klog_init(e);
        if (ret < 0) {
                engine_free(e);
                return ret;
        }
        e->rescan_now = true;
        e->next_ns = 0;
        *out = e;
        return 0;
}

void engine_free(struct engine *e)
{
        if (!e)
                return;
        /* first: no completion can reach the files freed below */
        reader_free(e->rd);
        eng_klog_fini(e);
        for (size_t i = 0; i < e->ndevs; i++)
                eng_dev_free(e, e->devs[i]);
        free(e->devs);
        while (e->grave) {
                struct graveyard *g = e->grave;

                e->grave = g->next;
                free(g->files);
                free(g);
        }
        if (e->snap)
                engine_snap_put(&e->snap->pub);
        free(e->backlog);
        free(e);
}

int engine_set_state_period(struct engine *e, int ms)
{
        if (ms <= 0)
                return -EINVAL;
        e->o.state_ms = ms;
        for (size_t i = 0; i < e->ndevs; i++) {
                struct eng_file *f = &e->devs[i]->state;

                f->period_ms = ms;
                f->sch.period_ns = (int64_t)ms * MS_NS;
                /* the new cadence applies from now: never later than one new period */
                if (!f->sch.in_flight && f->sch.next_ns > eng_now(e) + f->sch.period_ns)
                        f->sch.next_ns = eng_now(e) + f->sch.period_ns;
                eng_dev_rate(e, e->devs[i], eng_now(e));
        }
        e->next_ns = 0;
        return 0;
}

int engine_set_focus(struct engine *e, const char *const *names, size_t n)
{
        int64_t now = eng_now(e);

        e->focus_set = true;
        for (size_t i = 0; i < e->ndevs; i++)
                e->devs[i]->focus = false;
        for (size_t k = 0; names && k < n; k++) {
                struct eng_dev *d = names[k] ? eng_dev_lookup(e, names[k]) : NULL;

                if (d)
                        d->focus = true;
        }
        for (size_t i = 0; i < e->ndevs; i++)
                eng_dev_rate(e, e->devs[i], now);
        return 0;
}

void engine_set_stale(struct engine *e, bool (*fn)(void *ctx, const char *name), void *ctx)
{
        e->stale = fn;
        e->stale_ctx = ctx;
        e->stuck_next_ns = 0; /* judge again with it */
}

void engine_clear_focus(struct engine *e)
{
        int64_t now = eng_now(e);

        e->focus_set = false;
        for (size_t i = 0; i < e->ndevs; i++)
                eng_dev_rate(e, e->devs[i], now);
}
