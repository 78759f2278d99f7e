/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay_play: reads held on the virtual clock are each released at their own recorded
 * end (two held at once: the earlier one returns, the later one still waits), and all at
 * once when the owner closes the player; a player started at a later keyframe holds a read
 * that was in flight across that keyframe until its recorded end, and answers a path read
 * before the keyframe at once.
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

#include "core/rec_write.h"
#include "core/src_replay.h"

#define MS 1000000LL
static const int64_t T = 1796000000000000000LL;

struct held {
        struct src *s;
        const char *path;
        struct src_read r;
        atomic_bool done;
        pthread_t th;
};

static void *held_run(void *arg)
{
        struct held *h = arg;

        src_read(h->s, h->path, &h->r);
        atomic_store(&h->done, true);
        return NULL;
}

static void held_start(struct held *h, struct src *s, const char *path)
{
        h->s = s;
        h->path = path;
        atomic_store(&h->done, false);
        assert_int_equal(pthread_create(&h->th, NULL, held_run, h), 0);
}

static void put(struct rec_writer *w, const char *path, const char *data, int64_t t0, int64_t t1)
{
        struct src_read r = {.data = (char *)data, .len = strlen(data), .t_start = t0, .t_end = t1};

        assert_int_equal(rec_write_read(w, 0, path, &r), 1);
}

/* A recording in path: the root listing at T, then what fill writes. */
static void make(char *path, int64_t keyframe_ns, void (*fill)(struct rec_writer *))
{
        static const struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        const char *names[] = {"a", "b"};
        struct src_list l = {.names = (char **)names, .n = 2};
        struct rec_writer_opts o;
        struct rec_writer *w;
        char err[300];
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        close(fd);
        rec_writer_opts_default(&o);
        o.nhosts = 1;
        o.hosts = &h;
        o.migtop_version = "t";
        o.keyframe_ns = keyframe_ns;
        assert_int_equal(rec_writer_open(path, &o, &w, err, sizeof(err)), 0);
        assert_int_equal(rec_write_list(w, 0, "", T, &l), 1);
        fill(w);
        assert_int_equal(rec_writer_close(w), 0);
}

static void fill_two_slow(struct rec_writer *w)
{
        put(w, "a/migration/state", "A0\n", T + 10 * MS, T + 20 * MS);
        put(w, "b/migration/state", "B0\n", T + 10 * MS, T + 20 * MS);
        put(w, "a/migration/state", "A1\n", T + 100 * MS, T + 600 * MS);
        put(w, "b/migration/state", "B1\n", T + 100 * MS, T + 1100 * MS);
}

static void test_held_reads_released_each_at_its_end(void **state)
{
        char path[] = "/tmp/test_replay_play.XXXXXX";
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        struct held a, b;
        char err[300];

        (void)state;
        make(path, 60000 * MS, fill_two_slow);
        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        assert_int_equal(replay_play_advance(p, T + 200 * MS, NULL, NULL), 0);
        held_start(&a, s, "a/migration/state");
        held_start(&b, s, "b/migration/state");
        while (replay_play_waiting(p) < 2)
                usleep(1000);
        assert_int_equal(replay_play_advance(p, T + 600 * MS, NULL, NULL), 0);
        assert_int_equal(pthread_join(a.th, NULL), 0);
        assert_string_equal(a.r.data, "A1\n");
        assert_true(a.r.t_start == T + 100 * MS && a.r.t_end == T + 600 * MS);
        usleep(20000);
        assert_false(atomic_load(&b.done)); /* its end is later */
        assert_int_equal(replay_play_waiting(p), 1);
        assert_int_equal(replay_play_advance(p, T + 1100 * MS, NULL, NULL), 0);
        assert_int_equal(pthread_join(b.th, NULL), 0);
        assert_string_equal(b.r.data, "B1\n");
        assert_int_equal(replay_play_waiting(p), 0);
        src_read_free(&a.r);
        src_read_free(&b.r);

        /* the owner's close: a held read returns at once */
        replay_play_close(p);
        src_close(s);
        assert_int_equal(replay_play_open(rp, 0, 0, &p, &s), 0);
        assert_int_equal(replay_play_advance(p, T + 200 * MS, NULL, NULL), 0);
        held_start(&a, s, "a/migration/state");
        held_start(&b, s, "b/migration/state");
        while (replay_play_waiting(p) < 2)
                usleep(1000);
        replay_play_close(p);
        assert_int_equal(pthread_join(a.th, NULL), 0);
        assert_int_equal(pthread_join(b.th, NULL), 0);
        src_read_free(&a.r);
        src_read_free(&b.r);
        src_close(s);
        replay_free(rp);
        unlink(path);
}

/* a slow read of a from T+1.2 s to T+3.5 s, across the keyframes (1 s apart) */
static void fill_across_keyframes(struct rec_writer *w)
{
        put(w, "a/migration/state", "A0\n", T + 10 * MS, T + 20 * MS);
        put(w, "b/migration/state", "B0\n", T + 10 * MS, T + 20 * MS);
        for (int i = 1; i <= 3; i++) {
                char d[16];

                snprintf(d, sizeof(d), "B%d\n", i);
                put(w, "b/migration/state", d, T + i * 1000 * MS, T + i * 1000 * MS + MS);
        }
        put(w, "a/migration/state", "A1\n", T + 1200 * MS, T + 3500 * MS);
}

static void test_start_at_a_later_keyframe(void **state)
{
        char path[] = "/tmp/test_replay_play.XXXXXX";
        struct replay *rp;
        struct replay_play *p;
        struct src *s;
        struct src_read r;
        struct held a;
        size_t keys = 0;
        char err[300];

        (void)state;
        make(path, 1000 * MS, fill_across_keyframes);
        assert_int_equal(replay_open(path, &rp, err, sizeof(err)), 0);
        for (size_t i = 0; i < rec_reader_nchunks(replay_reader(rp)); i++)
                keys += (rec_reader_chunk(replay_reader(rp), i)->flags & REC_CHUNK_KEY) != 0;
        assert_true(keys >= 3);
        assert_int_equal(replay_play_open(rp, 0, T + 2500 * MS, &p, &s), 0);
        assert_true(replay_play_now(p) > T + 1200 * MS && replay_play_now(p) <= T + 2500 * MS);
        assert_int_equal(replay_play_advance(p, T + 2500 * MS, NULL, NULL), 0);
        /* b: from the keyframe, at once */
        assert_int_equal(src_read(s, "b/migration/state", &r), 0);
        assert_string_equal(r.data, "B2\n");
        src_read_free(&r);
        /* a: in flight since before the keyframe, held to its recorded end */
        held_start(&a, s, "a/migration/state");
        while (replay_play_waiting(p) < 1)
                usleep(1000);
        assert_int_equal(replay_play_advance(p, T + 3400 * MS, NULL, NULL), 0);
        usleep(20000);
        assert_false(atomic_load(&a.done));
        assert_int_equal(replay_play_advance(p, T + 3500 * MS, NULL, NULL), 0);
        assert_int_equal(pthread_join(a.th, NULL), 0);
        assert_string_equal(a.r.data, "A1\n");
        src_read_free(&a.r);
        replay_play_close(p);
        src_close(s);
        replay_free(rp);
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_held_reads_released_each_at_its_end),
            cmocka_unit_test(test_start_at_a_later_keyframe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
