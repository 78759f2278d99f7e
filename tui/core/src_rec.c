/* SPDX-License-Identifier: GPL-2.0-only */
/* src_rec: the recording tee source (see src_rec.h). */
#include "src_rec.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "thr.h"

#define SRC_REC_TICK_MS  250
#define SRC_REC_GRACE_MS 20 /* at the close, reads under way get this long to answer */

/* A read under way through a tee source (path: the caller's, valid until it returns). */
struct sr_flight {
        const char *path; /* NULL: free slot */
        unsigned host;
        int64_t t_start;
};

struct src_rec {
        pthread_mutex_t mu;
        pthread_cond_t cv;
        pthread_t flusher;
        bool flusher_on, stop;
        struct rec_writer *w; /* NULL once closed */
        int error;            /* the first write error */
        int64_t last_t;       /* the time of the last record written */
        unsigned refs;        /* the owner (until close) + each tee source */
        struct sr_flight *fl; /* reads in flight (one slot per reader thread at most) */
        size_t nfl;
        src_rec_poll_fn *poll; /* called by the flusher, mu not held */
        void (*poll_release)(void *ctx);
        void *poll_ctx;
};

struct src_tee {
        struct src_rec *rc;
        struct src *inner;
        unsigned host;
        src_rec_sys_fn *sys; /* a link's: its host's sysfs facts of the devices it lists */
        void *sys_ctx;
};

static void sr_unref(struct src_rec *rc)
{
        bool last;

        pthread_mutex_lock(&rc->mu);
        last = --rc->refs == 0;
        pthread_mutex_unlock(&rc->mu);
        if (!last)
                return;
        pthread_mutex_destroy(&rc->mu);
        pthread_cond_destroy(&rc->cv);
        free(rc->fl);
        free(rc);
}

/* With mu held: remember a write failure (the writer stays failed). */
static void sr_note(struct src_rec *rc, int ret)
{
        if (ret < 0 && ret != -EFBIG && !rc->error)
                rc->error = -ret;
}

/*
 * With mu held: the time to write a record of time t under, never before the last one.
 * Reader threads end their reads (t_end) and take mu in either order, so a result can
 * come in after a later one was written; a player applies records in file order up to its
 * clock, and would not know of a result stamped before one ahead of it (a read of that
 * path at such a time found nothing: "device removed" in a replay of a busy machine).
 * The record keeps the order the engine learnt of them: its time is moved forward to the
 * last record's (microseconds), the same for a step back of the wall clock.
 */
static int64_t sr_time(struct src_rec *rc, int64_t t)
{
        if (t < rc->last_t)
                t = rc->last_t;
        rc->last_t = t;
        return t;
}

/* With mu held: record a read's result, its end in the file's time order (sr_time). */
static int sr_write_read(struct src_rec *rc, unsigned host, const char *path,
                         const struct src_read *r)
{
        struct src_read c = *r;

        c.t_end = sr_time(rc, r->t_end);
        return rec_write_read(rc->w, host, path, &c);
}

static void *sr_flusher(void *arg)
{
        struct src_rec *rc = arg;
        struct timespec ts;

        pthread_mutex_lock(&rc->mu);
        while (!rc->stop) {
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += SRC_REC_TICK_MS * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&rc->cv, &rc->mu, &ts);
                if (rc->poll && !rc->stop) {
                        pthread_mutex_unlock(&rc->mu);
                        rc->poll(rc->poll_ctx, rc);
                        pthread_mutex_lock(&rc->mu);
                }
                if (rc->w && !rc->stop)
                        sr_note(rc, rec_writer_tick(rc->w, src_now_ns()));
        }
        pthread_mutex_unlock(&rc->mu);
        return NULL;
}

int src_rec_open(const char *path, const struct rec_writer_opts *o, struct src_rec **out, char *err,
                 size_t errsz)
{
        struct src_rec *rc = calloc(1, sizeof(*rc));
        int ret;

        *out = NULL;
        if (!rc) {
                snprintf(err, errsz, "out of memory");
                return -ENOMEM;
        }
        ret = rec_writer_open(path, o, &rc->w, err, errsz);
        if (ret < 0) {
                free(rc);
                return ret;
        }
        pthread_mutex_init(&rc->mu, NULL);
        pthread_cond_init(&rc->cv, NULL);
        rc->refs = 1;
        if (thr_start(&rc->flusher, NULL, sr_flusher, rc) != 0) {
                rec_writer_close(rc->w);
                rc->w = NULL;
                sr_unref(rc);
                snprintf(err, errsz, "recording %s: cannot start a thread", path);
                return -EAGAIN;
        }
        rc->flusher_on = true;
        *out = rc;
        return 0;
}

