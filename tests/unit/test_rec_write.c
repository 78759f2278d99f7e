/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rec_write: the recording's additions for a faithful replay (issue 11).  The run's
 * options (--deadline, -d) are in the header and read back, a recording without them
 * still reads (older files), a header with flags this reader does not know is refused
 * with a clear message; host status records are written and repeated by each keyframe; a
 * read with no answer when the recording stops is written as such (REC_F_OPEN).
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

static struct rec_host host = {
    .name = "local", .kernel = "6.12.57+deb13-amd64", .root = "/sys/kernel/debug/vfio"};

static void tmp_path(char *p, size_t n)
{
        int fd;

        snprintf(p, n, "/tmp/test_rec_write.XXXXXX");
        fd = mkstemp(p);
        assert_true(fd >= 0);
        close(fd);
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

static struct rec_writer *wopen(const char *path, const struct rec_opt *opts, size_t nopts,
                                int64_t keyframe_ns)
{
        struct rec_writer_opts o;
        struct rec_writer *w;
        char err[256];

        rec_writer_opts_default(&o);
        o.migtop_version = "0.1.0-test";
        o.nhosts = 1;
        o.hosts = &host;
        o.opts = opts;
        o.nopts = nopts;
        o.keyframe_ns = keyframe_ns;
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        return w;
}

static struct src_read rd(const char *data, int64_t t)
{
        struct src_read r = {0};

        r.data = (char *)data;
        r.len = strlen(data);
        r.t_start = t - 2 * MS;
        r.t_end = t;
        return r;
}

/* The run's options are in the header, read back by key; numbers checked for range. */
static void test_header_options(void **state)
{
        static const struct rec_opt opts[] = {{"deadline_ms", "300"}, {"interval_ms", "200"}};
        struct rec_writer *w;
        struct rec_reader *r;
        const struct rec_header *h;
        struct src_read x = rd("RUNNING\n", T0);
        char path[64], err[256];
        long v = 0;

        (void)state;
        tmp_path(path, sizeof(path));
        w = wopen(path, opts, 2, 60000 * MS);
        assert_int_equal(rec_write_read(w, 0, "0000:3b:00.1/migration/state", &x), 1);
        assert_int_equal(rec_writer_close(w), 0);
        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        h = rec_reader_header(r);
        assert_int_equal(h->version, REC_VERSION);
        assert_int_equal(h->flags, REC_HDR_OPTS);
        assert_int_equal(h->nopts, 2);
        assert_string_equal(rec_header_opt(h, REC_OPT_DEADLINE), "300");
        assert_string_equal(rec_header_opt(h, REC_OPT_INTERVAL), "200");
        assert_null(rec_header_opt(h, "stuck"));
        assert_int_equal(rec_header_opt_num(h, REC_OPT_DEADLINE, 1, 3600000, &v), 0);
        assert_int_equal(v, 300);
        assert_int_equal(rec_header_opt_num(h, REC_OPT_DEADLINE, 1, 100, &v), -EINVAL);
        assert_int_equal(rec_header_opt_num(h, "stuck", 1, 100, &v), -ENOENT);
        assert_string_equal(rec_reader_message(r), "");
        rec_reader_free(r);

        /* a recording without options (as before they were stored) reads: none known */
        w = wopen(path, NULL, 0, 60000 * MS);
        assert_int_equal(rec_write_read(w, 0, "0000:3b:00.1/migration/state", &x), 1);
        assert_int_equal(rec_writer_close(w), 0);
        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        h = rec_reader_header(r);
        assert_int_equal(h->flags, 0);
        assert_int_equal(h->nopts, 0);
        assert_null(rec_header_opt(h, REC_OPT_DEADLINE));
        assert_int_equal(rec_header_opt_num(h, REC_OPT_DEADLINE, 1, 3600000, &v), -ENOENT);
        rec_reader_free(r);
        unlink(path);
}

/* Too many options: the writer refuses them; a bad option number is not taken. */
static void test_options_refused(void **state)
{
        struct rec_opt many[REC_OPTS_MAX + 1];
        struct rec_writer_opts o;
        struct rec_writer *w;
        char path[64], err[256];

        (void)state;
        memset(many, 0, sizeof(many));
        for (int i = 0; i <= REC_OPTS_MAX; i++)
                snprintf(many[i].key, sizeof(many[i].key), "k%d", i);
        tmp_path(path, sizeof(path));
        rec_writer_opts_default(&o);
        o.nhosts = 1;
        o.hosts = &host;
        o.opts = many;
        o.nopts = REC_OPTS_MAX + 1;
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "bad options"));
        unlink(path);
}

