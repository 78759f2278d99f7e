/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec: the recording format.  A recording written here is read back whole; cut at every
 * byte offset it reads up to its last whole record with a "cut" message; every single bit
 * flip is noticed (a message, never a wrong record); another version is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rec_read.h"
#include "core/rec_write.h"

#define T0 1764511200000000000LL /* 2025-11-30T14:00:00Z */
#define MS 1000000LL

struct tmp {
        char path[64];
};

static void tmp_make(struct tmp *t)
{
        int fd;

        snprintf(t->path, sizeof(t->path), "/tmp/test_rec.XXXXXX");
        fd = mkstemp(t->path);
        assert_true(fd >= 0);
        close(fd);
}

static void tmp_drop(struct tmp *t)
{
        char p[80];

        snprintf(p, sizeof(p), "%s.1", t->path);
        unlink(t->path);
        unlink(p);
}

static uint8_t *slurp(const char *path, size_t *n)
{
        struct stat st;
        uint8_t *b;
        int fd = open(path, O_RDONLY);

        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        b = malloc((size_t)st.st_size + 1);
        assert_non_null(b);
        assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
        close(fd);
        *n = (size_t)st.st_size;
        return b;
}

static struct rec_host hosts[2] = {
    {.name = "local", .kernel = "6.12.57+deb13-amd64", .root = "/sys/kernel/debug/vfio"},
    {.name = "dst", .kernel = "6.13.0", .root = "dst:/sys/kernel/debug/vfio"},
};

static struct rec_writer *wopen(const char *path, int64_t keyframe_ns, uint64_t max)
{
        struct rec_writer_opts o;
        struct rec_writer *w;
        char err[256];

        rec_writer_opts_default(&o);
        o.migtop_version = "0.1.0-test";
        o.nhosts = 2;
        o.hosts = hosts;
        o.keyframe_ns = keyframe_ns;
        o.max_bytes = max;
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        return w;
}

static struct src_read rd(const char *data, int err, int64_t t)
{
        struct src_read r = {0};

        r.err = err;
        r.data = err ? NULL : (char *)data;
        r.len = err ? 0 : strlen(data);
        r.t_start = t - 2 * MS;
        r.t_end = t;
        return r;
}

/* A recording with reads, listings, kernel log and host records; flushed after each. */
#define NW 24
static const char *const states[] = {"RUNNING\n", "STOP\n", "STOP_COPY\n"};

static int write_step(struct rec_writer *w, int i)
{
        int64_t t = T0 + i * 250 * MS;
        char path[64], line[128];
        char *names[3] = {"0000:3b:00.1", "0000:3b:00.2", "mtty-1"};
        struct src_list l = {.n = 1 + (size_t)(i / 4) % 3, .names = names};
        struct src_read r;

        switch (i % 4) {
        case 0:
                snprintf(path, sizeof(path), "0000:3b:00.%d/migration/state", 1 + i % 2);
                r = rd(states[(i / 4) % 3], 0, t);
                return rec_write_read(w, (unsigned)(i % 2), path, &r);
        case 1:
                r = rd(NULL, i % 8 == 1 ? EAGAIN : EBUSY, t);
                return rec_write_read(w, 0, "0000:3b:00.1/migration/hisi_acc/dev_data", &r);
        case 2:
                return rec_write_list(w, 0, "", t, &l);
        default:
                snprintf(line, sizeof(line),
                         "3,%d,%lld,-;hisi_acc_vfio_pci 0000:3b:00.1: step %d\n"
                         " SUBSYSTEM=pci\n DEVICE=+pci:0000:3b:00.1\n",
                         700 + i, (long long)(i * 250000), i);
                return i % 8 == 7 ? rec_write_host(w, 1, t, REC_HOST_DOWN, "connection lost")
                                  : rec_write_klog(w, 0, t, line, strlen(line));
        }
}

static uint8_t *make_rec_n(struct tmp *t, size_t *n, uint64_t *off, int64_t keyframe_ns, int nw)
{
        struct rec_writer *w;

        tmp_make(t);
        w = wopen(t->path, keyframe_ns, 0);
        for (int i = 0; i < nw; i++) {
                assert_int_equal(write_step(w, i), 1);
                assert_int_equal(rec_writer_flush(w), 0);
                if (off)
                        off[i] = rec_writer_bytes(w);
        }
        assert_int_equal(rec_writer_close(w), 0);
        return slurp(t->path, n);
}

