/* SPDX-License-Identifier: GPL-2.0-only */
/* replayer: a recording driven on its virtual clock (see replayer.h). */
#include "engine/replayer.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kmsg.h"
#include "core/rec.h"
#include "core/rec_read.h"
#include "core/src_replay.h"
#include "engine/engine.h"
#include "engine/evlog.h"
#include "engine/klog.h"

#define RPL_S_NS 1000000000LL
#define RPL_MS   1000000LL

/* A recorded change (its time, its path), or the start of a read recorded slow. */
struct rpl_mark {
        int64_t t;
        char *path;
};

struct rpl_marks {
        struct rpl_mark *m;
        size_t n, cap;
};

struct rpl {
        char *path;
        struct replay *rp;
        struct replay_play *play;
        struct klog *klog;
        struct engine *e;
        bool own_e;
        struct engine_opts eo; /* rpl_engine_open's, to make the engine again */
        rpl_step_fn *step;
        void *step_ctx;
        struct rpl_marks changes, slow;
        size_t slow_pos; /* the next slow start not reached */
        double speed;
        bool paused, at_end;
};

static int64_t rpl_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * RPL_S_NS + ts.tv_nsec;
}

/* ---- the index ---- */

static int rpl_mark_add(struct rpl_marks *ms, int64_t t, const char *path)
{
        if (ms->n == ms->cap) {
                size_t ncap = ms->cap ? ms->cap * 2 : 64;
                struct rpl_mark *nm = realloc(ms->m, ncap * sizeof(*nm));

                if (!nm)
                        return -ENOMEM;
                ms->m = nm;
                ms->cap = ncap;
        }
        ms->m[ms->n].t = t;
        ms->m[ms->n].path = strdup(path);
        if (!ms->m[ms->n].path)
                return -ENOMEM;
        ms->n++;
        return 0;
}

static void rpl_marks_free(struct rpl_marks *ms)
{
        for (size_t i = 0; i < ms->n; i++)
                free(ms->m[i].path);
        free(ms->m);
        memset(ms, 0, sizeof(*ms));
}

static int rpl_mark_cmp(const void *a, const void *b)
{
        const struct rpl_mark *x = a, *y = b;

        return x->t < y->t ? -1 : x->t > y->t;
}

/* Every change (a read result or listing, not a keyframe's) and every slow read's start. */
static int rpl_index(struct rpl *r, char *msg, size_t size)
{
        struct rec_reader *rd;
        struct rec_ev ev;
        int ret = rec_reader_open(r->path, &rd, msg, size);

        if (ret < 0)
                return ret;
        while (ret >= 0 && (ret = rec_next(rd, &ev)) == 1) {
                char buf[REC_STR_MAX + 320];

                ret = 0;
                if ((ev.flags & REC_F_KEY) || (ev.type != REC_READ && ev.type != REC_LIST))
                        continue;
                /* a link's path as the replay knows it (LABEL:PATH); others' are not replayed */
                ev.path = rec_host_path(rec_reader_header(rd), ev.host, ev.path, buf, sizeof(buf));
                if (!ev.path)
                        continue;
                if (ev.type == REC_READ &&
                    ((ev.flags & REC_F_OPEN) || ev.t_end - ev.t_start >= REC_SLOW_NS))
                        ret = rpl_mark_add(&r->slow, ev.t_start, ev.path);
                if (ret == 0 && !(ev.flags & REC_F_OPEN))
                        ret = rpl_mark_add(&r->changes, ev.t_ns, ev.path);
        }
        rec_reader_free(rd);
        if (ret < 0) {
                snprintf(msg, size, "indexing %s: %s", r->path, strerror(-ret));
                return ret;
        }
        if (r->changes.n) /* (in time order already, unless written by an older migtop) */
                qsort(r->changes.m, r->changes.n, sizeof(*r->changes.m), rpl_mark_cmp);
        if (r->slow.n)
                qsort(r->slow.m, r->slow.n, sizeof(*r->slow.m), rpl_mark_cmp);
        return 0;
}

int rpl_open(const char *path, struct rpl **out, char *msg, size_t size)
{
        struct rpl *r = calloc(1, sizeof(*r));
        int ret;

        *out = NULL;
        if (!r || !(r->path = strdup(path))) {
                free(r);
                snprintf(msg, size, "out of memory");
                return -ENOMEM;
        }
        r->speed = 1.0;
        ret = replay_open(path, &r->rp, msg, size);
        if (ret == 0)
                ret = rpl_index(r, msg, size);
        if (ret < 0) {
                rpl_free(r);
                return ret;
        }
        *out = r;
        return 0;
}

/* The engine (when the rpl made it), the kernel log and the player. */
static void rpl_stop(struct rpl *r)
{
        if (r->own_e)
                engine_free(r->e);
        r->e = NULL;
        r->own_e = false;
        klog_free(r->klog);
        r->klog = NULL;
        replay_play_close(r->play);
        r->play = NULL;
}

