/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_rec: a read still in flight when the recording stops (after a short grace) is
 * written as unanswered (REC_F_OPEN, with its start), an answered one as its result only;
 * its late answer is passed through and not recorded; the stop is recorded last.  The replay's
 * player holds a read of that path from the recorded start to the end (blocked, as live), never
 * answering it; host status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rec_read.h"
#include "core/src_rec.h"
#include "core/src_replay.h"

#define MS 1000000LL

/* A source whose "blocked" file answers only when the test writes to a pipe. */
struct slow {
        int fds[2];
        atomic_int waiting;
};

static int slow_read(void *ctx, const char *path, struct src_read *out)
{
        struct slow *sl = ctx;
        char c;

        memset(out, 0, sizeof(*out));
        out->t_start = src_now_ns();
        if (strstr(path, "slowish")) { /* an ordinary read under way at the stop */
                atomic_fetch_add(&sl->waiting, 1);
                usleep(10000);
                atomic_fetch_sub(&sl->waiting, 1);
        }
        if (strstr(path, "blocked")) {
                atomic_fetch_add(&sl->waiting, 1);
                assert_int_equal(read(sl->fds[0], &c, 1), 1);
                atomic_fetch_sub(&sl->waiting, 1);
        }
        out->data = strdup("mailbox cmd channel ready!\n");
        out->len = strlen(out->data);
        out->t_end = src_now_ns();
        return 0;
}

static int slow_list(void *ctx, const char *path, struct src_list *out)
{
        (void)ctx;
        (void)path;
        memset(out, 0, sizeof(*out));
        return 0;
}

static void slow_destroy(void *ctx)
{
        struct slow *sl = ctx;

        close(sl->fds[0]);
        close(sl->fds[1]);
        free(sl);
}

static const struct src_ops slow_ops = {
    .kind = "fake", .read = slow_read, .list = slow_list, .destroy = slow_destroy};

struct reader {
        struct src *s;
        const char *path;
        struct src_read r;
        int ret;
};

static void *reader_run(void *arg)
{
        struct reader *rd = arg;

        rd->ret = src_read(rd->s, rd->path, &rd->r);
        return NULL;
}

static void open_rec(const char *path, struct src_rec **rc)
{
        static struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        struct rec_writer_opts o;
        char err[300];

        rec_writer_opts_default(&o);
        o.migtop_version = "test";
        o.nhosts = 1;
        o.hosts = &h;
        assert_int_equal(src_rec_open(path, &o, rc, err, sizeof(err)), 0);
}

#define BLOCKED "d/migration/hisi_acc/blocked"
#define QUICK   "d/migration/hisi_acc/cmd_state"

static void test_inflight_at_close(void **state)
{
        char path[] = "/tmp/test_src_rec.XXXXXX", err[300];
        struct slow *sl = calloc(1, sizeof(*sl));
        struct src *inner, *tee;
        struct src_rec *rc;
        struct reader rd = {0};
        struct src_read r;
        struct rec_reader *rr;
        struct rec_ev e;
        pthread_t th;
        int64_t before, after;
        int open_reads = 0, quick = 0, blocked_results = 0, hosts = 0, stops = 0;
        int64_t open_t = 0, stop_t = 0;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        assert_non_null(sl);
        assert_int_equal(pipe(sl->fds), 0);
        assert_int_equal(src_new(&slow_ops, sl, "/r", &inner), 0);
        open_rec(path, &rc);
        assert_int_equal(src_rec_host(rc, 0, REC_HOST_UP, "kernel 6.12.0"), 0);
        assert_int_equal(src_rec_wrap(rc, inner, 0, &tee), 0);

        assert_int_equal(src_read(tee, QUICK, &r), 0);
        src_read_free(&r);
        before = src_now_ns();
        rd.s = tee;
        rd.path = BLOCKED;
        assert_int_equal(pthread_create(&th, NULL, reader_run, &rd), 0);
        while (atomic_load(&sl->waiting) == 0)
                usleep(1000);
        usleep(50000);
        assert_int_equal(src_rec_close(rc), 0); /* the read is still blocked */
        after = src_now_ns();
        /* it answers after the stop: passed through, not recorded */
        assert_int_equal(write(sl->fds[1], "x", 1), 1);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(rd.ret, 0);
        assert_string_equal(rd.r.data, "mailbox cmd channel ready!\n");
        src_read_free(&rd.r);
        src_close(tee);

        assert_int_equal(rec_reader_open(path, &rr, err, sizeof(err)), 0);
        while (rec_next(rr, &e) == 1) {
                hosts += e.type == REC_HOST;
                if (e.type == REC_STOP) {
                        stops++;
                        stop_t = e.t_ns;
                }
                if (e.type != REC_READ)
                        continue;
                if (strcmp(e.path, QUICK) == 0) {
                        assert_false(e.flags & REC_F_OPEN);
                        quick++;
                        continue;
                }
                assert_string_equal(e.path, BLOCKED);
                if (!(e.flags & REC_F_OPEN)) {
                        blocked_results++;
                        continue;
                }
                open_reads++;
                open_t = e.t_ns;
                assert_true(e.t_start >= before && e.t_start < e.t_ns);
                assert_true(e.t_ns - e.t_start >= 50 * MS);
                assert_true(e.t_ns <= after);
                assert_int_equal(e.t_end, e.t_ns);
                assert_int_equal(e.err, 0);
                assert_int_equal(e.len, 0);
        }
        assert_string_equal(rec_reader_message(rr), "");
        rec_reader_free(rr);
        assert_int_equal(quick, 1);
        assert_int_equal(open_reads, 1);
        assert_int_equal(blocked_results, 0);
        assert_int_equal(hosts, 1);
        /* the stop, last: a replay lasts until then */
        assert_int_equal(stops, 1);
        assert_int_equal(stop_t, open_t);
        unlink(path);
}

