/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replayer: a recording made through the tee source (two devices, d1 STOP -> RUNNING ->
 * STOP_COPY, d2 STOP -> RESUMING) replayed by the engine on the virtual clock: going to a
 * time (forward, and back: the player opened again), the changes of one device or of any,
 * the speed's bounds, a tick advancing by real time x speed and stopping at the end, the
 * times a user types, the status line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/src_rec.h"
#include "engine/engine.h"
#include "engine/replayer.h"

#define MS 1000000LL

/* What the fake source answers now: each device's state, and its read time. */
struct fake {
        const char *st[2];
        int64_t t;
};

static int fk_read(void *ctx, const char *path, struct src_read *out)
{
        struct fake *f = ctx;
        int i = strncmp(path, "d1/", 3) == 0 ? 0 : strncmp(path, "d2/", 3) == 0 ? 1 : -1;

        out->t_start = out->t_end = f->t;
        if (i < 0 || strcmp(path + 3, "migration/state") != 0) {
                out->err = ENOENT;
                return 0;
        }
        out->data = strdup(f->st[i]);
        out->len = strlen(f->st[i]);
        return out->data ? 0 : -ENOMEM;
}

static int fk_list(void *ctx, const char *path, struct src_list *out)
{
        char **names = calloc(3, sizeof(*names));
        size_t n = 0;

        (void)ctx;
        memset(out, 0, sizeof(*out));
        if (strcmp(path, "") == 0) {
                names[n++] = strdup("d1");
                names[n++] = strdup("d2");
        } else if (strcmp(path, "d1") == 0 || strcmp(path, "d2") == 0) {
                names[n++] = strdup("migration");
        } else {
                names[n++] = strdup("state");
        }
        src_list_take(out, names, n);
        return 0;
}

static void fk_destroy(void *ctx)
{
        (void)ctx;
}

static const struct src_ops fk_ops = {
    .kind = "fake", .read = fk_read, .list = fk_list, .destroy = fk_destroy};

static char rec_path[] = "/tmp/test_replayer.XXXXXX";
static int64_t t0;

static void rd(struct src *s, struct fake *f, int64_t at)
{
        struct src_read r;

        f->t = t0 + at;
        assert_int_equal(src_read(s, "d1/migration/state", &r), 0);
        src_read_free(&r);
        assert_int_equal(src_read(s, "d2/migration/state", &r), 0);
        src_read_free(&r);
}

/* The recording: d1 RUNNING at +200 ms, d2 RESUMING at +250, d1 STOP_COPY at +300. */
static int setup(void **state)
{
        static const char *const lists[] = {"", "d1", "d2", "d1/migration", "d2/migration"};
        struct rec_host h = {.name = "local", .kernel = "6.12.0", .root = "/r"};
        struct fake f = {.st = {"STOP\n", "STOP\n"}};
        struct rec_writer_opts o;
        struct src_rec *rc;
        struct src *inner, *tee;
        struct src_list l;
        char err[300];
        int fd = mkstemp(rec_path);

        (void)state;
        assert_true(fd >= 0);
        close(fd);
        rec_writer_opts_default(&o);
        o.nhosts = 1;
        o.hosts = &h;
        o.migtop_version = "t";
        assert_int_equal(src_rec_open(rec_path, &o, &rc, err, sizeof(err)), 0);
        assert_int_equal(src_new(&fk_ops, &f, "/r", &inner), 0);
        assert_int_equal(src_rec_wrap(rc, inner, 0, &tee), 0);
        for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
                assert_int_equal(src_list(tee, lists[i], &l), 0);
                src_list_free(&l);
        }
        t0 = src_now_ns() + 50 * MS; /* after the listings */
        rd(tee, &f, 100 * MS);
        f.st[0] = "RUNNING\n";
        rd(tee, &f, 200 * MS);
        f.st[1] = "RESUMING\n";
        rd(tee, &f, 250 * MS);
        f.st[0] = "STOP_COPY\n";
        rd(tee, &f, 300 * MS);
        assert_int_equal(src_rec_close(rc), 0);
        src_close(tee);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        unlink(rec_path);
        return 0;
}

/* Device dev's state in the engine's snapshot now ("" when unknown). */
static const char *state_of(struct rpl *r, const char *dev, char *buf, size_t n)
{
        const struct engine_snap *s = engine_snapshot(rpl_engine(r));

        buf[0] = '\0';
        assert_non_null(s);
        for (size_t i = 0; i < s->tree.ndevs; i++)
                if (strcmp(s->tree.devs[i].name, dev) == 0 &&
                    s->tree.devs[i].state_file.status == DRV_ST_OK)
                        snprintf(buf, n, "%s", fsm_state_name(s->tree.devs[i].state));
        engine_snap_put(s);
        return buf;
}

