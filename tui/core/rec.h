/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec: the recording format (--record, --replay).  A recording is what the engine observed
 * through its source, as it observed it: read results (bytes or errno, start and end
 * time), directory listings (discovery), raw kernel log records and host status, for every
 * host.  Only changes are written after a full snapshot (a keyframe) that starts every
 * chunk, so a reader can seek to a chunk and know everything from there.
 *
 * On disk the whole file is a valid zstd stream (`zstd -dc FILE` prints the raw records):
 *
 *   header   zstd skippable frame, magic 0x184D2A50, u32 LE size, then:
 *              "MIGTOPRC"  8 bytes
 *              u16 format version (REC_VERSION), u16 flags (0)
 *              i64 t0 (CLOCK_REALTIME ns when the file was started)
 *              str migtop version; u16 nhosts; per host: str name, str kernel release,
 *              str root
 *              u32 crc32 (zlib) of everything above in the payload
 *   chunk    (repeated)
 *            a skippable frame, magic 0x184D2A51, size 24: u32 chunk sequence, u32 flags
 *              (REC_CHUNK_KEY), i64 time of its first record, u32 0, u32 crc32 of the 20
 *              bytes before
 *            one zstd frame (content checksum on) holding records; the writer flushes it at
 *              least every second (a kill -9 loses at most the last second) and starts a
 *              new chunk every keyframe interval or chunk size
 *   record   u32 body length; body: u8 type, u8 flags (REC_F_KEY), u16 host index, i64 time
 *            (CLOCK_REALTIME ns), payload; u32 crc32 of the body
 *
 * Payload fields: str = u16 length, bytes, a NUL (not counted; no NUL inside); blob = u32
 * length, bytes, a NUL; integers little-endian.
 *   READ   str path, i32 errno (0: ok), u8 truncated, i64 t_start, i64 t_end, blob data
 *   LIST   str path, i32 errno, u32 n, n x str name
 *   KLOG   blob: one raw /dev/kmsg record, as read()
 *   HOST   u8 status (enum rec_host_status), str message
 *   KEY    u32 count: the count records that follow (flag REC_F_KEY) are the last known
 *          result of every path and the last kernel log records: the state at that time
 *
 * The reader never trusts the file (recordings come attached to bug reports): a file cut by
 * a crash or a full disk gives its records up to the last whole one and a message; a
 * damaged chunk (zstd error, record checksum) gives its records before the damage, a
 * message, and reading goes on at the next chunk; another format version is refused.
 *
 * The writer is not thread-safe (src_rec serialises it).
 */
#ifndef MIGTOP_CORE_REC_H
#define MIGTOP_CORE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/src.h"

#define REC_VERSION   1
#define REC_HOSTS_MAX 64
#define REC_STR_MAX   4096u                /* a path, a name */
#define REC_BODY_MAX  (1024u * 1024u)      /* one record's body */
#define REC_CHUNK_KEY 1u                   /* chunk flag: starts with a keyframe */
#define REC_RAW_MAX   (256u * 1024 * 1024) /* default bound of one chunk, decompressed */
#define REC_SLOW_NS   250000000LL          /* an unchanged read this slow is still written */

enum rec_type {
        REC_READ = 1,
        REC_LIST = 2,
        REC_KLOG = 3,
        REC_HOST = 4,
        REC_KEY = 5,
};

#define REC_F_KEY 1u /* part of a keyframe (a state, not a new observation) */

enum rec_host_status {
        REC_HOST_UP = 1,   /* reachable, answering */
        REC_HOST_DOWN = 2, /* lost (message says why) */
};

/* "read", "list", "klog", "host", "key"; NULL if unknown. */
const char *rec_type_name(unsigned type);

struct rec_host {
        char name[256];   /* "local", a host name */
        char kernel[256]; /* uname -r of the host, "" if unknown */
        char root[1024];  /* the source's root there */
};

struct rec_header {
        unsigned version;
        char migtop_version[64];
        int64_t t0_ns;
        size_t nhosts;
        struct rec_host hosts[REC_HOSTS_MAX];
};

/* ---- writer ---- */

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
int rec_write_host(struct rec_writer *w, unsigned host, int64_t t_ns, enum rec_host_status status,
                   const char *msg);
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

/* ---- reader ---- */

/* One record.  Pointers are into the reader's buffers: valid until the next call. */
struct rec_ev {
        unsigned type;
        unsigned flags;
        unsigned host;
        int64_t t_ns;
        uint64_t chunk_off; /* file offset of the chunk holding it */
        const char *path;   /* READ, LIST */
        int err;            /* READ, LIST */
        bool truncated;     /* READ */
        int64_t t_start, t_end;
        const char *data; /* READ data, KLOG line, HOST message: NUL-terminated */
        size_t len;
        size_t n; /* LIST names, KEY count */
        const char *const *names;
        unsigned status; /* HOST */
};

struct rec_chunk_info {
        uint64_t off; /* file offset of its skippable frame */
        uint64_t end; /* end of its zstd frame (the file's end for a cut one) */
        uint32_t seq;
        uint32_t flags;
        int64_t t_first;
};

struct rec_reader;

/*
 * Open a recording (mapped read-only).  0, or a negative errno with a message in err:
 * not a recording, another format version, a damaged or cut header.
 */
int rec_reader_open(const char *path, struct rec_reader **out, char *err, size_t errsz);
/* The same over memory the caller keeps until rec_reader_free(); raw_max 0: REC_RAW_MAX. */
int rec_reader_open_mem(const void *data, size_t size, size_t raw_max, struct rec_reader **out,
                        char *err, size_t errsz);
void rec_reader_free(struct rec_reader *r);
const struct rec_header *rec_reader_header(const struct rec_reader *r);
/* The next record: 1 (in *ev), 0 at the end, -ENOMEM. */
int rec_next(struct rec_reader *r, struct rec_ev *ev);
/*
 * What was wrong with the file so far ("" when nothing): the first problem met, e.g.
 * "recording cut at byte 1234: last whole record at 2026-11-30T14:02:03.250Z".
 */
const char *rec_reader_message(const struct rec_reader *r);
/* Chunks found (the index, built at open without decompressing). */
size_t rec_reader_nchunks(const struct rec_reader *r);
const struct rec_chunk_info *rec_reader_chunk(const struct rec_reader *r, size_t i);
/*
 * Go to the last keyframe chunk whose first record is at or before t_ns (the first chunk
 * when none is): the next rec_next() returns its keyframe.  0.
 */
int rec_seek(struct rec_reader *r, int64_t t_ns);
/* Time of the last whole record returned so far (0: none). */
int64_t rec_reader_last_t(const struct rec_reader *r);

/* "2026-11-30T14:02:03.250Z" */
void rec_time_iso(int64_t t_ns, char *buf, size_t size);

#endif