static uint8_t *make_rec(struct tmp *t, size_t *n, uint64_t *off, int64_t keyframe_ns)
{
        return make_rec_n(t, n, off, keyframe_ns, NW);
}

/* A record as a comparable string. */
static void ev_sig(const struct rec_ev *e, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%u/%u/%u/%lld/%s/%d/%d/%lld/%zu:", e->type, e->flags, e->host,
                         (long long)e->t_ns, e->path ? e->path : "-", e->err, e->truncated,
                         (long long)e->t_start, e->n);

        if (e->data && (size_t)n < size)
                n += snprintf(buf + n, size - (size_t)n, "%.*s", (int)e->len, e->data);
        for (size_t i = 0; e->type == REC_LIST && i < e->n && (size_t)n < size; i++)
                n += snprintf(buf + n, size - (size_t)n, "|%s", e->names[i]);
}

#define SIG 512
/* Read every record (as signatures) of a buffer; -1 when it does not open. */
static int read_all(const uint8_t *b, size_t n, char (*sig)[SIG], int max, char *msg, size_t msgsz)
{
        struct rec_reader *r;
        struct rec_ev e;
        int k = 0, ret;

        msg[0] = '\0';
        if (rec_reader_open_mem(b, n, 0, &r, msg, msgsz) < 0) {
                assert_true(msg[0] != '\0');
                return -1;
        }
        while ((ret = rec_next(r, &e)) == 1) {
                assert_true(k < max);
                ev_sig(&e, sig[k++], SIG);
        }
        assert_int_equal(ret, 0);
        snprintf(msg, msgsz, "%s", rec_reader_message(r));
        rec_reader_free(r);
        return k;
}

static void test_roundtrip(void **state)
{
        struct tmp t;
        size_t n;
        uint8_t *b = make_rec(&t, &n, NULL, 3600LL * 1000 * MS);
        struct rec_reader *r;
        struct rec_ev e;
        char err[256];
        int k = 0;

        (void)state;
        assert_int_equal(rec_reader_open_mem(b, n, 0, &r, err, sizeof(err)), 0);
        assert_int_equal(rec_reader_header(r)->version, REC_VERSION);
        assert_string_equal(rec_reader_header(r)->migtop_version, "0.1.0-test");
        assert_int_equal(rec_reader_header(r)->nhosts, 2);
        assert_string_equal(rec_reader_header(r)->hosts[1].name, "dst");
        assert_string_equal(rec_reader_header(r)->hosts[0].kernel, "6.12.57+deb13-amd64");
        assert_int_equal(rec_reader_nchunks(r), 1);
        /* the chunk starts with an empty keyframe */
        assert_int_equal(rec_next(r, &e), 1);
        assert_int_equal(e.type, REC_KEY);
        assert_int_equal(e.n, 0);
        for (int i = 0; i < NW; i++) {
                assert_int_equal(rec_next(r, &e), 1);
                assert_int_equal(e.t_ns, T0 + i * 250 * MS);
                assert_int_equal(e.flags, 0);
                switch (i % 4) {
                case 0:
                        assert_int_equal(e.type, REC_READ);
                        assert_int_equal(e.host, i % 2);
                        assert_string_equal(e.data, states[(i / 4) % 3]);
                        assert_int_equal(e.err, 0);
                        assert_int_equal(e.t_start, e.t_ns - 2 * MS);
                        break;
                case 1:
                        assert_string_equal(e.path, "0000:3b:00.1/migration/hisi_acc/dev_data");
                        assert_int_equal(e.err, i % 8 == 1 ? EAGAIN : EBUSY);
                        assert_int_equal(e.len, 0);
                        break;
                case 2:
                        assert_int_equal(e.type, REC_LIST);
                        assert_string_equal(e.path, "");
                        assert_int_equal(e.n, 1 + (i / 4) % 3);
                        assert_string_equal(e.names[0], "0000:3b:00.1");
                        assert_null(e.names[e.n]);
                        break;
                default:
                        assert_int_equal(e.type, i % 8 == 7 ? REC_HOST : REC_KLOG);
                        if (e.type == REC_HOST) {
                                assert_int_equal(e.status, REC_HOST_DOWN);
                                assert_string_equal(e.data, "connection lost");
                        } else {
                                assert_non_null(strstr(e.data, "DEVICE=+pci:0000:3b:00.1\n"));
                        }
                }
                k++;
        }
        assert_int_equal(rec_next(r, &e), 0);
        assert_string_equal(rec_reader_message(r), "");
        assert_int_equal(k, NW);
        rec_reader_free(r);
        /* the file as a whole is a zstd stream: zstd -t accepts it */
        {
                char cmd[128];

                snprintf(cmd, sizeof(cmd), "zstd -q -t %s 2>/dev/null", t.path);
                if (system("command -v zstd >/dev/null") == 0)
                        assert_int_equal(system(cmd), 0);
        }
        free(b);
        tmp_drop(&t);
}

