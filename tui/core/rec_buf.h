/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_buf: a growing buffer of the recording's encoding (core/rec.h): little-endian
 * integers, str (u16 length, bytes, a NUL) and blob (u32 length, bytes, a NUL).  An
 * allocation failure sets oom and makes every later put a no-op (checked once, at the end).
 */
#ifndef MIGTOP_CORE_REC_BUF_H
#define MIGTOP_CORE_REC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zeroed: empty; or p and cap over caller's memory that is big enough (never grown). */
struct rec_buf {
        uint8_t *p;
        size_t len, cap;
        bool oom;
};

void rec_buf_put(struct rec_buf *b, const void *d, size_t n);
void rec_buf_u8(struct rec_buf *b, unsigned v);
void rec_buf_u16(struct rec_buf *b, unsigned v);
void rec_buf_u32(struct rec_buf *b, uint32_t v);
void rec_buf_i64(struct rec_buf *b, int64_t v);
/* A str: at most REC_STR_MAX bytes of s. */
void rec_buf_str(struct rec_buf *b, const char *s);
void rec_buf_blob(struct rec_buf *b, const void *d, size_t n);

#endif
