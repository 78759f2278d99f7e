// SPDX-License-Identifier: GPL-2.0-only
#include "engine/reader.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/thr.h"

struct job {
        struct job *next, *prev; /* todo/done lists: next only; running list: both */
        void *user;
        char *path;
        int64_t submitted_ns;
        int64_t started_ns; /* when a worker took it (0: still queued) */
        struct src_read res;
};

struct reader {
        struct src *src;
        pthread_mutex_t lock;
        pthread_cond_t work;    /* jobs queued, or shutting down */
        pthread_cond_t done_cv; /* completions pending */
        struct job *todo, *todo_tail;
        struct job *done, *done_tail;
        struct job *running; /* jobs a worker is reading now */
        unsigned workers, busy, max_workers, queued;
        unsigned refs; /* the owner + each live worker */
        int shutdown;
        int efd;
        unsigned unsignalled; /* results posted since the last wake-up of the owner */
        int held;             /* reader_hold(): queue submissions, start them on release */
        int64_t progress_ns;  /* last time a worker took or finished a job */
};

/*
 * Pool size: READER_MIN_WORKERS threads take the reads; one more starts only while every
 * worker is busy, reads wait, and either no worker has made progress or the oldest
 * queued read has waited for READER_STALL_NS (reads are stuck in the driver).  Fast reads
 * so stay on few threads (each extra thread costs wake-ups and lock traffic on every
 * cycle), and a blocked read never holds up the reads queued behind it for more than a
 * stall period.
 */
#define READER_MIN_WORKERS 1u
#define READER_STALL_NS    (5 * 1000000LL)

/*
 * A worker whose read has run READER_STALL_NS or more is stuck: it does not count
 * against max_workers, so reads that answer always have workers of their own however
 * many reads are stuck.  Stuck workers are bounded by READER_MAX_STUCK on top of
 * max_workers (the engine keeps at most one read in flight per file, and starts no
 * other read of a directory while one of it is blocked, so stuck reads are bounded by
 * the files that never answer).
 */
#define READER_MAX_STUCK 1024u

int64_t reader_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void job_free(struct job *j)
{
        src_read_free(&j->res);
        free(j->path);
        free(j);
}

static void reader_destroy(struct reader *r)
{
        struct job *j;

        while ((j = r->todo)) {
                r->todo = j->next;
                job_free(j);
        }
        while ((j = r->done)) {
                r->done = j->next;
                job_free(j);
        }
        pthread_mutex_unlock(&r->lock);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->work);
        pthread_cond_destroy(&r->done_cv);
        close(r->efd);
        src_close(r->src);
        free(r);
}

/* Called with the lock held; releases it (and frees r when it was the last reference). */
static void reader_put_locked(struct reader *r)
{
        if (--r->refs == 0) {
                reader_destroy(r);
                return;
        }
        pthread_mutex_unlock(&r->lock);
}

/*
 * Wake the owner (eventfd + condition) at most once per batch: when no more jobs are
 * queued (this was the last one to run), or when READER_BATCH results wait.  A result
 * posted while other jobs are still queued is collected by the owner's next pass at the
 * latest (the engine wakes at least on its next cadence or deadline), and by then another
 * worker has usually signalled: this keeps the cost per read close to the read itself.
 */
#define READER_BATCH 32u

static void post_done_locked(struct reader *r, struct job *j)
{
        uint64_t one = 1;

        j->next = NULL;
        if (r->done_tail)
                r->done_tail->next = j;
        else
                r->done = j;
        r->done_tail = j;
        r->unsignalled++;
        if (r->todo && r->unsignalled < READER_BATCH)
                return;
        r->unsignalled = 0;
        pthread_cond_broadcast(&r->done_cv);
        if (write(r->efd, &one, sizeof(one)) < 0) {
                /* counter saturated: it is readable anyway */
        }
}

