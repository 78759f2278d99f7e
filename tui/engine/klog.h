/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * klog: the kernel log as a source of records, behind one interface so that the engine
 * and the views never know where records come from: the live /dev/kmsg, a file of
 * records in the /dev/kmsg format (--kmsg FILE: fixtures, logs saved on another machine),
 * later a remote agent or a recording, and fakes in tests.
 *
 * The live source follows kernel/printk/printk.c (devkmsg_open/read/poll, 6.12):
 *   - opened O_RDONLY|O_NONBLOCK; the first read() returns the oldest record still in
 *     the ring (devkmsg_open starts at prb_first_valid_seq), so a failure logged before
 *     migtop started is still seen;
 *   - each read() returns one whole record (at most 2048 bytes; the buffer is 8 KiB);
 *     EAGAIN: nothing new; EPIPE: records were overwritten before we read them (the
 *     position moved to the oldest kept record: a gap, not an error); EINVAL: the buffer
 *     was too small (the kernel has already moved past that record);
 *   - the fd polls readable (EPOLLIN) when a record is waiting, with EPOLLERR added when
 *     the next read will report a gap;
 *   - open() fails with EPERM without CAP_SYSLOG when kernel.dmesg_restrict=1
 *     (check_syslog_permissions), and for everyone when kernel.printk_devkmsg=off.
 * A source that cannot be opened still exists, in the "unavailable" state with a one-line
 * reason: migtop runs on without the kernel log.
 *
 * Not thread-safe: one owner (the engine) calls every klog_* function.
 */
#ifndef MIGTOP_ENGINE_KLOG_H
#define MIGTOP_ENGINE_KLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/kmsg.h"

#define KLOG_DEFAULT_PATH "/dev/kmsg"
#define KLOG_READ_BUF     8192u /* > the 2048-byte records of 6.12 */

/* What klog_next() found. */
enum klog_res {
        KLOG_REC = 1,  /* a record in *out */
        KLOG_NONE = 0, /* nothing new now (EAGAIN); poll klog_fd() */
        KLOG_END = 2,  /* no record will ever come (a file read to its end, or a failure) */
        KLOG_GAP = 3,  /* records were lost before this point (EPIPE); read on */
        KLOG_BAD = 4,  /* a record was skipped (malformed, too large): err says why; read on */
};

/* The interface every kernel log source implements. */
struct klog_ops {
        const char *kind; /* "kmsg" (a live kernel), "file", "fake" */
        /* A descriptor that polls readable when a record may be waiting; -1: none (the
           owner reads until KLOG_NONE or KLOG_END each time it processes). */
        int (*fd)(void *ctx);
        /* The next record: one of enum klog_res, or a negative errno when the source
           failed (then it is unavailable; err says why). */
        int (*next)(void *ctx, struct kmsg_rec *out, char *err, size_t errsz);
        void (*destroy)(void *ctx);
        /* Optional: the bytes of the record next() returned last (for --record). */
        const char *(*raw)(void *ctx, size_t *len);
};

enum klog_state {
        KLOG_ST_OK,          /* reading */
        KLOG_ST_UNAVAILABLE, /* could not be opened, or failed: klog_message() says why */
};

struct klog;

/*
 * Open path: a character device (/dev/kmsg) is read live; anything else is a file of
 * records, read and checked whole now.  0 with *out set, also when a live device cannot
 * be opened (then *out is unavailable, with the reason); -EINVAL/-ENOENT/... with a
 * message in err ("FILE: line 12: ...") when a file cannot be read or is malformed;
 * -ENOMEM.
 */
int klog_open(const char *path, struct klog **out, char *err, size_t errsz);
/* Wrap any implementation (takes ctx; ops->destroy is called by klog_free).  source names
   it for messages ("fake", a host name).  live: its TS_USEC are this machine's clock. */
int klog_new(const struct klog_ops *ops, void *ctx, const char *source, bool live,
             struct klog **out);
void klog_free(struct klog *k);
/* A source that is not there: state unavailable, msg the reason (copied). */
int klog_unavailable(const char *source, bool live, const char *msg, struct klog **out);

/* Records in the /dev/kmsg file format from memory (buf: malloc'd, taken, also on failure;
   a malformed record is skipped as KLOG_BAD): a replayed recording's kernel log. */
int klog_open_buf(char *buf, size_t len, const char *source, struct klog **out);
int klog_fd(const struct klog *k);
/* Called with the raw bytes of every record klog_next() returns (--record); NULL: none. */
typedef void klog_tap_fn(void *ctx, const char *raw, size_t len);
void klog_set_tap(struct klog *k, klog_tap_fn *fn, void *ctx);
/* Like ops->next; after a failure, the state turns unavailable and it returns KLOG_END. */
int klog_next(struct klog *k, struct kmsg_rec *out, char *err, size_t errsz);

enum klog_state klog_state(const struct klog *k);
const char *klog_message(const struct klog *k); /* the reason when unavailable, else "" */
const char *klog_source(const struct klog *k);  /* "/dev/kmsg", the file's path */
const char *klog_kind(const struct klog *k);
/* TS_USEC are this machine's local_clock (≈ CLOCK_MONOTONIC): true for the live source. */
bool klog_live(const struct klog *k);

/* The one-line reason a live /dev/kmsg cannot be opened (positive errno). */
void klog_open_message(int err, const char *path, char *msg, size_t size);

/* ---- a bounded ring of records (per device), allocated on first use ---- */

struct klog_ring {
        struct kmsg_rec *rec;
        size_t cap, head, n; /* head: index of the oldest */
        uint64_t total;      /* records ever pushed */
        /* ... of each level (0 emerg .. 7 debug) */
        uint64_t by_level[8];
};

void klog_ring_init(struct klog_ring *r, size_t cap);
/* Push (dropping the oldest when full).  0 or -ENOMEM. */
int klog_ring_push(struct klog_ring *r, const struct kmsg_rec *rec);
/* i-th record, 0 = oldest; NULL past the end. */
const struct kmsg_rec *klog_ring_at(const struct klog_ring *r, size_t i);
/* Remove the records for which drop() returns true, keeping the order of the others. */
void klog_ring_filter(struct klog_ring *r, bool (*drop)(const struct kmsg_rec *, void *),
                      void *ctx);
void klog_ring_free(struct klog_ring *r);

#endif