/* A header with a flag this reader does not know (a newer writer's): refused, said so. */
static void test_unknown_header_flag(void **state)
{
        struct rec_writer *w;
        struct rec_reader *r;
        char path[64], err[256];
        uint32_t len, crc;
        size_t n;
        uint8_t *b;

        (void)state;
        tmp_path(path, sizeof(path));
        w = wopen(path, NULL, 0, 60000 * MS);
        assert_int_equal(rec_writer_close(w), 0);
        b = slurp(path, &n);
        /* skippable frame (8), magic (8), version (2), flags (2): bit 2 set, crc made good */
        b[18] |= 4;
        len = rec_le32(b + 4);
        crc = rec_crc(b + 8, len - 4);
        for (int i = 0; i < 4; i++)
                b[8 + len - 4 + i] = (uint8_t)(crc >> (8 * i));
        assert_int_equal(rec_reader_open_mem(b, n, 0, &r, err, sizeof(err)), -EPROTONOSUPPORT);
        assert_non_null(strstr(err, "recording header flags 0x4: written by a newer migtop"));
        assert_non_null(strstr(err, "which knows 0x3"));
        free(b);
        unlink(path);
}

/* Host status: written, and repeated (flag key) by the keyframe of every later chunk. */
static void test_host_in_keyframes(void **state)
{
        struct rec_writer *w;
        struct rec_reader *r;
        struct rec_ev e;
        struct src_read x;
        char path[64], err[256];
        int hosts = 0, key_hosts = 0;

        (void)state;
        tmp_path(path, sizeof(path));
        w = wopen(path, NULL, 0, 1000 * MS);
        assert_int_equal(rec_write_host(w, 0, T0, REC_HOST_UP, "kernel 6.12.57+deb13-amd64"), 1);
        assert_int_equal(rec_write_host(w, 0, T0, 7, "?"), -EINVAL);
        assert_int_equal(rec_write_host(w, 1, T0, REC_HOST_UP, "?"), -EINVAL);
        x = rd("RUNNING\n", T0 + 10 * MS);
        assert_int_equal(rec_write_read(w, 0, "d/migration/state", &x), 1);
        x = rd("STOP\n", T0 + 1500 * MS); /* a new chunk: its keyframe */
        assert_int_equal(rec_write_read(w, 0, "d/migration/state", &x), 1);
        x = rd("RUNNING\n", T0 + 3000 * MS);
        assert_int_equal(rec_write_read(w, 0, "d/migration/state", &x), 1);
        assert_int_equal(rec_writer_close(w), 0);

        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        assert_int_equal(rec_reader_nchunks(r), 3);
        while (rec_next(r, &e) == 1) {
                if (e.type != REC_HOST)
                        continue;
                assert_int_equal(e.status, REC_HOST_UP);
                assert_string_equal(e.data, "kernel 6.12.57+deb13-amd64");
                assert_int_equal(e.t_ns, T0);
                if (e.flags & REC_F_KEY)
                        key_hosts++;
                else
                        hosts++;
        }
        assert_int_equal(hosts, 1);
        assert_int_equal(key_hosts, 2);
        assert_string_equal(rec_reader_message(r), "");
        rec_reader_free(r);
        unlink(path);
}