static void *worker_main(void *arg)
{
        struct reader *r = arg;
        struct job *j;

        pthread_mutex_lock(&r->lock);
        for (;;) {
                while (!r->todo && !r->shutdown)
                        pthread_cond_wait(&r->work, &r->lock);
                if (r->shutdown)
                        break;
                j = r->todo;
                r->todo = j->next;
                if (!r->todo)
                        r->todo_tail = NULL;
                r->queued--;
                r->busy++;
                r->progress_ns = reader_mono_ns();
                j->started_ns = r->progress_ns;
                j->prev = NULL;
                j->next = r->running;
                if (r->running)
                        r->running->prev = j;
                r->running = j;
                pthread_mutex_unlock(&r->lock);

                if (src_read(r->src, j->path, &j->res) < 0)
                        j->res.err = ENOMEM;

                pthread_mutex_lock(&r->lock);
                if (j->prev)
                        j->prev->next = j->next;
                else
                        r->running = j->next;
                if (j->next)
                        j->next->prev = j->prev;
                j->prev = NULL;
                r->busy--;
                r->progress_ns = reader_mono_ns();
                if (r->shutdown) {
                        job_free(j);
                        break;
                }
                post_done_locked(r, j);
        }
        r->workers--;
        reader_put_locked(r);
        return NULL;
}

/*
 * Lock held.  Start a worker when more jobs wait than idle workers can take; a worker
 * stuck in a blocked read so never holds up the reads queued behind it for long.
 */
/*
 * Lock held.  Workers whose read has run a stall period or more; *first_fresh (may be
 * NULL) gets the start of the oldest read that has not (INT64_MAX: none).  The running
 * list is newest first (a worker puts its job at the head, its start taken under the
 * lock): the walk stops at the first stuck read, so it costs the reads that are not
 * stuck, however many are (a replay holds a thousand reads at its start, and the engine
 * asks this for every file it plans).
 */
static unsigned stuck_locked(const struct reader *r, int64_t now, int64_t *first_fresh)
{
        unsigned fresh = 0;

        if (first_fresh)
                *first_fresh = INT64_MAX;
        for (const struct job *j = r->running; j && now - j->started_ns < READER_STALL_NS;
             j = j->next) {
                fresh++;
                if (first_fresh)
                        *first_fresh = j->started_ns;
        }
        return r->busy - fresh;
}

static int maybe_grow_locked(struct reader *r)
{
        pthread_attr_t attr;
        pthread_t t;
        int64_t now;
        int err = 0;
        unsigned fresh, want;

        if (r->todo && r->busy < r->workers) {
                /*
                 * Submissions wake one worker (see reader_release): idle workers are woken
                 * only when the queue stops moving (the awake one is in a slow read).
                 */
                now = reader_mono_ns();
                if (now - r->progress_ns >= READER_STALL_NS ||
                    now - r->todo->submitted_ns >= READER_STALL_NS)
                        pthread_cond_signal(&r->work);
        }
        if (r->queued <= r->workers - r->busy || r->workers >= r->max_workers + READER_MAX_STUCK)
                return 0;
        now = reader_mono_ns();
        /* workers not stuck: a stuck one is replaced at once, up to max_workers */
        fresh = r->workers - stuck_locked(r, now, NULL);
        if (fresh >= r->max_workers)
                return 0;
        /* enough threads, and one is idle or they all moved lately: no new thread */
        if (fresh >= READER_MIN_WORKERS &&
            (r->busy < r->workers || (now - r->progress_ns < READER_STALL_NS &&
                                      now - r->todo->submitted_ns < READER_STALL_NS)))
                return 0; /* busy, but moving: the queue drains without another thread */
        /*
         * One more worker while some still move.  When every worker is stuck, as many as
         * may run at once (up to the reads waiting): reads queued behind many stuck files
         * (200 FIFOs) would otherwise get one worker per stall period, a second's ramp.
         */
        want = 1;
        if (fresh == 0) {
                want = r->queued - (r->workers - r->busy);
                if (want > r->max_workers)
                        want = r->max_workers;
                if (want > r->max_workers + READER_MAX_STUCK - r->workers)
                        want = r->max_workers + READER_MAX_STUCK - r->workers;
        }
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        for (unsigned k = 0; k < want; k++) {
                err = thr_start(&t, &attr, worker_main, r);
                if (err)
                        break;
                r->workers++;
                r->refs++;
        }
        pthread_attr_destroy(&attr);
        if (err && !r->workers)
                return -err;
        r->progress_ns = reader_mono_ns(); /* the new workers get a stall period to start */
        return 0;
}

