/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_read: recordings built byte by byte here (not by the writer), so that the reader is
 * tested on what a damaged or foreign file can hold.  A chunk's frame must be a zstd frame
 * (magic 0xFD2FB528): a legacy zstd frame (v0.7, which libzstd decodes when built with
 * legacy support) is a damaged chunk that gives nothing, on every pass, and a second pass
 * after rec_seek() reads exactly the records of the first, whatever the damage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/rec_read.h"

#define T0 1764511200000000000LL /* 2025-11-30T14:00:00Z */
#define MS 1000000LL

struct buf {
        uint8_t d[64 * 1024];
        size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
        assert_true(n <= sizeof(b->d) - b->n);
        memcpy(b->d + b->n, p, n);
        b->n += n;
}

static void put_u8(struct buf *b, unsigned v)
{
        uint8_t q = (uint8_t)v;

        put(b, &q, 1);
}

static void put_u16(struct buf *b, unsigned v)
{
        put_u8(b, v & 0xff);
        put_u8(b, v >> 8 & 0xff);
}

static void put_u32(struct buf *b, uint32_t v)
{
        put_u16(b, v & 0xffff);
        put_u16(b, v >> 16);
}

static void put_i64(struct buf *b, int64_t v)
{
        put_u32(b, (uint32_t)((uint64_t)v & 0xffffffffu));
        put_u32(b, (uint32_t)((uint64_t)v >> 32));
}

static void put_str(struct buf *b, const char *s)
{
        put_u16(b, (unsigned)strlen(s));
        put(b, s, strlen(s) + 1);
}

static void put_blob(struct buf *b, const char *s)
{
        put_u32(b, (uint32_t)strlen(s));
        put(b, s, strlen(s) + 1);
}

/* The header: one host "local". */
static void put_header(struct buf *f)
{
        struct buf p = {.n = 0};

        put(&p, REC_MAGIC, 8);
        put_u16(&p, REC_VERSION);
        put_u16(&p, 0);
        put_i64(&p, T0);
        put_str(&p, "0.1.0");
        put_u16(&p, 1);
        put_str(&p, "local");
        put_str(&p, "6.12.0");
        put_str(&p, "/r");
        put_u32(&p, rec_crc(p.d, p.n));
        put_u32(f, REC_SKIP_HDR);
        put_u32(f, (uint32_t)p.n);
        put(f, p.d, p.n);
}

/* A READ record of path at t (host 0), in the raw records of a chunk. */
static void put_read(struct buf *raw, const char *path, int64_t t, const char *data)
{
        struct buf body = {.n = 0};

        put_u8(&body, REC_READ);
        put_u8(&body, 0);
        put_u16(&body, 0);
        put_i64(&body, t);
        put_str(&body, path);
        put_u32(&body, 0);
        put_u8(&body, 0);
        put_i64(&body, t - MS);
        put_i64(&body, t);
        put_blob(&body, data);
        put_u32(raw, (uint32_t)body.n);
        put(raw, body.d, body.n);
        put_u32(raw, rec_crc(body.d, body.n));
}

/* A chunk's index frame. */
static void put_meta(struct buf *f, uint32_t seq, int64_t t_first)
{
        struct buf m = {.n = 0};

        put_u32(&m, seq);
        put_u32(&m, REC_CHUNK_KEY);
        put_i64(&m, t_first);
        put_u32(&m, 0);
        put_u32(f, REC_SKIP_CHUNK);
        put_u32(f, REC_META_SIZE);
        put(f, m.d, m.n);
        put_u32(f, rec_crc(m.d, m.n));
}

/* A chunk of raw records in a zstd frame (content checksum on, as the writer's). */
static void put_chunk(struct buf *f, uint32_t seq, int64_t t_first, const struct buf *raw)
{
        ZSTD_CCtx *cc = ZSTD_createCCtx();
        size_t n;

        assert_non_null(cc);
        put_meta(f, seq, t_first);
        assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
        n = ZSTD_compress2(cc, f->d + f->n, sizeof(f->d) - f->n, raw->d, raw->n);
        assert_false(ZSTD_isError(n));
        f->n += n;
        ZSTD_freeCCtx(cc);
}

/*
 * The same records in a legacy zstd v0.7 frame (magic 0xFD2FB527): a frame header without
 * a checksum (descriptor 0, window 64 KiB), one raw block, the end block.
 */
static void put_chunk_v07(struct buf *f, uint32_t seq, int64_t t_first, const struct buf *raw)
{
        put_meta(f, seq, t_first);
        put_u32(f, 0xFD2FB527u);
        put_u8(f, 0x00);
        put_u8(f, (16 - 10) << 3);
        put_u8(f, 0x40 | (unsigned)(raw->n >> 16 & 7)); /* bt_raw */
        put_u8(f, (unsigned)(raw->n >> 8 & 0xff));
        put_u8(f, (unsigned)(raw->n & 0xff));
        put(f, raw->d, raw->n);
        put_u8(f, 0xC0); /* bt_end */
        put_u8(f, 0);
        put_u8(f, 0);
}

#define NSIG 16
#define SIG  160

struct pass {
        char sig[NSIG][SIG];
        int n;
        char msg[400];
};

