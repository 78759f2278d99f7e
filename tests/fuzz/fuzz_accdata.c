/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_accdata: acc_decode on arbitrary bytes, and match_check / the diffs on an input
 * split in two (first byte: where the source ends), each side in its own exact-size
 * buffer so that ASan sees any read past either.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/accdata.h"
#include "core/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
        do {                                                                                       \
                if (!(c))                                                                          \
                        __builtin_trap();                                                          \
        } while (0)

static void check_decoded(const uint8_t *buf, size_t len, const struct acc_decoded *d)
{
        CHECK(d->len == len && d->nfields <= ACC_MAX_FIELDS && d->nfields > 0);
        for (unsigned i = 0; i < d->nfields; i++) {
                const struct acc_field *f = &d->fields[i];

                CHECK(f->count >= 1 && f->count <= ACC_MAX_ELEMS);
                CHECK(f->offset + f->count * f->elem_size <= ACC_STRUCT_SIZE);
                for (unsigned k = 0; k < f->count; k++) {
                        size_t end = f->offset + (k + 1) * f->elem_size;
                        uint64_t v = 0;

                        CHECK(!!(f->valid_mask & (1u << k)) == (end <= len));
                        if (end > len) {
                                CHECK(f->value[k] == 0);
                                continue;
                        }
                        for (unsigned b = f->elem_size; b > 0; b--)
                                v = (v << 8) | buf[f->offset + k * f->elem_size + b - 1];
                        CHECK(f->value[k] == v);
                }
        }
}

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
        uint8_t *q = malloc(n ? n : 1);

        if (q && n)
                memcpy(q, p, n);
        return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct acc_decoded s, d;
        struct match_result r;
        struct match_field_diff fd;
        uint8_t *a, *b, map[(ACC_STRUCT_SIZE + 255 + 7) / 8];
        size_t split, alen, blen, nd;

        acc_decode(data, size, &s);
        check_decoded(data, size, &s);
        if (size < 1)
                return 0;
        split = data[0];
        data++;
        size--;
        alen = split < size ? split : size;
        blen = size - alen;
        a = copy_of(data, alen);
        b = copy_of(data + alen, blen);
        if (!a || !b)
                goto out;
        acc_decode(a, alen, &s);
        acc_decode(b, blen, &d);
        check_decoded(a, alen, &s);
        check_decoded(b, blen, &d);
        match_check(&s, &d, &r);
        CHECK(r.n <= MATCH_MAX);
        CHECK(memchr(r.summary, 0, sizeof(r.summary)) != NULL && r.summary[0]);
        CHECK(r.verdict != MATCH_ACCEPT || r.n == 0);
        CHECK(r.verdict != MATCH_REJECT || r.n > 0);
        CHECK(r.verdict != MATCH_INCOMPLETE || alen < ACC_MATCH_SIZE || r.n > 0);
        for (unsigned i = 0; i < r.n; i++) {
                char line[256];

                CHECK(r.m[i].field && r.m[i].reason);
                CHECK(match_mismatch_format(&r.m[i], line, sizeof(line)) > 0);
        }
        match_diff_fields(&s, &d, &fd);
        CHECK(fd.n <= ACC_MAX_FIELDS);
        nd = match_diff_bytes(a, alen, b, blen, map, sizeof(map));
        CHECK(nd <= (alen > blen ? alen : blen));
        CHECK(nd >= (alen > blen ? alen - blen : blen - alen));
        if (alen == blen && memcmp(a, b, alen) == 0)
                CHECK(nd == 0 && fd.n == 0);
out:
        free(a);
        free(b);
        return 0;
}
