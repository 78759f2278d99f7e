/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_rec and src_replay: what a tee source records (reads, errnos, listings, kernel log
 * lines) is what a replay source answers at each time; reads after the recorder is closed
 * pass through; --dump writes a header, a line per record and an end line.  The player
 * answers as of its clock, with the recorded times, and holds a read recorded slow (or
 * not recorded yet) until its clock reaches the recorded end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/src_rec.h"
#include "core/src_replay.h"

#define MS 1000000LL

/* A source whose one file and listing the test sets, stamped with the test's clock. */
struct fake {
        const char *state;
        int err;
        const char *names[3];
        size_t n;
};

static int fk_read(void *ctx, const char *path, struct src_read *out)
{
        struct fake *f = ctx;

        /* (src_read() zeroed out and stamped t_start) */
        if (strcmp(path, "d1/migration/state") != 0 || f->err) {
                out->err = f->err ? f->err : ENOENT;
                return 0;
        }
        out->data = strdup(f->state);
        out->len = strlen(f->state);
        return out->data ? 0 : -ENOMEM;
}

static int fk_list(void *ctx, const char *path, struct src_list *out)
{
        struct fake *f = ctx;
        char **names = calloc(f->n + 1, sizeof(*names));

        memset(out, 0, sizeof(*out));
        for (size_t i = 0; i < f->n; i++)
                names[i] = strdup(f->names[i]);
        src_list_take(out, names, f->n);
        return 0;
}

static void fk_destroy(void *ctx)
{
        (void)ctx;
}

static const struct src_ops fk_ops = {
    .kind = "fake", .read = fk_read, .list = fk_list, .destroy = fk_destroy};

/* A read through the tee; returns when it ended (src_read() stamps the real clock). */
static int64_t rd(struct src *s)
{
        struct src_read r;
        int64_t t;

        usleep(2000);
        assert_int_equal(src_read(s, "d1/migration/state", &r), 0);
        t = r.t_end;
        src_read_free(&r);
        usleep(2000);
        return t;
}

static void want_at(struct replay *rp, int64_t t, const char *state, int err, size_t ndev,
                    size_t nlines)
{
        struct src *s;
        struct src_read r;
        struct src_list l;
        char **lines;
        size_t *lens, n;

        assert_int_equal(replay_src_at(rp, t, 0, &s, &lines, &lens, &n), 0);
        assert_string_equal(s->ops->kind, "replay");
        assert_int_equal(src_read(s, "d1/migration/state", &r), 0);
        assert_int_equal(r.err, err);
        if (state)
                assert_string_equal(r.data, state);
        src_read_free(&r);
        assert_int_equal(src_read(s, "never/read", &r), 0);
        assert_int_equal(r.err, ENOENT);
        src_read_free(&r);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.n, ndev);
        src_list_free(&l);
        assert_int_equal(n, nlines);
        if (n)
                assert_memory_equal(lines[0], "6,1,2,-;vfio: hello\n", lens[0]);
        replay_lines_free(lines, lens, n);
        src_close(s);
}

/* A temporary file for the recording (path: a mkstemp template) and writer options. */
static void rec_setup(char *path, struct rec_writer_opts *o, const struct rec_host *h)
{
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        close(fd);
        rec_writer_opts_default(o);
        o->nhosts = 1;
        o->hosts = h;
        o->migtop_version = "t";
}

static void test_record_then_replay(void **state)
{
        struct fake f = {.state = "RUNNING\n", .names = {"d1", "d2"}, .n = 1};
        char path[] = "/tmp/test_rec_src.XXXXXX", err[300];
        struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        struct rec_writer_opts o;
        struct src_rec *rc;
        struct src *inner, *tee;
        struct replay *rp;
        struct src_list l;
        int64_t t1, t3, t4;

        (void)state;
        rec_setup(path, &o, &h);
        assert_int_equal(src_rec_open(path, &o, &rc, err, sizeof(err)), 0);
        assert_int_equal(src_new(&fk_ops, &f, "/r", &inner), 0);
        assert_int_equal(src_rec_wrap(rc, inner, 0, &tee), 0);
        assert_string_equal(tee->root, "/r");
        t1 = rd(tee);
        rd(tee); /* unchanged: not written */
        f.state = "STOP_COPY\n";
        t3 = rd(tee);
        f.err = EAGAIN;
        t4 = rd(tee);
        assert_int_equal(src_list(tee, "", &l), 0);
        src_list_free(&l);
        src_rec_klog(rc, "6,1,2,-;vfio: hello\n", 20);
        assert_int_equal(src_rec_error(rc), 0);
        assert_int_equal(src_rec_close(rc), 0);
        f.err = 0;
        rd(tee); /* after close: passed through, not recorded */
        src_close(tee);

        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_string_equal(replay_message(rp), "");
        assert_string_equal(replay_header(rp)->hosts[0].kernel, "6.12.0");
        assert_true(replay_first_ns(rp) <= t1 && replay_first_ns(rp) > t1 - 50 * MS);
        want_at(rp, t1, "RUNNING\n", 0, 0, 0);
        want_at(rp, t3 - 3 * MS, "RUNNING\n", 0, 0, 0); /* 2 ms before the read began */
        want_at(rp, t3, "STOP_COPY\n", 0, 0, 0);
        want_at(rp, t4, NULL, EAGAIN, 0, 0);
        want_at(rp, INT64_MAX, NULL, EAGAIN, 1, 1); /* the listing and the line, at the end */
        {
                char iso[40], arg[48];
                int64_t t;

                assert_int_equal(replay_parse_time(rp, "+0.0015", &t, err, sizeof(err)), 0);
                assert_int_equal(t, replay_first_ns(rp) + 1500000);
                rec_time_iso(t3, iso, sizeof(iso)); /* ...T14:02:03.250Z: cut to the ms */
                assert_int_equal(replay_parse_time(rp, iso, &t, err, sizeof(err)), 0);
                assert_int_equal(t, t3 / MS * MS);
                snprintf(arg, sizeof(arg), "%.23s", iso); /* no Z, a space */
                arg[10] = ' ';
                assert_int_equal(replay_parse_time(rp, arg, &t, err, sizeof(err)), 0);
                assert_int_equal(t, t3 / MS * MS);
                assert_int_equal(replay_parse_time(rp, "+x", &t, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, "not +SECONDS"));
                assert_int_equal(
                    replay_parse_time(rp, "2025-11-30T13:59:59Z", &t, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, "the recording starts at 20"));
        }
        {
                char *buf = NULL;
                size_t size = 0;
                FILE *m = open_memstream(&buf, &size);
                unsigned lines = 0;

                assert_int_equal(replay_dump(rp, m), 0);
                fclose(m);
                for (char *p = buf; *p; p++)
                        lines += *p == '\n';
                /* header, key, read, read, read, list, klog, stop, end */
                if (lines != 9)
                        fprintf(stderr, "%s", buf);
                assert_int_equal(lines, 9);
                assert_non_null(strstr(buf, "{\"type\":\"stop\","));
                assert_non_null(strstr(buf, "{\"type\":\"header\",\"format_version\":1,"));
                assert_non_null(
                    strstr(buf, "\"path\":\"d1/migration/state\",\"errno\":\"EAGAIN\""));
                assert_non_null(strstr(buf, "\"data\":\"STOP_COPY\\n\""));
                assert_non_null(strstr(buf, "{\"type\":\"end\",\"records\":7,\"message\":null}\n"));
                free(buf);
        }
        replay_free(rp);
        unlink(path);
}