/* With mu held: a slot for a read starting now (-1: no memory, it goes unwatched). */
static long sr_flight_add(struct src_rec *rc, unsigned host, const char *path)
{
        size_t i;

        for (i = 0; i < rc->nfl && rc->fl[i].path; i++)
                ;
        if (i == rc->nfl) {
                size_t n = rc->nfl ? rc->nfl * 2 : 8;
                struct sr_flight *nf = realloc(rc->fl, n * sizeof(*nf));

                if (!nf)
                        return -1;
                memset(nf + rc->nfl, 0, (n - rc->nfl) * sizeof(*nf));
                rc->fl = nf;
                rc->nfl = n;
        }
        rc->fl[i] = (struct sr_flight){.path = path, .host = host, .t_start = src_now_ns()};
        return (long)i;
}

static int sr_read(void *ctx, const char *path, struct src_read *out)
{
        struct src_tee *t = ctx;
        long slot = -1;
        int ret;

        /* watched while in flight: at close, a read with no answer yet is recorded so */
        pthread_mutex_lock(&t->rc->mu);
        if (t->rc->w)
                slot = sr_flight_add(t->rc, t->host, path);
        pthread_mutex_unlock(&t->rc->mu);
        ret = src_read(t->inner, path, out);
        pthread_mutex_lock(&t->rc->mu);
        if (slot >= 0) {
                t->rc->fl[slot].path = NULL;
                if (t->rc->stop) /* the close waits for the reads under way */
                        pthread_cond_broadcast(&t->rc->cv);
        }
        if (ret >= 0 && t->rc->w)
                sr_note(t->rc, sr_write_read(t->rc, t->host, path, out));
        pthread_mutex_unlock(&t->rc->mu);
        return ret;
}

/*
 * A link's root listing: what its host's sysfs says of each device listed (written when it
 * changes), before the listing, so that a replay knows it as soon as the device.
 */
static void sr_sys(struct src_tee *t, const struct src_list *l)
{
        for (size_t i = 0; !l->err && i < l->n; i++) {
                struct rec_sys y;

                memset(&y, 0, sizeof(y));
                if (t->sys(t->sys_ctx, l->names[i], &y) < 0)
                        continue;
                pthread_mutex_lock(&t->rc->mu);
                if (t->rc->w)
                        sr_note(t->rc,
                                rec_write_sys(t->rc->w, t->host, sr_time(t->rc, src_now_ns()), &y));
                pthread_mutex_unlock(&t->rc->mu);
        }
}

static int sr_list(void *ctx, const char *path, struct src_list *out)
{
        struct src_tee *t = ctx;
        int ret = src_list(t->inner, path, out);
        int64_t now = src_now_ns();

        if (ret < 0)
                return ret;
        if (t->sys && !path[0])
                sr_sys(t, out);
        pthread_mutex_lock(&t->rc->mu);
        if (t->rc->w)
                sr_note(t->rc, rec_write_list(t->rc->w, t->host, path, sr_time(t->rc, now), out));
        pthread_mutex_unlock(&t->rc->mu);
        return ret;
}

static void sr_destroy(void *ctx)
{
        struct src_tee *t = ctx;

        src_close(t->inner);
        sr_unref(t->rc);
        free(t);
}

static const struct src_ops sr_ops = {
    .kind = "record",
    .read = sr_read,
    .list = sr_list,
    .destroy = sr_destroy,
};

int src_rec_wrap(struct src_rec *rc, struct src *inner, unsigned host, struct src **out)
{
        return src_rec_wrap_link(rc, inner, host, NULL, NULL, out);
}

int src_rec_wrap_link(struct src_rec *rc, struct src *inner, unsigned host, src_rec_sys_fn *sys,
                      void *sys_ctx, struct src **out)
{
        struct src_tee *t = calloc(1, sizeof(*t));
        int ret;

        *out = NULL;
        if (!t) {
                src_close(inner);
                return -ENOMEM;
        }
        t->rc = rc;
        t->inner = inner;
        t->host = host;
        t->sys = sys;
        t->sys_ctx = sys_ctx;
        ret = src_new(&sr_ops, t, inner->root, out);
        if (ret < 0) {
                src_close(inner);
                free(t);
                return ret;
        }
        pthread_mutex_lock(&rc->mu);
        rc->refs++;
        pthread_mutex_unlock(&rc->mu);
        return 0;
}

