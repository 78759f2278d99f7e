/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_read: read a recording (the format: core/rec.h), never trusting the file: a cut or
 * damaged file gives its readable records and a message; chunks are indexed at open
 * without decompressing, so seeking to a time decodes one chunk.
 */
#ifndef MIGTOP_CORE_REC_READ_H
#define MIGTOP_CORE_REC_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rec.h"

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
        unsigned status;             /* HOST */
        const struct rec_link *link; /* LINK */
        const struct rec_sys *sys;   /* SYS (path: its device) */
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

#endif