int reader_new(struct src *s, unsigned max_workers, struct reader **out)
{
        struct reader *r = calloc(1, sizeof(*r));

        *out = NULL;
        if (!r)
                return -ENOMEM;
        r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (r->efd < 0) {
                int err = -errno;

                free(r);
                return err;
        }
        pthread_mutex_init(&r->lock, NULL);
        pthread_cond_init(&r->work, NULL);
        pthread_cond_init(&r->done_cv, NULL);
        r->src = s;
        r->max_workers = max_workers ? max_workers : 1;
        r->progress_ns = reader_mono_ns();
        r->refs = 1;
        *out = r;
        return 0;
}

void reader_free(struct reader *r)
{
        if (!r)
                return;
        pthread_mutex_lock(&r->lock);
        r->shutdown = 1;
        pthread_cond_broadcast(&r->work);
        reader_put_locked(r);
}

int reader_submit(struct reader *r, const char *path, void *user)
{
        struct job *j = calloc(1, sizeof(*j));
        int err;

        if (!j)
                return -ENOMEM;
        j->path = strdup(path);
        if (!j->path) {
                free(j);
                return -ENOMEM;
        }
        j->user = user;
        j->submitted_ns = reader_mono_ns();
        pthread_mutex_lock(&r->lock);
        r->queued++;
        err = r->held ? 0 : maybe_grow_locked(r);
        if (err) {
                r->queued--;
                pthread_mutex_unlock(&r->lock);
                job_free(j);
                return err;
        }
        if (r->todo_tail)
                r->todo_tail->next = j;
        else
                r->todo = j;
        r->todo_tail = j;
        if (!r->held)
                pthread_cond_signal(&r->work);
        pthread_mutex_unlock(&r->lock);
        return 0;
}

void reader_hold(struct reader *r)
{
        pthread_mutex_lock(&r->lock);
        r->held = 1;
        pthread_mutex_unlock(&r->lock);
}

int reader_release(struct reader *r)
{
        unsigned before;
        int err = 0;

        pthread_mutex_lock(&r->lock);
        r->held = 0;
        do {
                before = r->workers;
                err = maybe_grow_locked(r);
        } while (!err && r->workers > before);
        /*
         * One worker takes the batch (a fast read costs less than waking a thread): waking
         * them all made every worker contend for the lock on every job, and each wake is a
         * futex call.  Others are woken when the queue stalls (maybe_grow_locked).
         */
        if (r->todo)
                pthread_cond_signal(&r->work);
        pthread_mutex_unlock(&r->lock);
        return err;
}

size_t reader_collect(struct reader *r, struct reader_done *out, size_t max)
{
        struct job *j;
        size_t n = 0;
        uint64_t v;

        pthread_mutex_lock(&r->lock);
        maybe_grow_locked(r);
        while (n < max && (j = r->done)) {
                r->done = j->next;
                if (!r->done)
                        r->done_tail = NULL;
                out[n].user = j->user;
                out[n].path = j->path;
                out[n].res = j->res;
                out[n].submitted_ns = j->submitted_ns;
                out[n].started_ns = j->started_ns;
                free(j);
                n++;
        }
        if (!r->done) {
                r->unsignalled = 0;
                if (read(r->efd, &v, sizeof(v)) < 0) {
                        /* EAGAIN: nothing was pending */
                }
        }
        pthread_mutex_unlock(&r->lock);
        return n;
}