void src_rec_klog(void *ctx, const char *raw, size_t len)
{
        struct src_rec *rc = ctx;

        pthread_mutex_lock(&rc->mu);
        if (rc->w)
                sr_note(rc, rec_write_klog(rc->w, 0, sr_time(rc, src_now_ns()), raw, len));
        pthread_mutex_unlock(&rc->mu);
}

void src_rec_klog_host(struct src_rec *rc, unsigned host, const char *raw, size_t len)
{
        pthread_mutex_lock(&rc->mu);
        if (rc->w)
                sr_note(rc, rec_write_klog(rc->w, host, sr_time(rc, src_now_ns()), raw, len));
        pthread_mutex_unlock(&rc->mu);
}

int src_rec_link(struct src_rec *rc, unsigned host, const struct rec_link *l)
{
        int ret = 0;

        pthread_mutex_lock(&rc->mu);
        if (rc->w) {
                ret = rec_write_link(rc->w, host, sr_time(rc, src_now_ns()), l);
                sr_note(rc, ret);
        }
        pthread_mutex_unlock(&rc->mu);
        return ret < 0 ? ret : 0;
}

void src_rec_poll(struct src_rec *rc, src_rec_poll_fn *fn, void (*release)(void *ctx), void *ctx)
{
        pthread_mutex_lock(&rc->mu);
        rc->poll = fn;
        rc->poll_release = release;
        rc->poll_ctx = ctx;
        pthread_mutex_unlock(&rc->mu);
        fn(ctx, rc); /* the status at the start */
}

int src_rec_host(struct src_rec *rc, unsigned host, enum rec_host_status status, const char *msg)
{
        int ret = 0;

        pthread_mutex_lock(&rc->mu);
        if (rc->w) {
                ret = rec_write_host(rc->w, host, sr_time(rc, src_now_ns()), status, msg);
                sr_note(rc, ret);
        }
        pthread_mutex_unlock(&rc->mu);
        return ret < 0 ? ret : 0;
}

int src_rec_reopen(struct src_rec *rc)
{
        int ret = 0;

        pthread_mutex_lock(&rc->mu);
        if (rc->w) {
                ret = rec_writer_reopen(rc->w);
                sr_note(rc, ret);
        }
        pthread_mutex_unlock(&rc->mu);
        return ret;
}

int src_rec_error(struct src_rec *rc)
{
        int e;

        pthread_mutex_lock(&rc->mu);
        e = rc->error;
        pthread_mutex_unlock(&rc->mu);
        return e;
}

/*
 * With mu held: let the reads under way (the engine stops without waiting for its
 * readers) answer for SRC_REC_GRACE_MS: an ordinary read then gives its result, and only
 * a slow or blocked one is left unanswered.
 */
static void sr_grace(struct src_rec *rc)
{
        struct timespec ts;
        bool busy = true;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += SRC_REC_GRACE_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        while (busy) {
                busy = false;
                for (size_t i = 0; i < rc->nfl && !busy; i++)
                        busy = rc->fl[i].path != NULL;
                if (busy && pthread_cond_timedwait(&rc->cv, &rc->mu, &ts) == ETIMEDOUT)
                        break;
        }
}

int src_rec_close(struct src_rec *rc)
{
        struct rec_writer *w;
        int ret;

        if (!rc)
                return 0;
        pthread_mutex_lock(&rc->mu);
        rc->stop = true;
        pthread_cond_signal(&rc->cv);
        pthread_mutex_unlock(&rc->mu);
        if (rc->flusher_on)
                pthread_join(rc->flusher, NULL);
        if (rc->poll) {
                /* the links' status at the stop, then let go of them */
                rc->poll(rc->poll_ctx, rc);
                if (rc->poll_release)
                        rc->poll_release(rc->poll_ctx);
                rc->poll = NULL;
        }
        pthread_mutex_lock(&rc->mu);
        sr_grace(rc);
        w = rc->w;
        rc->w = NULL;
        /* the reads still in flight: no answer by now (a replay shows them blocked) */
        if (w) {
                int64_t now = sr_time(rc, src_now_ns());

                for (size_t i = 0; i < rc->nfl; i++)
                        if (rc->fl[i].path)
                                sr_note(rc, rec_write_open_read(w, rc->fl[i].host, rc->fl[i].path,
                                                                rc->fl[i].t_start, now));
                /* the end of the run: a replay lasts until then, also after a quiet end */
                sr_note(rc, rec_write_stop(w, now));
        }
        ret = rec_writer_close(w);
        if (ret == 0 && rc->error)
                ret = -rc->error;
        pthread_mutex_unlock(&rc->mu);
        sr_unref(rc);
        return ret;
}
