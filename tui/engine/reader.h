/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reader: a pool of worker threads that perform reads through a struct src, so that a
 * read that blocks (a debugfs show() waiting on a driver mutex, a FIFO, a hung remote)
 * never blocks its caller.  Completions are collected without blocking, and an eventfd
 * becomes readable whenever some are pending, for poll() beside stdin.
 *
 * The pool grows when every worker is busy (a blocked read keeps its worker) up to
 * max_workers; workers stuck in reads that do not answer (longer than a stall period) do
 * not count against it, so reads that answer always get workers (up to a hard bound of
 * stuck workers, READER_MAX_STUCK in reader.c).  reader_free() never waits for a blocked
 * read: workers still stuck are left to finish on their own and the pool's memory is
 * released by the last one out.  The source's read op must be safe to call from several
 * threads at once.
 */
#ifndef MIGTOP_ENGINE_READER_H
#define MIGTOP_ENGINE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/src.h"

struct reader;

struct reader_done {
        void *user;          /* as submitted */
        char *path;          /* malloc'd, owned by the receiver (free it) */
        struct src_read res; /* owned by the receiver (src_read_free) */
        int64_t submitted_ns;
        int64_t started_ns; /* when a worker started the read (reader_mono_ns) */
};

/*
 * Takes ownership of s (closed when the pool and every straggling worker are done with it,
 * so a read that returns after reader_free() still has a source).  0 or negative errno;
 * on error s is not taken.
 */
int reader_new(struct src *s, unsigned max_workers, struct reader **out);
/* The source, for synchronous calls (directory listings) by the pool's owner. */
struct src *reader_src(struct reader *r);
void reader_free(struct reader *r);

/* Queue a read of path; user is handed back with the result.  0 or negative errno. */
int reader_submit(struct reader *r, const char *path, void *user);

/*
 * Between reader_hold() and reader_release(), reader_submit() only queues: the workers
 * are started and woken once, for the whole batch.  reader_release() returns 0 or a
 * negative errno (no worker could be started at all).
 */
void reader_hold(struct reader *r);
int reader_release(struct reader *r);

/*
 * Take up to max completed reads without blocking; returns how many.  The eventfd and
 * reader_wait() wake once per batch of results (when the queue ran empty, or every few
 * dozen results), so an owner that also runs on a timer never misses one.
 */
size_t reader_collect(struct reader *r, struct reader_done *out, size_t max);

/* Wait until a completion is pending or until abs CLOCK_MONOTONIC deadline_ns passes. */
void reader_wait(struct reader *r, int64_t deadline_ns);

/* An eventfd readable while completions are pending (drained by reader_collect). */
int reader_fd(const struct reader *r);

/*
 * Reads wait behind workers that are all busy: nanoseconds until they count as stuck
 * and the next reader_collect()/reader_wait() would start another worker (0: now);
 * -1 when nothing waits.  An owner that polls reader_fd() caps its timeout with this.
 */
int64_t reader_grow_check_ns(struct reader *r);
/*
 * Reads that are queued, running but not stuck (shorter than a stall period), or done and
 * not collected: what an owner bounds to cap the memory of reads in flight, without
 * counting the reads that do not answer.  *stall_ns (may be NULL): when to look again
 * (nanoseconds): 0 when results wait to be collected (they are posted without a wake-up
 * while reads are queued), else when a running read turns stuck (and so leaves this
 * count, and a worker may be started), a stall period while reads are queued; -1: no read
 * is queued, running but not stuck, or waiting to be collected.
 */
unsigned reader_active(struct reader *r, int64_t *stall_ns);
/* Workers alive, and how many are busy right now. */
void reader_stats(struct reader *r, unsigned *workers, unsigned *busy);
/*
 * Reads queued that no worker can take now: every worker is busy and no other may start
 * (the stuck workers are at their cap, READER_MAX_STUCK).  They start only when a stuck
 * read answers.  0 when a worker can take the next one.
 */
unsigned reader_starved(struct reader *r);
/*
 * When a worker started the read submitted with user (reader_mono_ns), or 0 when no
 * worker runs it (still queued, or already done).  A read's deadline runs from here.
 */
int64_t reader_started_ns(struct reader *r, const void *user);

int64_t reader_mono_ns(void);

#endif
