/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_write: write a recording (the format: core/rec.h).  Only changes are written after
 * the keyframe that starts every chunk; the writer flushes on demand, rotates past a size
 * and reopens its path.  Not thread-safe (src_rec serialises it).
 */
#ifndef MIGTOP_CORE_REC_WRITE_H
#define MIGTOP_CORE_REC_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rec.h"
#include "core/src.h"

struct rec_writer_opts {
        const char *migtop_version;
        size_t nhosts; /* 1..REC_HOSTS_MAX */
        const struct rec_host *hosts;
        int level;           /* zstd level: 1 (the size hardly differs from 3 here) */
        int64_t keyframe_ns; /* a new chunk (with a keyframe) this often: 60 s */
        size_t chunk_max;    /* ... or after this many raw bytes: 8 MiB */
        int64_t flush_ns;    /* rec_writer_tick() flushes this long after a write: 1 s */
        uint64_t max_bytes;  /* rotate (FILE -> FILE.1) past this size; 0: never */
        size_t klog_keep;    /* kernel log records repeated in each keyframe: 256 */
        size_t nopts;        /* the run's options, in the header (0..REC_OPTS_MAX) */
        const struct rec_opt *opts;
        bool links; /* hosts 1.. are --host links: REC_HDR_LINKS (LINK and SYS records) */
};

void rec_writer_opts_default(struct rec_writer_opts *o);

struct rec_writer;

/*
 * Create (truncate) path and write the header.  0, or a negative errno with a message in
 * err.  The writer keeps the path for rotation and rec_writer_reopen().
 */
int rec_writer_open(const char *path, const struct rec_writer_opts *o, struct rec_writer **out,
                    char *err, size_t errsz);
/*
 * Record a read result.  Returns 1 when written, 0 when skipped (same bytes, errno and
 * truncation as the last result of that path, and faster than REC_SLOW_NS), negative errno
 * on a write failure (then the writer is failed: every later call returns that error).
 */
int rec_write_read(struct rec_writer *w, unsigned host, const char *path, const struct src_read *r);
/* Record a listing (at time t_ns); 1 written, 0 unchanged, negative errno. */
int rec_write_list(struct rec_writer *w, unsigned host, const char *path, int64_t t_ns,
                   const struct src_list *l);
/* Record one raw kernel log record. */
int rec_write_klog(struct rec_writer *w, unsigned host, int64_t t_ns, const char *line, size_t len);
/*
 * Record a host's status (at the start, then on each change; keyframes repeat the last):
 * 1 written, negative errno (-EINVAL: an unknown host or status).
 */
int rec_write_host(struct rec_writer *w, unsigned host, int64_t t_ns, enum rec_host_status status,
                   const char *msg);
/*
 * Record a link's status l (host > 0, REC_HDR_LINKS) when it differs from the last
 * recorded (keyframes repeat the last): 1 written, 0 unchanged, negative errno.
 */
int rec_write_link(struct rec_writer *w, unsigned host, int64_t t_ns, const struct rec_link *l);
/* Record what a link host's sysfs says of its device y->dev: 1, 0 unchanged, negative errno. */
int rec_write_sys(struct rec_writer *w, unsigned host, int64_t t_ns, const struct rec_sys *y);
/*
 * Record a read of path in flight since t_start and not answered by t_ns (the recording
 * stops): a READ with REC_F_OPEN, into the chunk open (no new keyframe).  1 or negative
 * errno.
 */
int rec_write_open_read(struct rec_writer *w, unsigned host, const char *path, int64_t t_start,
                        int64_t t_ns);
/*
 * Record that the recording stops at t_ns (REC_STOP), last.  Like rec_write_open_read(), it
 * goes into the chunk open, without a new keyframe.  1 or negative errno.
 */
int rec_write_stop(struct rec_writer *w, int64_t t_ns);
/* Make every record written so far readable in the file. */
int rec_writer_flush(struct rec_writer *w);
/* Flush when the oldest unflushed write is flush_ns old (call often, e.g. every 250 ms). */
int rec_writer_tick(struct rec_writer *w, int64_t now_ns);
/* Close the file and open path again (after logrotate moved it): a new header, a keyframe. */
int rec_writer_reopen(struct rec_writer *w);
/* Bytes in the current file. */
uint64_t rec_writer_bytes(const struct rec_writer *w);
/* The write error that failed the writer (positive errno), or 0. */
int rec_writer_error(const struct rec_writer *w);
/* Flush, end the chunk, close.  0 or the negative errno of a failed write. */
int rec_writer_close(struct rec_writer *w);

#endif