static void read_pass(struct rec_reader *r, struct pass *p)
{
        struct rec_ev e;
        int ret;

        p->n = 0;
        while ((ret = rec_next(r, &e)) == 1) {
                assert_true(p->n < NSIG);
                snprintf(p->sig[p->n++], SIG, "%u/%lld/%s/%.*s", e.type, (long long)e.t_ns,
                         e.path ? e.path : "-", (int)e.len, e.data ? e.data : "");
        }
        assert_int_equal(ret, 0);
        snprintf(p->msg, sizeof(p->msg), "%s", rec_reader_message(r));
}

/* Read f twice (the second time after rec_seek(INT64_MIN)): both passes in a, b. */
static void read_twice(const struct buf *f, struct pass *a, struct pass *b)
{
        struct rec_reader *r;
        char err[400];

        assert_int_equal(rec_reader_open_mem(f->d, f->n, 0, &r, err, sizeof(err)), 0);
        read_pass(r, a);
        rec_seek(r, INT64_MIN);
        read_pass(r, b);
        rec_reader_free(r);
}

static void assert_same(const struct pass *a, const struct pass *b)
{
        assert_int_equal(a->n, b->n);
        for (int i = 0; i < a->n; i++)
                assert_string_equal(a->sig[i], b->sig[i]);
        assert_string_equal(a->msg, b->msg);
}

/* chunk 0: a, b; chunk 1 (at *off1): c; chunk 2: d.  v07: chunk 1 in a legacy frame. */
static void make(struct buf *f, bool v07, size_t *off1)
{
        struct buf raw = {.n = 0};

        f->n = 0;
        put_header(f);
        put_read(&raw, "a", T0 + 1 * MS, "A\n");
        put_read(&raw, "b", T0 + 2 * MS, "B\n");
        put_chunk(f, 0, T0 + 1 * MS, &raw);
        raw.n = 0;
        put_read(&raw, "c", T0 + 3 * MS, "C\n");
        *off1 = f->n;
        if (v07)
                put_chunk_v07(f, 1, T0 + 3 * MS, &raw);
        else
                put_chunk(f, 1, T0 + 3 * MS, &raw);
        raw.n = 0;
        put_read(&raw, "d", T0 + 4 * MS, "D\n");
        put_chunk(f, 2, T0 + 4 * MS, &raw);
}

static void test_zstd_frames_read(void **state)
{
        static struct buf f;
        struct pass a, b;
        size_t off1;

        (void)state;
        make(&f, false, &off1);
        read_twice(&f, &a, &b);
        assert_int_equal(a.n, 4);
        assert_string_equal(a.sig[2], "1/1764511200003000000/c/C\n");
        assert_string_equal(a.msg, "");
        assert_same(&a, &b);
}

/*
 * A chunk in a legacy frame is damaged: nothing of it is read (libzstd would decode it, and
 * on damage give back its stale buffers), the reading goes on at the next chunk.
 */
static void test_legacy_frame_is_damage(void **state)
{
        static struct buf f;
        struct pass a, b;
        char want[200];
        size_t off1;

        (void)state;
        make(&f, true, &off1);
        read_twice(&f, &a, &b);
        assert_int_equal(a.n, 3);
        assert_string_equal(a.sig[0], "1/1764511200001000000/a/A\n");
        assert_string_equal(a.sig[1], "1/1764511200002000000/b/B\n");
        assert_string_equal(a.sig[2], "1/1764511200004000000/d/D\n");
        snprintf(want, sizeof(want),
                 "recording damaged in the chunk at byte %zu (not a zstd frame): last whole "
                 "record before it at 2025-11-30T14:00:00.002Z",
                 off1);
        assert_string_equal(a.msg, want);
        assert_same(&a, &b);
}

/* Every bit flipped in the legacy chunk and in the next one: both passes read the same. */
static void test_reread_same_after_damage(void **state)
{
        static struct buf f, g;
        struct pass a, b;
        size_t off1;

        (void)state;
        make(&f, true, &off1);
        for (size_t i = off1; i < f.n; i++) {
                for (int bit = 0; bit < 8; bit++) {
                        struct rec_reader *r;
                        char err[400];

                        g = f;
                        g.d[i] ^= (uint8_t)(1u << bit);
                        if (rec_reader_open_mem(g.d, g.n, 0, &r, err, sizeof(err)) < 0)
                                continue;
                        rec_reader_free(r);
                        read_twice(&g, &a, &b);
                        assert_same(&a, &b);
                        /* the legacy chunk's record never comes out */
                        for (int k = 0; k < a.n; k++)
                                assert_null(strstr(a.sig[k], "/c/"));
                }
        }
}

/* A file cut inside the zstd magic of its last chunk is cut there, not damaged. */
static void test_cut_in_magic(void **state)
{
        static struct buf f;
        struct pass a, b;
        char want[200];
        size_t off1;

        (void)state;
        make(&f, false, &off1);
        for (size_t k = 0; k < 4; k++) {
                f.n = off1 + REC_META_TOTAL + k;
                read_twice(&f, &a, &b);
                assert_int_equal(a.n, 2);
                snprintf(want, sizeof(want),
                         "recording cut at byte %zu: last whole record at "
                         "2025-11-30T14:00:00.002Z",
                         f.n);
                assert_string_equal(a.msg, want);
                assert_same(&a, &b);
                make(&f, false, &off1);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_zstd_frames_read),
            cmocka_unit_test(test_legacy_frame_is_damage),
            cmocka_unit_test(test_reread_same_after_damage),
            cmocka_unit_test(test_cut_in_magic),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