void reader_wait(struct reader *r, int64_t deadline_ns)
{
        struct timespec now_rt, ts;
        int64_t left, abs_rt;

        pthread_mutex_lock(&r->lock);
        while (!r->done) {
                maybe_grow_locked(r);
                left = deadline_ns - reader_mono_ns();
                if (left <= 0)
                        break;
                /* reads waiting behind busy workers: look again when they would count as stuck */
                if (r->todo && r->workers < r->max_workers + READER_MAX_STUCK &&
                    left > READER_STALL_NS / 2)
                        left = READER_STALL_NS / 2;
                clock_gettime(CLOCK_REALTIME, &now_rt);
                abs_rt = (int64_t)now_rt.tv_sec * 1000000000LL + now_rt.tv_nsec + left;
                ts.tv_sec = abs_rt / 1000000000LL;
                ts.tv_nsec = abs_rt % 1000000000LL;
                pthread_cond_timedwait(&r->done_cv, &r->lock, &ts);
        }
        pthread_mutex_unlock(&r->lock);
}

struct src *reader_src(struct reader *r)
{
        return r->src;
}

int reader_fd(const struct reader *r)
{
        return r->efd;
}

int64_t reader_grow_check_ns(struct reader *r)
{
        int64_t left = -1, now, first;

        pthread_mutex_lock(&r->lock);
        if (r->todo && !r->held && r->busy == r->workers &&
            r->workers < r->max_workers + READER_MAX_STUCK) {
                unsigned fresh;

                now = reader_mono_ns();
                fresh = r->workers - stuck_locked(r, now, &first);
                /* as many workers as may run: the next chance is when one turns stuck */
                if (fresh < r->max_workers && first > r->progress_ns)
                        first = r->progress_ns;
                if (fresh < r->max_workers && first > r->todo->submitted_ns)
                        first = r->todo->submitted_ns;
                left = first + READER_STALL_NS - now;
                if (left < 0)
                        left = 0;
        }
        pthread_mutex_unlock(&r->lock);
        return left;
}

unsigned reader_active(struct reader *r, int64_t *stall_ns)
{
        int64_t now, first;
        unsigned n;

        pthread_mutex_lock(&r->lock);
        now = reader_mono_ns();
        n = r->busy - stuck_locked(r, now, &first) + r->queued;
        for (const struct job *j = r->done; j; j = j->next)
                n++;
        if (stall_ns) {
                if (r->done)
                        *stall_ns = 0; /* results wait (posted without a wake-up) */
                else if (first != INT64_MAX)
                        *stall_ns =
                            first + READER_STALL_NS > now ? first + READER_STALL_NS - now : 0;
                else if (r->todo)
                        *stall_ns = READER_STALL_NS; /* a worker is starting, or all are stuck */
                else
                        *stall_ns = -1;
        }
        pthread_mutex_unlock(&r->lock);
        return n;
}

int64_t reader_started_ns(struct reader *r, const void *user)
{
        int64_t t = 0;

        pthread_mutex_lock(&r->lock);
        for (const struct job *j = r->running; j; j = j->next) {
                if (j->user == user) {
                        t = j->started_ns;
                        break;
                }
        }
        pthread_mutex_unlock(&r->lock);
        return t;
}

unsigned reader_starved(struct reader *r)
{
        unsigned n;

        pthread_mutex_lock(&r->lock);
        n = r->queued && r->busy >= r->workers && r->workers >= r->max_workers + READER_MAX_STUCK
                ? r->queued
                : 0;
        pthread_mutex_unlock(&r->lock);
        return n;
}

void reader_stats(struct reader *r, unsigned *workers, unsigned *busy)
{
        pthread_mutex_lock(&r->lock);
        if (workers)
                *workers = r->workers;
        if (busy)
                *busy = r->busy;
        pthread_mutex_unlock(&r->lock);
}