static void test_changes_only(void **state)
{
        struct tmp t;
        struct rec_writer *w;
        struct src_read r = rd("RUNNING\n", 0, T0);
        struct src_list l = {0};

        (void)state;
        tmp_make(&t);
        w = wopen(t.path, 60000 * MS, 0);
        assert_int_equal(rec_write_read(w, 0, "a/migration/state", &r), 1);
        r.t_start += 250 * MS;
        r.t_end += 250 * MS;
        assert_int_equal(rec_write_read(w, 0, "a/migration/state", &r), 0); /* same */
        assert_int_equal(rec_write_read(w, 1, "a/migration/state", &r), 1); /* another host */
        r.t_start = r.t_end - REC_SLOW_NS;
        assert_int_equal(rec_write_read(w, 0, "a/migration/state", &r), 1); /* slow */
        r = rd(NULL, EAGAIN, T0 + 600 * MS);
        assert_int_equal(rec_write_read(w, 0, "a/migration/state", &r), 1);
        assert_int_equal(rec_write_list(w, 0, "", T0, &l), 1);
        assert_int_equal(rec_write_list(w, 0, "", T0 + MS, &l), 0);
        l.err = ENOENT;
        assert_int_equal(rec_write_list(w, 0, "", T0 + MS, &l), 1);
        assert_int_equal(rec_write_read(w, 2, "x", &r), -EINVAL); /* no such host */
        assert_int_equal(rec_writer_close(w), 0);
        tmp_drop(&t);
}

/* Cut at every byte offset: the records read are exactly those flushed before the cut. */
static void test_cut_everywhere(void **state)
{
        struct tmp t;
        uint64_t off[NW];
        size_t n;
        uint8_t *b = make_rec(&t, &n, off, 1000 * MS); /* a new chunk every 4 records */
        static char full[200][SIG], part[200][SIG];
        char msg[400], want[80], when[40];
        int total, prev = 0;
        size_t hdr = 0;

        (void)state;
        total = read_all(b, n, full, 200, msg, sizeof(msg));
        assert_string_equal(msg, "");
        assert_true(total > NW); /* keyframes repeat the state */
        for (size_t x = 0; x <= n; x++) {
                uint8_t *c = malloc(x ? x : 1);
                int k, i;

                memcpy(c, b, x);
                k = read_all(c, x, part, 200, msg, sizeof(msg));
                free(c);
                if (k < 0) {
                        assert_int_equal(hdr, 0); /* only a prefix fails to open */
                        continue;
                }
                if (!hdr)
                        hdr = x;
                /* the last flush at or before x */
                for (i = 0; i < NW && off[i] <= x; i++)
                        ;
                assert_true(k >= prev);
                prev = k;
                for (int j = 0; j < k; j++)
                        assert_string_equal(part[j], full[j]);
                if (i > 0) {
                        /* the record of write i-1 is the last one read: not one less */
                        assert_true(k >= 1);
                        assert_int_equal(
                            atoll(strchr(strchr(strchr(part[k - 1], '/') + 1, '/') + 1, '/') + 1),
                            T0 + (i - 1) * 250 * MS);
                }
                if (i < NW && k > 0)
                        /* ... and nothing of write i */
                        assert_true(
                            atoll(strchr(strchr(strchr(part[k - 1], '/') + 1, '/') + 1, '/') + 1) <
                            T0 + i * 250 * MS);
                if (x == n) {
                        assert_int_equal(k, total);
                        assert_string_equal(msg, "");
                } else if (msg[0]) {
                        snprintf(want, sizeof(want), "recording cut at byte %zu: ", x);
                        assert_memory_equal(msg, want, strlen(want));
                        if (k > 0) {
                                rec_time_iso(
                                    atoll(
                                        strchr(strchr(strchr(part[k - 1], '/') + 1, '/') + 1, '/') +
                                        1),
                                    when, sizeof(when));
                                assert_non_null(strstr(msg, when));
                        }
                } else {
                        /* no message: only where a chunk ends */
                        assert_true(k < total);
                }
        }
        assert_true(hdr > 16);
        free(b);
        tmp_drop(&t);
}