/* Nothing in flight at the stop: no unanswered read is written. */
static void test_nothing_in_flight(void **state)
{
        char path[] = "/tmp/test_src_rec.XXXXXX", err[300];
        struct slow *sl = calloc(1, sizeof(*sl));
        struct src *inner, *tee;
        struct src_rec *rc;
        struct src_read r;
        struct rec_reader *rr;
        struct rec_ev e;
        int n = 0;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(pipe(sl->fds), 0);
        assert_int_equal(src_new(&slow_ops, sl, "/r", &inner), 0);
        open_rec(path, &rc);
        assert_int_equal(src_rec_wrap(rc, inner, 0, &tee), 0);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(src_read(tee, QUICK, &r), 0);
                src_read_free(&r);
        }
        assert_int_equal(src_rec_close(rc), 0);
        src_close(tee);
        assert_int_equal(rec_reader_open(path, &rr, err, sizeof(err)), 0);
        while (rec_next(rr, &e) == 1) {
                assert_false(e.flags & REC_F_OPEN);
                n += e.type == REC_READ;
        }
        rec_reader_free(rr);
        assert_int_equal(n, 1); /* the same answer three times: written once */
        unlink(path);
}

/* A read under way at the stop that answers within the grace: its result, not unanswered. */
static void test_answer_in_grace(void **state)
{
        char path[] = "/tmp/test_src_rec.XXXXXX", err[300];
        struct slow *sl = calloc(1, sizeof(*sl));
        struct src *inner, *tee;
        struct src_rec *rc;
        struct reader rd = {0};
        struct rec_reader *rr;
        struct rec_ev e;
        pthread_t th;
        int results = 0, open_reads = 0;
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(pipe(sl->fds), 0);
        assert_int_equal(src_new(&slow_ops, sl, "/r", &inner), 0);
        open_rec(path, &rc);
        assert_int_equal(src_rec_wrap(rc, inner, 0, &tee), 0);
        rd.s = tee;
        rd.path = "d/migration/hisi_acc/slowish";
        assert_int_equal(pthread_create(&th, NULL, reader_run, &rd), 0);
        while (atomic_load(&sl->waiting) == 0)
                usleep(100);
        assert_int_equal(src_rec_close(rc), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        src_read_free(&rd.r);
        src_close(tee);
        assert_int_equal(rec_reader_open(path, &rr, err, sizeof(err)), 0);
        while (rec_next(rr, &e) == 1) {
                if (e.type != REC_READ)
                        continue;
                if (e.flags & REC_F_OPEN)
                        open_reads++;
                else
                        results++;
        }
        rec_reader_free(rr);
        assert_int_equal(results, 1);
        assert_int_equal(open_reads, 0);
        unlink(path);
}

struct held {
        struct src *s;
        struct src_read r;
        atomic_int done;
};

static void *held_run(void *arg)
{
        struct held *h = arg;

        src_read(h->s, BLOCKED, &h->r);
        atomic_store(&h->done, 1);
        return NULL;
}

/* The player holds a read of a path recorded unanswered: to the end, until closed. */
static void test_player_holds_open_read(void **state)
{
        char path[] = "/tmp/test_src_rec.XXXXXX", err[300];
        struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        struct rec_writer_opts o;
        struct rec_writer *w;
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        struct held hd = {0};
        pthread_t th;
        const int64_t T = 1796000000000000000LL;
        struct src_read r = {.data = "mailbox cmd channel ready!\n", .t_start = T, .t_end = T + MS};
        int fd = mkstemp(path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        r.len = strlen(r.data);
        rec_writer_opts_default(&o);
        o.nhosts = 1;
        o.hosts = &h;
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        assert_int_equal(rec_write_read(w, 0, BLOCKED, &r), 1);
        assert_int_equal(rec_write_open_read(w, 0, BLOCKED, T + 200 * MS, T + 900 * MS), 1);
        assert_int_equal(rec_writer_close(w), 0);

        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_last_ns(rp), T + 900 * MS);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        /* before the unanswered read started: the answer recorded before */
        assert_int_equal(replay_play_advance(p, T + 100 * MS, NULL, NULL), 0);
        assert_int_equal(src_read(s, BLOCKED, &hd.r), 0);
        assert_string_equal(hd.r.data, "mailbox cmd channel ready!\n");
        src_read_free(&hd.r);
        /* after it started: held through the end of the recording */
        assert_int_equal(replay_play_advance(p, T + 300 * MS, NULL, NULL), 0);
        hd.s = s;
        assert_int_equal(pthread_create(&th, NULL, held_run, &hd), 0);
        while (replay_play_waiting(p) == 0)
                usleep(1000);
        assert_int_equal(replay_play_advance(p, T + 900 * MS, NULL, NULL), 0);
        assert_int_equal(replay_play_next_ns(p), INT64_MAX);
        usleep(20000);
        assert_int_equal(replay_play_waiting(p), 1);
        assert_int_equal(atomic_load(&hd.done), 0);
        replay_play_close(p); /* the owner's close lets it go */
        assert_int_equal(pthread_join(th, NULL), 0);
        src_read_free(&hd.r);
        src_close(s);
        replay_free(rp);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_inflight_at_close),
            cmocka_unit_test(test_nothing_in_flight),
            cmocka_unit_test(test_answer_in_grace),
            cmocka_unit_test(test_player_holds_open_read),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