void rpl_free(struct rpl *r)
{
        if (!r)
                return;
        rpl_stop(r);
        replay_free(r->rp);
        rpl_marks_free(&r->changes);
        rpl_marks_free(&r->slow);
        free(r->path);
        free(r);
}

struct replay *rpl_replay(const struct rpl *r)
{
        return r->rp;
}

int64_t rpl_first_ns(const struct rpl *r)
{
        return replay_first_ns(r->rp);
}

int64_t rpl_last_ns(const struct rpl *r)
{
        return replay_last_ns(r->rp);
}

/* ---- the kernel log, as the clock passes its records ---- */

static int rpl_klog_next(void *ctx, struct kmsg_rec *out, char *err, size_t errsz)
{
        char *raw, name[KMSG_DEV_MAX];
        const char *label = NULL;
        size_t len;
        int ret = replay_play_klog(ctx, &raw, &len, &label);

        if (ret < 0)
                return KLOG_END;
        if (ret == 0)
                return KLOG_NONE;
        ret = kmsg_parse(raw, len, out, err, errsz);
        free(raw);
        if (ret >= 0 && label && out->device[0]) {
                /* a link's record: tied to LABEL:DEVICE, as the live run's (remote_klog.c) */
                if ((size_t)snprintf(name, sizeof(name), "%s:%s", label, out->device) >=
                    sizeof(name))
                        name[0] = '\0';
                memcpy(out->device, name, sizeof(name));
        }
        return ret < 0 ? KLOG_BAD : KLOG_REC;
}

static int rpl_klog_fd(void *ctx)
{
        (void)ctx;
        return -1;
}

static void rpl_klog_destroy(void *ctx)
{
        (void)ctx; /* the player is the rpl's */
}

static const struct klog_ops rpl_klog_ops = {
    .kind = "replay",
    .fd = rpl_klog_fd,
    .next = rpl_klog_next,
    .destroy = rpl_klog_destroy,
};

/* ---- the player and the engine ---- */

int rpl_start(struct rpl *r, int64_t start_ns, struct src **src, struct klog **klog)
{
        int64_t now;
        int ret;

        *src = NULL;
        *klog = NULL;
        rpl_stop(r);
        ret = replay_play_open(r->rp, 0, start_ns, &r->play, src);
        if (ret < 0)
                return ret;
        /* what was known when it starts (the hosts' links too: before the first read) */
        ret = replay_play_advance(r->play, replay_play_now(r->play), NULL, NULL);
        if (ret == 0)
                ret = replay_play_advance_status(r->play);
        /* recorded without a kernel log (a fixture, --no-kmsg): replayed without one */
        if (ret == 0 && replay_play_has_klog(r->play))
                ret = klog_new(&rpl_klog_ops, r->play, r->path, false, klog);
        if (ret < 0) {
                src_close(*src);
                *src = NULL;
                rpl_stop(r);
                return ret;
        }
        now = replay_play_now(r->play);
        for (r->slow_pos = 0; r->slow_pos < r->slow.n && r->slow.m[r->slow_pos].t <= now;)
                r->slow_pos++;
        r->at_end = false;
        return 0;
}

void rpl_engine_opts(struct rpl *r, struct engine_opts *eo)
{
        eo->now = replay_play_clock;
        eo->realtime = replay_play_clock;
        eo->now_ctx = r->play;
}

void rpl_attach(struct rpl *r, struct engine *e, rpl_step_fn *step, void *ctx)
{
        r->e = e;
        r->step = step;
        r->step_ctx = ctx;
}

int rpl_engine_open(struct rpl *r, const struct engine_opts *eo, int64_t start_ns)
{
        struct engine_opts o;
        struct klog *k;
        struct src *s;
        int ret;

        if (eo != &r->eo)
                r->eo = *eo;
        ret = rpl_start(r, start_ns, &s, &k);
        if (ret < 0)
                return ret;
        o = r->eo;
        rpl_engine_opts(r, &o);
        o.klog = k;
        r->klog = k;
        ret = engine_new(s, &o, &r->e);
        if (ret < 0) {
                rpl_stop(r);
                return ret;
        }
        r->own_e = true;
        r->step = NULL;
        return 0;
}

int rpl_link(const struct rpl *r, unsigned host, struct rec_link *out)
{
        return r->play ? replay_play_link(r->play, host, out) : -ENOENT;
}

int rpl_sys(const struct rpl *r, const char *dev, struct rec_sys *out)
{
        return r->play ? replay_play_sys(r->play, dev, out) : -ENOENT;
}

struct engine *rpl_engine(const struct rpl *r)
{
        return r->e;
}