/* Every single-bit flip is noticed; no record read is one that was not written. */
static void test_bit_flips(void **state)
{
        struct tmp t;
        size_t n;
        /* 12 writes, 3 chunks: every bit of 1.5 KB (a second or so; minutes under ASan) */
        uint8_t *b = make_rec_n(&t, &n, NULL, 1000 * MS, 12);
        static char full[200][SIG], part[200][SIG];
        char msg[400];
        int total, refused = 0, partial = 0, harmless = 0;

        (void)state;
        total = read_all(b, n, full, 200, msg, sizeof(msg));
        for (size_t bit = 0; bit < n * 8; bit++) {
                int k, j = 0;

                b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                k = read_all(b, n, part, 200, msg, sizeof(msg));
                b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                if (k < 0) {
                        refused++;
                        continue;
                }
                /* an ordered subset of what was written */
                for (int i = 0; i < k; i++) {
                        while (j < total && strcmp(full[j], part[i]) != 0)
                                j++;
                        assert_true(j < total);
                        j++;
                }
                if (msg[0]) {
                        partial++;
                        continue;
                }
                /*
                 * Not noticed: then nothing was lost or changed (a bit zstd ignores, such as
                 * the frame header's unused bit or a window size still large enough; the
                 * frame's content checksum proves the bytes are the same).
                 */
                if (k != total)
                        fail_msg("bit %zu flipped: %d of %d records, no message", bit, k, total);
                harmless++;
        }
        print_message("bit flips: %d refused at open, %d noticed, %d without effect (of %zu)\n",
                      refused, partial, harmless, n * 8);
        assert_true(refused > 0 && partial > 0);
        assert_true(harmless * 20 < (int)(n * 8));
        free(b);
        tmp_drop(&t);
}

