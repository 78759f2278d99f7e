/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay_tab: the last result of each path, by type and path, over thousands of paths (the
 * table grows and rehashes): every path finds its own last result, a read and a listing of
 * the same path are two entries, a later result replaces the earlier one.
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

#include "core/replay_tab.h"

#define N 5000

static struct rec_ev ev_read(const char *path, const char *data, int64_t t)
{
        return (struct rec_ev){.type = REC_READ,
                               .t_ns = t,
                               .path = path,
                               .data = data,
                               .len = strlen(data),
                               .t_start = t - 10,
                               .t_end = t};
}

static void test_many_paths(void **state)
{
        struct replay_tab t = {0};
        char path[64], data[64];
        struct src_read out;

        (void)state;
        for (int round = 0; round < 2; round++) {
                for (int i = 0; i < N; i++) {
                        struct rec_ev ev;

                        snprintf(path, sizeof(path), "0000:%02x:%02x.%d/migration/state", i / 256,
                                 i % 256 / 8, i % 8);
                        snprintf(data, sizeof(data), "R%d-%d\n", round, i);
                        ev = ev_read(path, data, 1000 + round * N + i);
                        assert_int_equal(replay_tab_apply(&t, &ev), 0);
                }
        }
        assert_int_equal(t.n, N);
        for (int i = 0; i < N; i++) {
                const struct replay_ent *e;

                snprintf(path, sizeof(path), "0000:%02x:%02x.%d/migration/state", i / 256,
                         i % 256 / 8, i % 8);
                snprintf(data, sizeof(data), "R1-%d\n", i);
                e = replay_tab_find(&t, REC_READ, path);
                assert_non_null(e);
                assert_string_equal(e->path, path);
                assert_string_equal(e->data, data);
                assert_int_equal(e->t_end, 1000 + N + i);
                assert_null(replay_tab_find(&t, REC_LIST, path));
        }
        assert_null(replay_tab_find(&t, REC_READ, "0000:ff:00.1/migration/state"));
        assert_int_equal(replay_tab_read(replay_tab_find(&t, REC_READ, path), 7, &out), 0);
        assert_int_equal(out.err, 0);
        assert_string_equal(out.data, data);
        assert_int_equal(out.t_end, 1000 + N + N - 1);
        src_read_free(&out);
        assert_int_equal(replay_tab_read(NULL, 7, &out), 0);
        assert_int_equal(out.err, ENOENT);
        assert_int_equal(out.t_start, 7);
        replay_tab_clear(&t);
        assert_int_equal(t.n, 0);
        assert_null(replay_tab_find(&t, REC_READ, path));
}

static void test_read_and_list_of_a_path(void **state)
{
        static const char *const names[] = {"0000:3b:00.1", "0000:86:00.1", NULL};
        struct replay_tab t = {0};
        struct rec_ev ev = ev_read("", "x", 5);
        struct rec_ev ls = {.type = REC_LIST, .t_ns = 6, .path = "", .n = 2, .names = names};
        struct src_list l;
        struct src_read out;

        (void)state;
        assert_int_equal(replay_tab_apply(&t, &ev), 0);
        assert_int_equal(replay_tab_apply(&t, &ls), 0);
        assert_int_equal(t.n, 2);
        assert_int_equal(replay_tab_list(&t, "", &l), 0);
        assert_int_equal(l.err, 0);
        assert_int_equal(l.n, 2);
        assert_string_equal(l.names[0], "0000:3b:00.1");
        assert_string_equal(l.names[1], "0000:86:00.1");
        src_list_free(&l);
        assert_int_equal(replay_tab_read(replay_tab_find(&t, REC_READ, ""), 0, &out), 0);
        assert_string_equal(out.data, "x");
        src_read_free(&out);
        /* a listing that failed replaces the names with its errno */
        ls.err = ENOENT;
        ls.n = 0;
        assert_int_equal(replay_tab_apply(&t, &ls), 0);
        assert_int_equal(replay_tab_list(&t, "", &l), 0);
        assert_int_equal(l.err, ENOENT);
        assert_int_equal(replay_tab_list(&t, "nowhere", &l), 0);
        assert_int_equal(l.err, ENOENT);
        replay_tab_clear(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_many_paths),
            cmocka_unit_test(test_read_and_list_of_a_path),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
