/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_rec: the recording reader on arbitrary bytes (recordings come attached to bug
 * reports).  Invariants: open either fails with a message or gives a header in range; every
 * record is in range (known type, host below nhosts, NUL-terminated strings, a NULL after
 * the names); reading ends; a damaged file says so; a second pass from the start reads
 * exactly the records of the first (a damaged chunk's readable prefix never depends on what
 * was read before it: corpus/fuzz_rec/regress-reread-legacy-zstd-frame); a seek into the last
 * chunk reads at most as many.  A --host recording's LINK and SYS records come only with
 * the header's links flag, for a link (host > 0), in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/rec_read.h"
#include "fuzz.h"

static uint64_t check_ev(const struct rec_reader *r, const struct rec_ev *e)
{
        const struct rec_header *h = rec_reader_header(r);
        uint64_t sum = (uint64_t)e->t_ns ^ e->type;

        CHECK(rec_type_name(e->type) != NULL);
        CHECK(e->host < h->nhosts);
        CHECK((e->flags & ~(REC_F_KEY | REC_F_OPEN)) == 0);
        CHECK(!(e->flags & REC_F_OPEN) || e->type == REC_READ);
        switch (e->type) {
        case REC_READ:
                CHECK(e->data && e->data[e->len] == '\0');
                CHECK(e->err >= 0 && e->err < 4096);
                /* fall through */
        case REC_LIST:
                CHECK(e->path && strlen(e->path) <= REC_STR_MAX);
                if (e->type == REC_LIST) {
                        for (size_t i = 0; i < e->n; i++)
                                sum += strlen(e->names[i]);
                        CHECK(e->names[e->n] == NULL);
                }
                break;
        case REC_KLOG:
                CHECK(e->data && e->data[e->len] == '\0');
                break;
        case REC_HOST:
                CHECK(e->status == REC_HOST_UP || e->status == REC_HOST_DOWN);
                CHECK(strlen(e->data) == e->len);
                break;
        case REC_LINK:
                /* only in a file whose header has the links flag, never for host 0 */
                CHECK(h->flags & REC_HDR_LINKS);
                CHECK(e->host > 0 && e->link);
                CHECK(e->link->state <= REC_LINK_RECONNECTING && e->link->rtt_ms >= -1);
                CHECK(memchr(e->link->error, 0, sizeof(e->link->error)) != NULL);
                CHECK(memchr(e->link->kernel, 0, sizeof(e->link->kernel)) != NULL);
                sum += strlen(e->link->error) + strlen(e->link->dest);
                break;
        case REC_SYS:
                CHECK(h->flags & REC_HDR_LINKS);
                CHECK(e->host > 0 && e->sys && e->path == e->sys->dev && e->sys->dev[0]);
                CHECK(memchr(e->sys->bus, 0, sizeof(e->sys->bus)) != NULL);
                CHECK(e->sys->vendor <= 0xffff && e->sys->device <= 0xffff);
                sum += strlen(e->sys->driver);
                break;
        default:
                break;
        }
        return sum + e->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rec_reader *r;
        struct rec_ev e;
        char err[400];
        uint64_t n = 0, n2 = 0, sum = 0, sum2 = 0;
        size_t nc;

        err[0] = '\0';
        if (rec_reader_open_mem(data, size, 256u * 1024, &r, err, sizeof(err)) < 0) {
                CHECK(err[0] != '\0');
                return 0;
        }
        CHECK(rec_reader_header(r)->version == REC_VERSION);
        CHECK(rec_reader_header(r)->nhosts >= 1 && rec_reader_header(r)->nhosts <= REC_HOSTS_MAX);
        while (rec_next(r, &e) == 1) {
                sum += check_ev(r, &e);
                n++;
        }
        nc = rec_reader_nchunks(r);
        for (size_t i = 0; i < nc; i++) {
                const struct rec_chunk_info *c = rec_reader_chunk(r, i);

                CHECK(c->off < c->end && c->end <= size);
                CHECK(i == 0 || c->off >= rec_reader_chunk(r, i - 1)->end);
        }
        /* again from the start: the same records */
        if (nc) {
                rec_seek(r, INT64_MIN);
                while (rec_next(r, &e) == 1) {
                        sum2 += check_ev(r, &e);
                        n2++;
                }
                CHECK(n2 == n && sum2 == sum);
                /* a seek into the last chunk reads a suffix */
                rec_seek(r, rec_reader_chunk(r, nc - 1)->t_first);
                n2 = 0;
                while (rec_next(r, &e) == 1)
                        n2++;
                CHECK(n2 <= n);
        }
        rec_reader_free(r);
        return 0;
}