/* ---- the player ---- */

struct held_read {
        struct src *s;
        struct src_read r;
};

static void *held_read_run(void *arg)
{
        struct held_read *h = arg;

        src_read(h->s, "d/migration/state", &h->r);
        return NULL;
}

static void put_read(struct rec_writer *w, const char *data, int64_t t0, int64_t t1)
{
        struct src_read r = {.data = (char *)data, .len = strlen(data), .t_start = t0, .t_end = t1};

        assert_int_equal(rec_write_read(w, 0, "d/migration/state", &r), 1);
}

static void test_player(void **state)
{
        char path[] = "/tmp/test_rec_play.XXXXXX", err[300];
        struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        const char *names[] = {"d"};
        struct src_list l = {.names = (char **)names, .n = 1};
        struct rec_writer_opts o;
        struct rec_writer *w;
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        struct src_read r;
        struct held_read hr;
        pthread_t th;
        const int64_t T = 1796000000000000000LL;

        (void)state;
        rec_setup(path, &o, &h);
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        assert_int_equal(rec_write_list(w, 0, "", T, &l), 1);
        put_read(w, "RUNNING\n", T + 10 * MS, T + 20 * MS);
        put_read(w, "STOP_COPY\n", T + 200 * MS, T + 1200 * MS); /* blocked for a second */
        assert_int_equal(rec_writer_close(w), 0);

        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        assert_int_equal(replay_play_advance(p, T, NULL, NULL), 0);
        assert_int_equal(src_list(s, "", &l), 0);
        assert_int_equal(l.n, 1);
        src_list_free(&l);

        /* before its first result: held until the clock reaches that result's end */
        hr.s = s;
        assert_int_equal(pthread_create(&th, NULL, held_read_run, &hr), 0);
        while (replay_play_waiting(p) == 0)
                usleep(1000);
        assert_int_equal(replay_play_advance(p, T + 20 * MS, NULL, NULL), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_string_equal(hr.r.data, "RUNNING\n");
        assert_true(hr.r.t_start == T + 10 * MS && hr.r.t_end == T + 20 * MS);
        src_read_free(&hr.r);

        /* between results: the last one, at once */
        assert_int_equal(replay_play_advance(p, T + 100 * MS, NULL, NULL), 0);
        assert_int_equal(src_read(s, "d/migration/state", &r), 0);
        assert_string_equal(r.data, "RUNNING\n");
        src_read_free(&r);

        /* inside the slow read: held until its recorded end, then its result and times */
        assert_int_equal(replay_play_advance(p, T + 500 * MS, NULL, NULL), 0);
        assert_int_equal(pthread_create(&th, NULL, held_read_run, &hr), 0);
        while (replay_play_waiting(p) == 0)
                usleep(1000);
        assert_int_equal(replay_play_advance(p, T + 1100 * MS, NULL, NULL), 0);
        usleep(20000);
        assert_int_equal(replay_play_waiting(p), 1); /* not yet */
        assert_int_equal(replay_play_advance(p, T + 1200 * MS, NULL, NULL), 0);
        assert_int_equal(replay_play_waiting(p), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_string_equal(hr.r.data, "STOP_COPY\n");
        assert_true(hr.r.t_start == T + 200 * MS && hr.r.t_end == T + 1200 * MS);
        src_read_free(&hr.r);
        assert_int_equal(replay_play_next_ns(p), INT64_MAX);

        /* a path never recorded: ENOENT at once */
        assert_int_equal(src_read(s, "e/migration/state", &r), 0);
        assert_int_equal(r.err, ENOENT);
        src_read_free(&r);
        replay_play_close(p);
        src_close(s);
        replay_free(rp);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_record_then_replay),
            cmocka_unit_test(test_player),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