int64_t rpl_now(const struct rpl *r)
{
        return r->play ? replay_play_now(r->play) : rpl_first_ns(r);
}

/* ---- the virtual clock ---- */

/* A device's read of its path ("DEV/migration/state", "DEV/migration/hisi_acc/dev_data"). */
static void rpl_request(struct engine *e, const char *path)
{
        char buf[1024], *dev, *a, *b;

        snprintf(buf, sizeof(buf), "%s", path);
        dev = buf;
        a = strchr(dev, '/');
        if (!a)
                return;
        *a++ = '\0';
        b = strrchr(a, '/');
        if (!b) {
                engine_request(e, dev, NULL, a);
                return;
        }
        *b++ = '\0';
        if (strcmp(a, "migration") == 0)
                engine_request(e, dev, NULL, b);
        else
                engine_request(e, dev, strncmp(a, "migration/", 10) == 0 ? a + 10 : a, b);
}

/* A recorded result: the engine reads that file (or lists again) now. */
static void rpl_changed(void *ctx, unsigned type, const char *path)
{
        struct rpl *r = ctx;

        if (type != REC_READ)
                engine_rescan(r->e);
        else
                rpl_request(r->e, path);
}

static int rpl_turn(struct rpl *r)
{
        int ret;

        if (r->step)
                return r->step(r->step_ctx);
        ret = engine_process(r->e);
        return ret < 0 ? ret : 0;
}

int rpl_settle_now(struct rpl *r)
{
        int64_t t0 = rpl_mono_ns();

        for (;;) {
                struct pollfd p = {.fd = engine_fd(r->e), .events = POLLIN};
                int ret = rpl_turn(r);

                if (ret != 0)
                        return ret;
                /* every read in flight waits for the clock: held by the recording (the
                   first read of each file until its recorded end), or queued behind
                   held ones that fill every reader thread there may be (a recording of
                   more files than that: the clock goes on, and frees some) */
                if (engine_inflight(r->e) <= replay_play_waiting(r->play) + engine_starved(r->e) &&
                    engine_next_timeout_ms(r->e) != 0)
                        return 0;
                if (rpl_mono_ns() - t0 > RPL_REAL_WAIT_MS * RPL_MS)
                        return 0; /* a read that never answers: let the clock go on */
                if (poll(&p, 1, 10) < 0 && errno != EINTR)
                        return -errno;
        }
}

/* One step: settle, then move the clock to the next thing due, at most to until_ns. */
static int rpl_step(struct rpl *r, int64_t until_ns)
{
        int64_t now = replay_play_now(r->play), next = until_ns, rec;
        int t, ret = rpl_settle_now(r);

        if (ret != 0)
                return ret;
        rec = replay_play_next_ns(r->play);
        if (rec < next)
                next = rec;
        if (r->slow_pos < r->slow.n && r->slow.m[r->slow_pos].t < next)
                next = r->slow.m[r->slow_pos].t;
        t = engine_next_timeout_ms(r->e);
        if (t > 0 && now + (int64_t)t * RPL_MS < next)
                next = now + (int64_t)t * RPL_MS;
        if (next <= now)
                next = now + 1;
        ret = replay_play_advance(r->play, next, rpl_changed, r);
        /* a read that was slow while recording starts when it started then (held) */
        now = replay_play_now(r->play);
        for (; ret == 0 && r->slow_pos < r->slow.n && r->slow.m[r->slow_pos].t <= now;
             r->slow_pos++)
                rpl_request(r->e, r->slow.m[r->slow_pos].path);
        return ret;
}

int rpl_run_to(struct rpl *r, int64_t t_ns)
{
        int64_t end = t_ns > rpl_last_ns(r) ? rpl_last_ns(r) : t_ns;

        while (replay_play_now(r->play) < end) {
                int ret = rpl_step(r, end);

                if (ret != 0)
                        return ret;
        }
        return 0;
}

int rpl_settle(struct rpl *r, int64_t end_ns)
{
        for (;;) {
                int ret = rpl_settle_now(r);

                if (ret != 0)
                        return ret;
                if (engine_pending(r->e) == 0 || replay_play_now(r->play) >= end_ns)
                        return 0;
                ret = rpl_step(r, end_ns);
                if (ret != 0)
                        return ret;
        }
}

/* ---- the console's player ---- */

int rpl_tick(struct rpl *r, int64_t real_elapsed_ns, int budget_ms)
{
        int64_t now, target, end, t0 = rpl_mono_ns();
        int ret = 0;

        if (!r->e || r->paused || r->at_end)
                return 0;
        now = replay_play_now(r->play);
        end = rpl_last_ns(r);
        target = now + (int64_t)((double)real_elapsed_ns * r->speed);
        if (target > end)
                target = end;
        while (ret == 0 && replay_play_now(r->play) < target &&
               rpl_mono_ns() - t0 < (int64_t)budget_ms * RPL_MS)
                ret = rpl_step(r, target);
        if (ret == 0)
                ret = rpl_settle_now(r);
        if (replay_play_now(r->play) >= end) {
                r->paused = true;
                r->at_end = true;
        }
        if (ret < 0)
                return ret;
        return replay_play_now(r->play) != now;
}