static void test_index_and_times(void **state)
{
        struct rpl *r;
        char err[300];
        int64_t t;

        (void)state;
        assert_int_equal(rpl_open(rec_path, &r, err, sizeof(err)), 0);
        assert_true(rpl_last_ns(r) == t0 + 300 * MS);
        /* the changes of d2, of d1, of any */
        assert_true(rpl_change_after(r, "d2", t0 + 100 * MS) == t0 + 250 * MS);
        assert_true(rpl_change_after(r, "d1", t0 + 100 * MS) == t0 + 200 * MS);
        assert_true(rpl_change_after(r, NULL, t0 + 200 * MS) == t0 + 250 * MS);
        assert_true(rpl_change_after(r, "d2", t0 + 250 * MS) == -1);
        assert_true(rpl_change_before(r, "d1", t0 + 300 * MS) == t0 + 200 * MS);
        assert_true(rpl_change_before(r, "d", t0 + 300 * MS) == -1); /* not a prefix match */
        /* typed times: from the clock (at the start now), clamped; an ISO time; junk */
        assert_int_equal(rpl_parse_goto(r, "+0.2", &t, err, sizeof(err)), 0);
        assert_true(t == rpl_first_ns(r) + 200 * MS);
        assert_int_equal(rpl_parse_goto(r, "-5", &t, err, sizeof(err)), 0);
        assert_true(t == rpl_first_ns(r));
        assert_int_equal(rpl_parse_goto(r, "+3600", &t, err, sizeof(err)), 0);
        assert_true(t == rpl_last_ns(r));
        assert_int_equal(rpl_parse_goto(r, "2000-01-01T00:00:00Z", &t, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "the recording starts at"));
        assert_int_equal(rpl_parse_goto(r, "soon", &t, err, sizeof(err)), -EINVAL);
        assert_null(strstr(err, "--at"));
        assert_int_equal(rpl_parse_goto(r, "+x", &t, err, sizeof(err)), -EINVAL);
        /* the speed's bounds */
        rpl_set_speed(r, 1000);
        assert_true(rpl_speed(r) == RPL_SPEED_MAX);
        rpl_set_speed(r, 0.01);
        assert_true(rpl_speed(r) == RPL_SPEED_MIN);
        rpl_free(r);
}

static void test_seek_and_play(void **state)
{
        struct engine_opts eo;
        struct rpl *r;
        char err[300], st[32], line[200];

        (void)state;
        assert_int_equal(rpl_open(rec_path, &r, err, sizeof(err)), 0);
        engine_opts_default(&eo);
        assert_int_equal(rpl_engine_open(r, &eo, 0), 0);
        /* forward */
        assert_int_equal(rpl_seek(r, t0 + 220 * MS), 0);
        assert_true(rpl_now(r) == t0 + 220 * MS);
        assert_string_equal(state_of(r, "d1", st, sizeof(st)), "RUNNING");
        assert_string_equal(state_of(r, "d2", st, sizeof(st)), "STOP");
        /* back: the player is opened again, the engine made again */
        assert_true(rpl_seek_reopens(r, t0 + 150 * MS));
        assert_int_equal(rpl_seek(r, t0 + 150 * MS), 0);
        assert_true(rpl_now(r) == t0 + 150 * MS);
        assert_string_equal(state_of(r, "d1", st, sizeof(st)), "STOP");
        assert_false(rpl_at_end(r));
        /* playing at 0.25x: 200 ms of real time are 50 ms of the recording's */
        rpl_set_speed(r, 0.25);
        rpl_set_paused(r, false);
        assert_int_equal(rpl_tick(r, 200 * MS, 1000), 1);
        assert_true(rpl_now(r) == t0 + 200 * MS);
        assert_string_equal(state_of(r, "d1", st, sizeof(st)), "RUNNING");
        /* to the end: it stops there, paused */
        rpl_set_speed(r, 64);
        assert_int_equal(rpl_tick(r, 1000 * MS, 1000), 1);
        assert_true(rpl_now(r) == rpl_last_ns(r));
        assert_true(rpl_at_end(r) && rpl_paused(r));
        assert_string_equal(state_of(r, "d1", st, sizeof(st)), "STOP_COPY");
        assert_string_equal(state_of(r, "d2", st, sizeof(st)), "RESUMING");
        assert_int_equal(rpl_tick(r, 1000 * MS, 1000), 0);
        rpl_status(r, line, sizeof(line));
        assert_non_null(strstr(line, "64x  end of recording"));
        assert_non_null(strstr(line, " s of "));
        /* play again from the end: from the start */
        rpl_set_paused(r, false);
        assert_true(rpl_now(r) == rpl_first_ns(r));
        assert_false(rpl_paused(r));
        rpl_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_index_and_times),
            cmocka_unit_test(test_seek_and_play),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