/* A read with no answer at the stop: REC_F_OPEN, its start, no data, no errno. */
static void test_open_read(void **state)
{
        struct rec_writer *w;
        struct rec_reader *r;
        struct rec_ev e;
        struct src_read x = rd("mailbox cmd channel ready!\n", T0);
        char path[64], err[256];
        int open_reads = 0, reads = 0;

        (void)state;
        tmp_path(path, sizeof(path));
        w = wopen(path, NULL, 0, 60000 * MS);
        assert_int_equal(rec_write_read(w, 0, "d/migration/hisi_acc/cmd_state", &x), 1);
        assert_int_equal(rec_write_open_read(w, 0, "d/migration/hisi_acc/cmd_state", T0 + 100 * MS,
                                             T0 + 900 * MS),
                         1);
        assert_int_equal(rec_write_open_read(w, 3, "x", T0, T0), -EINVAL);
        /* the open read is no result: the same bytes again are still unchanged, not written */
        x = rd("mailbox cmd channel ready!\n", T0 + 950 * MS);
        assert_int_equal(rec_write_read(w, 0, "d/migration/hisi_acc/cmd_state", &x), 0);
        assert_int_equal(rec_writer_close(w), 0);

        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        while (rec_next(r, &e) == 1) {
                if (e.type != REC_READ)
                        continue;
                if (!(e.flags & REC_F_OPEN)) {
                        reads++;
                        continue;
                }
                open_reads++;
                assert_string_equal(e.path, "d/migration/hisi_acc/cmd_state");
                assert_int_equal(e.t_start, T0 + 100 * MS);
                assert_int_equal(e.t_end, T0 + 900 * MS);
                assert_int_equal(e.t_ns, T0 + 900 * MS);
                assert_int_equal(e.err, 0);
                assert_int_equal(e.len, 0);
        }
        assert_int_equal(reads, 1);
        assert_int_equal(open_reads, 1);
        assert_string_equal(rec_reader_message(r), "");
        rec_reader_free(r);
        unlink(path);
}

/* The records of the stop go into the chunk open: no keyframe of everything at the close. */
static void test_stop_no_keyframe(void **state)
{
        struct rec_writer *w;
        struct rec_reader *r;
        struct rec_ev e;
        struct src_read x = rd("RUNNING\n", T0);
        char path[64], err[256];
        int stops = 0, keys = 0;

        (void)state;
        tmp_path(path, sizeof(path));
        w = wopen(path, NULL, 0, 1000 * MS);
        assert_int_equal(rec_write_read(w, 0, "d/migration/state", &x), 1);
        assert_int_equal(rec_write_open_read(w, 0, "d/migration/hisi_acc/dev_data", T0 + 10 * MS,
                                             T0 + 70000 * MS),
                         1);
        assert_int_equal(rec_write_stop(w, T0 + 70000 * MS), 1);
        assert_int_equal(rec_writer_close(w), 0);
        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        assert_int_equal(rec_reader_nchunks(r), 1);
        while (rec_next(r, &e) == 1) {
                keys += e.type == REC_KEY;
                if (e.type == REC_STOP) {
                        stops++;
                        assert_int_equal(e.t_ns, T0 + 70000 * MS);
                        assert_int_equal(e.host, 0);
                }
        }
        assert_int_equal(keys, 1);
        assert_int_equal(stops, 1);
        assert_string_equal(rec_reader_message(r), "");
        rec_reader_free(r);
        /* a stop with nothing written before: a chunk for it */
        w = wopen(path, NULL, 0, 1000 * MS);
        assert_int_equal(rec_write_stop(w, T0), 1);
        assert_int_equal(rec_writer_close(w), 0);
        assert_int_equal(rec_reader_open(path, &r, err, sizeof(err)), 0);
        assert_int_equal(rec_reader_nchunks(r), 1);
        rec_reader_free(r);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_header_options),      cmocka_unit_test(test_options_refused),
            cmocka_unit_test(test_unknown_header_flag), cmocka_unit_test(test_host_in_keyframes),
            cmocka_unit_test(test_open_read),           cmocka_unit_test(test_stop_no_keyframe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