double rpl_speed(const struct rpl *r)
{
        return r->speed;
}

void rpl_set_speed(struct rpl *r, double speed)
{
        r->speed = speed < RPL_SPEED_MIN   ? RPL_SPEED_MIN
                   : speed > RPL_SPEED_MAX ? RPL_SPEED_MAX
                                           : speed;
}

bool rpl_paused(const struct rpl *r)
{
        return r->paused;
}

void rpl_set_paused(struct rpl *r, bool paused)
{
        /* play at the end: from the start again */
        if (!paused && r->at_end && r->own_e && rpl_seek(r, rpl_first_ns(r)) < 0)
                return;
        r->paused = paused;
}

bool rpl_at_end(const struct rpl *r)
{
        return r->at_end;
}

bool rpl_seek_reopens(const struct rpl *r, int64_t t_ns)
{
        int64_t now = rpl_now(r);

        return r->own_e && (t_ns < now || t_ns - now > RPL_HISTORY_S * RPL_S_NS);
}

int rpl_seek(struct rpl *r, int64_t t_ns)
{
        int64_t first = rpl_first_ns(r), last = rpl_last_ns(r);
        int ret;

        if (t_ns < first)
                t_ns = first;
        if (t_ns > last)
                t_ns = last;
        if (rpl_seek_reopens(r, t_ns)) {
                int64_t start = t_ns - RPL_HISTORY_S * RPL_S_NS;

                ret = rpl_engine_open(r, &r->eo, start > first ? start : 0);
                if (ret < 0)
                        return ret;
        }
        if (!r->e)
                return -EINVAL;
        ret = rpl_run_to(r, t_ns);
        if (ret == 0)
                ret = rpl_settle_now(r);
        r->at_end = t_ns >= last;
        if (r->at_end)
                r->paused = true;
        return ret < 0 ? ret : 0;
}

static bool rpl_of_dev(const char *path, const char *dev)
{
        size_t n;

        if (!dev)
                return true;
        n = strlen(dev);
        return strncmp(path, dev, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int64_t rpl_change_after(const struct rpl *r, const char *dev, int64_t t_ns)
{
        for (size_t i = 0; i < r->changes.n; i++)
                if (r->changes.m[i].t > t_ns && rpl_of_dev(r->changes.m[i].path, dev))
                        return r->changes.m[i].t;
        return -1;
}

int64_t rpl_change_before(const struct rpl *r, const char *dev, int64_t t_ns)
{
        for (size_t i = r->changes.n; i-- > 0;)
                if (r->changes.m[i].t < t_ns && rpl_of_dev(r->changes.m[i].path, dev))
                        return r->changes.m[i].t;
        return -1;
}

int rpl_parse_goto(const struct rpl *r, const char *s, int64_t *t_ns, char *err, size_t errsz)
{
        int64_t t;

        while (*s == ' ')
                s++;
        if (*s == '+' || *s == '-') {
                char *end;
                double v;

                errno = 0;
                v = strtod(s, &end);
                while (*end == ' ')
                        end++;
                if (errno || end == s + 1 || *end || v > 1e9 || v < -1e9) {
                        snprintf(err, errsz, "'%s': not +SECONDS or -SECONDS", s);
                        return -EINVAL;
                }
                t = rpl_now(r) + (int64_t)(v * 1e9 + (v < 0 ? -0.5 : 0.5));
        } else {
                int ret = replay_parse_time(r->rp, s, &t, err, errsz);

                if (ret < 0) { /* its message names --at */
                        if (strncmp(err, "--at ", 5) == 0)
                                memmove(err, err + 5, strlen(err + 5) + 1);
                        return ret;
                }
        }
        if (t < rpl_first_ns(r))
                t = rpl_first_ns(r);
        if (t > rpl_last_ns(r))
                t = rpl_last_ns(r);
        *t_ns = t;
        return 0;
}

void rpl_status(const struct rpl *r, char *buf, size_t size)
{
        char ts[40];
        int64_t now = rpl_now(r), first = rpl_first_ns(r);

        evlog_time(now, ts, sizeof(ts));
        snprintf(buf, size, "replay %s  +%.1f s of %.1f s  %gx  %s", ts,
                 (double)(now - first) / 1e9, (double)(rpl_last_ns(r) - first) / 1e9, r->speed,
                 r->at_end   ? "end of recording"
                 : r->paused ? "paused"
                             : "playing");
}
