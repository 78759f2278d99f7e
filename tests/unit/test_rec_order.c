/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The recording's records are in time order in the file, whatever order the reader
 * threads take the recorder's lock in (issue 11: the replay-equals-live flake).  Reader A
 * ends its read first, is delayed before it records (descheduled), and reader B ends and
 * records meanwhile: A's result must not be written with a time before B's, or a player
 * (which applies records in file order up to its clock) does not know of A's result at a
 * time after A's end and before B's: a replay of that time shows A's file as never read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rec_read.h"
#include "core/src_rec.h"
#include "core/src_replay.h"

/* "a" ends, then waits until "b" is recorded; "b" starts once "a" ended. */
struct ord {
        pthread_mutex_t mu;
        pthread_cond_t cv;
        bool a_ended, b_done;
        int64_t t_a, t_b;
};

static int or_read(void *ctx, const char *path, struct src_read *out)
{
        struct ord *o = ctx;

        out->data = strdup("x\n");
        out->len = 2;
        out->t_end = src_now_ns(); /* the read's end, kept by src_read() */
        pthread_mutex_lock(&o->mu);
        if (strcmp(path, "a/state") == 0) {
                o->t_a = out->t_end;
                o->a_ended = true;
                pthread_cond_broadcast(&o->cv);
                while (!o->b_done)
                        pthread_cond_wait(&o->cv, &o->mu);
        } else {
                o->t_b = out->t_end;
        }
        pthread_mutex_unlock(&o->mu);
        return out->data ? 0 : -ENOMEM;
}

static int or_list(void *ctx, const char *path, struct src_list *out)
{
        (void)ctx;
        (void)path;
        memset(out, 0, sizeof(*out));
        return 0;
}

static void or_destroy(void *ctx)
{
        (void)ctx;
}

static const struct src_ops or_ops = {
    .kind = "order", .read = or_read, .list = or_list, .destroy = or_destroy};

struct job {
        struct src *s;
        const char *path;
};

static void *reader(void *arg)
{
        struct job *j = arg;
        struct src_read r;

        assert_int_equal(src_read(j->s, j->path, &r), 0);
        src_read_free(&r);
        return NULL;
}

static void test_records_in_time_order(void **state)
{
        struct ord o = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
        struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        char path[] = "/tmp/test_rec_order.XXXXXX", err[300];
        struct rec_writer_opts wo;
        struct src_rec *rc;
        struct src *inner, *tee;
        struct rec_reader *rd;
        struct rec_ev ev;
        struct replay *rp;
        struct replay_play *p;
        struct src *ps;
        struct src_read r;
        pthread_t ta, tb;
        struct job ja, jb;
        int64_t prev = INT64_MIN;
        unsigned nread = 0;
        int fd = mkstemp(path), ret;

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        rec_writer_opts_default(&wo);
        wo.nhosts = 1;
        wo.hosts = &h;
        wo.migtop_version = "t";
        assert_int_equal(src_rec_open(path, &wo, &rc, err, sizeof(err)), 0);
        assert_int_equal(src_new(&or_ops, &o, "/r", &inner), 0);
        assert_int_equal(src_rec_wrap(rc, inner, 0, &tee), 0);
        ja = (struct job){tee, "a/state"};
        jb = (struct job){tee, "b/state"};
        assert_int_equal(pthread_create(&ta, NULL, reader, &ja), 0);
        pthread_mutex_lock(&o.mu);
        while (!o.a_ended)
                pthread_cond_wait(&o.cv, &o.mu);
        pthread_mutex_unlock(&o.mu);
        usleep(2000);
        /* b ends after a, and is recorded while a waits */
        assert_int_equal(pthread_create(&tb, NULL, reader, &jb), 0);
        pthread_join(tb, NULL);
        pthread_mutex_lock(&o.mu);
        o.b_done = true;
        pthread_cond_broadcast(&o.cv);
        pthread_mutex_unlock(&o.mu);
        pthread_join(ta, NULL);
        assert_true(o.t_a < o.t_b);
        assert_int_equal(src_rec_close(rc), 0);
        src_close(tee);

        /* the file: b then a, a's time not before b's */
        assert_int_equal(rec_reader_open(path, &rd, err, sizeof(err)), 0);
        while ((ret = rec_next(rd, &ev)) == 1) {
                if (ev.type == REC_KEY)
                        continue;
                assert_true(ev.t_ns >= prev);
                prev = ev.t_ns;
                if (ev.type == REC_READ) {
                        nread++;
                        if (strcmp(ev.path, "a/state") == 0)
                                assert_true(ev.t_end >= o.t_b); /* as recorded: after b */
                }
        }
        assert_int_equal(ret, 0);
        assert_int_equal(nread, 2);
        rec_reader_free(rd);

        /* the player at b's time knows a's result */
        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &ps), 0);
        assert_int_equal(replay_play_advance(p, o.t_b, NULL, NULL), 0);
        assert_int_equal(src_read(ps, "a/state", &r), 0);
        assert_int_equal(r.err, 0);
        assert_string_equal(r.data, "x\n");
        src_read_free(&r);
        replay_play_close(p);
        src_close(ps);
        replay_free(rp);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_records_in_time_order),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