static void test_refused(void **state)
{
        struct tmp t;
        size_t n;
        uint8_t *b = make_rec(&t, &n, NULL, 1000 * MS);
        struct rec_reader *r;
        char err[300];

        (void)state;
        b[16] = 2; /* format version 2 */
        assert_int_equal(rec_reader_open_mem(b, n, 0, &r, err, sizeof(err)), -EPROTONOSUPPORT);
        assert_non_null(strstr(err, "recording format version 2: this migtop"));
        assert_non_null(strstr(err, "reads version 1 only"));
        assert_int_equal(rec_reader_open_mem("hello\n", 6, 0, &r, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "not a migtop recording (no recording header)");
        assert_int_equal(rec_reader_open_mem("", 0, 0, &r, err, sizeof(err)), -EINVAL);
        assert_int_equal(rec_reader_open("/nonexistent/x.rec", &r, err, sizeof(err)), -ENOENT);
        assert_non_null(strstr(err, "cannot open the recording /nonexistent/x.rec"));
        assert_int_equal(rec_reader_open("/tmp", &r, err, sizeof(err)), -EISDIR);
        free(b);
        tmp_drop(&t);
}

/* Seeking lands on a keyframe that holds the state as of then. */
static void test_seek_keyframe(void **state)
{
        struct tmp t;
        size_t n;
        uint8_t *b = make_rec(&t, &n, NULL, 1000 * MS);
        struct rec_reader *r;
        struct rec_ev e;
        char err[256];
        bool saw_state = false, saw_list = false;

        (void)state;
        assert_int_equal(rec_reader_open_mem(b, n, 0, &r, err, sizeof(err)), 0);
        assert_true(rec_reader_nchunks(r) >= 5);
        assert_int_equal(rec_seek(r, T0 + 3100 * MS), 0);
        assert_int_equal(rec_next(r, &e), 1);
        assert_int_equal(e.type, REC_KEY);
        assert_true(e.t_ns <= T0 + 3100 * MS && e.t_ns > T0 + 2000 * MS);
        for (size_t i = 0, cnt = e.n; i < cnt; i++) {
                assert_int_equal(rec_next(r, &e), 1);
                assert_true(e.flags & REC_F_KEY);
                if (e.type == REC_READ && strcmp(e.path, "0000:3b:00.1/migration/state") == 0 &&
                    e.host == 0) {
                        saw_state = true;
                        assert_string_equal(e.data, "STOP_COPY\n"); /* write 8 */
                }
                if (e.type == REC_LIST)
                        saw_list = true;
        }
        assert_true(saw_state && saw_list);
        assert_int_equal(rec_next(r, &e), 1);
        assert_int_equal(e.flags, 0);
        rec_seek(r, 0); /* before the start: the first chunk */
        assert_int_equal(rec_next(r, &e), 1);
        assert_int_equal(e.type, REC_KEY);
        assert_int_equal(e.n, 0);
        rec_reader_free(r);
        free(b);
        tmp_drop(&t);
}

/* the recorded --pair: split into two device names, or refused (never half a pair) */
static void test_header_pair(void **state)
{
        static const char *const bad[] = {"", "a", "=b", "a=", "a=b=c", "../x=y", "a=b/c"};
        struct rec_header h = {.flags = REC_HDR_OPTS, .nopts = 1};
        const char *src = NULL, *dst = NULL;
        char buf[64];

        (void)state;
        strcpy(h.opts[0].key, REC_OPT_STUCK);
        assert_int_equal(rec_header_pair(&h, buf, sizeof(buf), &src, &dst), -ENOENT);
        strcpy(h.opts[0].key, REC_OPT_PAIR);
        strcpy(h.opts[0].value, "0000:3b:00.1=6d696703-0000-4000-8000-000000000003");
        assert_int_equal(rec_header_pair(&h, buf, sizeof(buf), &src, &dst), 0);
        assert_string_equal(src, "0000:3b:00.1");
        assert_string_equal(dst, "6d696703-0000-4000-8000-000000000003");
        /* a buffer too small: refused, not cut */
        assert_int_equal(rec_header_pair(&h, buf, 20, &src, &dst), -EINVAL);
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                strcpy(h.opts[0].value, bad[i]);
                assert_int_equal(rec_header_pair(&h, buf, sizeof(buf), &src, &dst), -EINVAL);
        }
}

static void test_rotation_and_reopen(void **state)
{
        struct tmp t;
        struct rec_writer *w;
        struct rec_reader *r;
        struct rec_ev e;
        char p1[80], err[256];
        struct stat st;
        int k = 0;

        (void)state;
        tmp_make(&t);
        snprintf(p1, sizeof(p1), "%s.1", t.path);
        w = wopen(t.path, 60000 * MS, 600);
        for (int i = 0; i < NW; i++) {
                assert_int_equal(write_step(w, i), 1);
                assert_int_equal(rec_writer_flush(w), 0);
        }
        assert_true(rec_writer_bytes(w) < 600 + 400);
        assert_int_equal(stat(p1, &st), 0); /* rotated */
        assert_int_equal(rec_writer_reopen(w), 0);
        assert_int_equal(rec_writer_close(w), 0);
        /* both are whole recordings; the new one starts with a keyframe of the state */
        assert_int_equal(rec_reader_open(p1, &r, err, sizeof(err)), 0);
        while (rec_next(r, &e) == 1)
                k++;
        assert_true(k > 0);
        assert_string_equal(rec_reader_message(r), "");
        rec_reader_free(r);
        assert_int_equal(rec_reader_open(t.path, &r, err, sizeof(err)), 0);
        rec_reader_free(r);
        tmp_drop(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_roundtrip),
            cmocka_unit_test(test_changes_only),
            cmocka_unit_test(test_cut_everywhere),
            cmocka_unit_test(test_bit_flips),
            cmocka_unit_test(test_refused),
            cmocka_unit_test(test_seek_keyframe),
            cmocka_unit_test(test_rotation_and_reopen),
            cmocka_unit_test(test_header_pair),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
