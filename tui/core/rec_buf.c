/* SPDX-License-Identifier: GPL-2.0-only */
/* rec_buf: the recording's encoding buffer (see rec_buf.h). */
#include "rec_buf.h"

#include <stdlib.h>
#include <string.h>

#include "rec.h"

void rec_buf_put(struct rec_buf *b, const void *d, size_t n)
{
        if (b->oom)
                return;
        if (b->len + n > b->cap) {
                size_t cap = b->cap ? b->cap : 256;
                uint8_t *np;

                while (cap < b->len + n)
                        cap *= 2;
                np = realloc(b->p, cap);
                if (!np) {
                        b->oom = true;
                        return;
                }
                b->p = np;
                b->cap = cap;
        }
        if (n)
                memcpy(b->p + b->len, d, n);
        b->len += n;
}

void rec_buf_u8(struct rec_buf *b, unsigned v)
{
        uint8_t c = (uint8_t)v;

        rec_buf_put(b, &c, 1);
}

void rec_buf_u16(struct rec_buf *b, unsigned v)
{
        uint8_t c[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

        rec_buf_put(b, c, 2);
}

void rec_buf_u32(struct rec_buf *b, uint32_t v)
{
        uint8_t c[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

        rec_buf_put(b, c, 4);
}

void rec_buf_i64(struct rec_buf *b, int64_t sv)
{
        uint64_t v = (uint64_t)sv;

        rec_buf_u32(b, (uint32_t)v);
        rec_buf_u32(b, (uint32_t)(v >> 32));
}

void rec_buf_str(struct rec_buf *b, const char *s)
{
        size_t n = strlen(s);

        if (n > REC_STR_MAX)
                n = REC_STR_MAX;
        rec_buf_u16(b, (unsigned)n);
        rec_buf_put(b, s, n);
        rec_buf_u8(b, 0);
}

void rec_buf_blob(struct rec_buf *b, const void *d, size_t n)
{
        rec_buf_u32(b, (uint32_t)n);
        rec_buf_put(b, d, n);
        rec_buf_u8(b, 0);
}
