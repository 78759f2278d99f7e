/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_fsm: the state machine against an independent model written from the comment above
 * vfio_mig_get_next_state() (drivers/vfio/vfio_main.c): the list of single arcs a driver
 * implements for each feature set, a breadth-first search over them, and the list of
 * combination paths the comment spells out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/fsm.h"

#define E  FSM_ERROR
#define S  FSM_STOP
#define R  FSM_RUNNING
#define SC FSM_STOP_COPY
#define RS FSM_RESUMING
#define RP FSM_RUNNING_P2P
#define PC FSM_PRE_COPY
#define PP FSM_PRE_COPY_P2P

/* ---- the independent model --------------------------------------------------------- */

static bool model_valid(enum fsm_state s, unsigned f)
{
        bool p2p = f & FSM_F_P2P, pre = f & FSM_F_PRE_COPY;

        switch (s) {
        case FSM_ERROR:
        case FSM_STOP:
        case FSM_RUNNING:
        case FSM_STOP_COPY:
        case FSM_RESUMING:
                return true;
        case FSM_RUNNING_P2P:
                return p2p;
        case FSM_PRE_COPY:
                return pre;
        case FSM_PRE_COPY_P2P:
                return p2p && pre;
        default:
                return false;
        }
}

/* The arcs the kernel comment says a driver must implement, per feature set. */
static bool model_arc(enum fsm_state a, enum fsm_state b, unsigned f)
{
        static const enum fsm_state base[][2] = {{RS, S}, {S, RS}, {S, SC}, {SC, S}};
        static const enum fsm_state p2p[][2] = {{R, RP}, {RP, R}, {RP, S}, {S, RP}};
        static const enum fsm_state pre[][2] = {{R, PC}, {PC, R}};
        static const enum fsm_state pre_nop2p[][2] = {{PC, SC}};
        static const enum fsm_state pre_p2p[][2] = {
            {PC, PP}, {PP, PC}, {PP, RP}, {PP, SC}, {RP, PP}};
        static const enum fsm_state nop2p[][2] = {{R, S}, {S, R}};
        bool hp = f & FSM_F_P2P, hc = f & FSM_F_PRE_COPY;

#define IN(list)                                                                                   \
        for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)                                \
                if (list[i][0] == a && list[i][1] == b)                                            \
                        return true;
        IN(base);
        if (hp) {
                IN(p2p);
        } else {
                IN(nop2p);
        }
        if (hc) {
                IN(pre);
                if (hp) {
                        IN(pre_p2p);
                } else {
                        IN(pre_nop2p);
                }
        }
#undef IN
        return false;
}

/* Shortest number of arcs from a to b (-1: unreachable). */
static int model_dist(enum fsm_state a, enum fsm_state b, unsigned f)
{
        int dist[8];
        enum fsm_state q[8];
        unsigned head = 0, tail = 0;

        for (int i = 0; i < 8; i++)
                dist[i] = -1;
        dist[a] = 0;
        q[tail++] = a;
        while (head < tail) {
                enum fsm_state c = q[head++];

                for (int n = 1; n < 8; n++)
                        if (dist[n] < 0 && model_valid(n, f) && model_arc(c, n, f)) {
                                dist[n] = dist[c] + 1;
                                q[tail++] = n;
                        }
        }
        return dist[b];
}

static bool model_blocked(enum fsm_state a, enum fsm_state b)
{
        return a == SC && (b == PC || b == PP);
}

/* ---- tests --------------------------------------------------------------------------- */

static void every_pair_every_feature_set_matches_the_model(void **state)
{
        unsigned checked = 0, combos = 0;

        for (unsigned f = 0; f < 16; f++) {
                for (int a = 0; a < FSM_NSTATES; a++) {
                        for (int b = 0; b < FSM_NSTATES; b++) {
                                struct fsm_change c;
                                bool va = model_valid(a, f), vb = model_valid(b, f);

                                fsm_classify(a, b, f, &c);
                                assert_int_equal(c.from, a);
                                assert_int_equal(c.to, b);
                                if (a == b) {
                                        assert_int_equal(c.cls, FSM_CLASS_SAME);
                                        assert_int_equal(c.nsteps, 0);
                                } else if (!va || !vb) {
                                        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
                                } else if (b == E) {
                                        assert_int_equal(c.cls, FSM_CLASS_TO_ERROR);
                                } else if (a == E) {
                                        assert_int_equal(c.cls, FSM_CLASS_RESET);
                                } else if (model_blocked(a, b)) {
                                        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
                                        assert_int_equal(c.nsteps, 0);
                                } else {
                                        int d = model_dist(a, b, f);
                                        enum fsm_state prev = a;

                                        assert_true(d >= 1);
                                        assert_int_equal(c.cls, d == 1 ? FSM_CLASS_DIRECT
                                                                       : FSM_CLASS_COMBINATION);
                                        assert_int_equal(c.nsteps, d - 1);
                                        /* every step is a real arc of a valid state */
                                        for (unsigned i = 0; i < c.nsteps; i++) {
                                                assert_true(model_valid(c.steps[i], f));
                                                assert_true(model_arc(prev, c.steps[i], f));
                                                prev = c.steps[i];
                                        }
                                        assert_true(model_arc(prev, b, f));
                                        combos += d > 1;
                                }
                                if (c.cls != FSM_CLASS_COMBINATION)
                                        assert_int_equal(c.nsteps, 0);
                                checked++;
                        }
                }
        }
        assert_int_equal(checked, 16 * FSM_NSTATES * FSM_NSTATES);
        assert_true(combos > 0);
}

static void direct_arc_is_exactly_the_comment_list(void **state)
{
        for (unsigned f = 0; f < 16; f++)
                for (int a = 0; a < FSM_NSTATES; a++)
                        for (int b = 0; b < FSM_NSTATES; b++) {
                                bool want = a < 8 && b < 8 && a != E && b != E &&
                                            model_valid(a, f) && model_valid(b, f) &&
                                            model_arc(a, b, f);

                                assert_int_equal(fsm_is_direct_arc(a, b, f), want);
                        }
}

static void next_step_agrees_with_classify_and_errors_like_the_kernel(void **state)
{
        for (unsigned f = 0; f < 16; f++)
                for (int a = 0; a < FSM_NSTATES; a++)
                        for (int b = 0; b < FSM_NSTATES; b++) {
                                enum fsm_state n = FSM_INVALID;
                                int rc = fsm_next_step(a, b, f, &n);
                                bool args_ok =
                                    a != E && b != E && model_valid(a, f) && model_valid(b, f);
                                struct fsm_change c;

                                if (!args_ok || model_blocked(a, b)) {
                                        assert_int_equal(rc, -EINVAL);
                                        assert_int_equal(n, FSM_INVALID); /* untouched */
                                        continue;
                                }
                                assert_int_equal(rc, 0);
                                if (a == b) {
                                        assert_int_equal(n, b);
                                        continue;
                                }
                                fsm_classify(a, b, f, &c);
                                assert_int_equal(n, c.nsteps ? c.steps[0] : (enum fsm_state)b);
                        }
}

/* The combination paths the kernel comment lists, with every optional feature. */
static void combination_paths_of_the_comment(void **state)
{
        static const enum fsm_state paths[][6] = {
            {PC, PP, SC},       {PC, R, RP},     {PC, R, RP, S}, {PC, R, RP, S, RS}, {PP, RP, R},
            {PP, RP, S},        {PP, RP, S, RS}, {RS, S, RP},    {RS, S, RP, PP},    {RS, S, RP, R},
            {RS, S, RP, R, PC}, {RS, S, SC},     {R, RP, PP},    {R, RP, S},         {R, RP, S, RS},
            {R, RP, S, SC},     {RP, R, PC},     {RP, S, RS},    {RP, S, SC},        {S, RP, PP},
            {S, RP, R},         {S, RP, R, PC},  {SC, S, RS},    {SC, S, RP},        {SC, S, RP, R},
        };

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                const enum fsm_state *p = paths[i];
                unsigned len = 1;
                struct fsm_change c;

                while (len < 6 && p[len] != E)
                        len++;
                fsm_classify(p[0], p[len - 1], FSM_F_ALL, &c);
                assert_int_equal(c.cls, FSM_CLASS_COMBINATION);
                assert_int_equal(c.nsteps, len - 2);
                for (unsigned k = 0; k < len - 2; k++)
                        assert_int_equal(c.steps[k], p[k + 1]);
        }
}

static void reduced_features_skip_optional_states(void **state)
{
        struct fsm_change c;

        /* no P2P: RUNNING -> STOP is one arc, RUNNING -> STOP_COPY goes through STOP */
        fsm_classify(R, S, FSM_F_STOP_COPY, &c);
        assert_int_equal(c.cls, FSM_CLASS_DIRECT);
        fsm_classify(R, SC, FSM_F_STOP_COPY, &c);
        assert_int_equal(c.cls, FSM_CLASS_COMBINATION);
        assert_int_equal(c.nsteps, 1);
        assert_int_equal(c.steps[0], S);
        /* pre-copy without P2P: PRE_COPY -> STOP_COPY is direct */
        fsm_classify(PC, SC, FSM_F_STOP_COPY | FSM_F_PRE_COPY, &c);
        assert_int_equal(c.cls, FSM_CLASS_DIRECT);
        /* with P2P it passes PRE_COPY_P2P */
        fsm_classify(PC, SC, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_COMBINATION);
        assert_int_equal(c.steps[0], PP);
        /* a state the device cannot have */
        fsm_classify(R, RP, FSM_F_STOP_COPY, &c);
        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
        fsm_classify(R, PP, FSM_F_STOP_COPY | FSM_F_PRE_COPY, &c);
        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
        /* features without the mandatory stop-copy bit still mean a migration device */
        fsm_classify(S, RS, 0, &c);
        assert_int_equal(c.cls, FSM_CLASS_DIRECT);
        /* dirty-tracking changes nothing */
        fsm_classify(R, SC, FSM_F_ALL | FSM_F_DIRTY_TRACKING, &c);
        assert_int_equal(c.nsteps, 2);
        assert_int_equal(c.steps[0], RP);
        assert_int_equal(c.steps[1], S);
}

static void error_reset_and_invalid(void **state)
{
        struct fsm_change c;

        fsm_classify(SC, E, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_TO_ERROR);
        fsm_classify(E, R, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_RESET);
        fsm_classify(FSM_INVALID, R, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
        fsm_classify(R, FSM_INVALID, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
        fsm_classify((enum fsm_state)42, R, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
        fsm_classify(SC, PC, FSM_F_ALL, &c);
        assert_int_equal(c.cls, FSM_CLASS_IMPOSSIBLE);
        assert_false(fsm_state_valid(FSM_INVALID, FSM_F_ALL));
        assert_false(fsm_state_valid((enum fsm_state) - 1, FSM_F_ALL));
        assert_true(fsm_state_valid(E, 0));
}

static void names_are_the_kernels(void **state)
{
        static const char *const want[FSM_NSTATES] = {"ERROR",     "STOP",         "RUNNING",
                                                      "STOP_COPY", "RESUMING",     "RUNNING_P2P",
                                                      "PRE_COPY",  "PRE_COPY_P2P", "Invalid"};

        for (int s = 0; s < FSM_NSTATES; s++)
                assert_string_equal(fsm_state_name(s), want[s]);
        assert_string_equal(fsm_state_name((enum fsm_state)99), "Invalid");
        assert_string_equal(fsm_class_name(FSM_CLASS_SAME), "same");
        assert_string_equal(fsm_class_name(FSM_CLASS_DIRECT), "direct");
        assert_string_equal(fsm_class_name(FSM_CLASS_COMBINATION), "combination");
        assert_string_equal(fsm_class_name(FSM_CLASS_TO_ERROR), "to_error");
        assert_string_equal(fsm_class_name(FSM_CLASS_RESET), "reset");
        assert_string_equal(fsm_class_name(FSM_CLASS_IMPOSSIBLE), "impossible");
}

static int parse_str(const char *s, enum fsm_state *out)
{
        return fsm_state_parse(s, strlen(s), out);
}

static void parse_every_kernel_string(void **state)
{
        char buf[32];

        for (int s = 0; s < FSM_NSTATES; s++) {
                enum fsm_state out = (enum fsm_state)77;

                snprintf(buf, sizeof(buf), "%s\n", fsm_state_name(s));
                assert_int_equal(parse_str(buf, &out), 0);
                assert_int_equal(out, s);
                out = (enum fsm_state)77;
                snprintf(buf, sizeof(buf), "%s", fsm_state_name(s));
                assert_int_equal(parse_str(buf, &out), 0);
                assert_int_equal(out, s);
        }
}

static void parse_v11_misspelling(void **state)
{
        enum fsm_state out;

        assert_int_equal(parse_str("RESUMING_P2P\n", &out), 0);
        assert_int_equal(out, FSM_RUNNING_P2P);
        assert_int_equal(parse_str("RESUMING\n", &out), 0);
        assert_int_equal(out, FSM_RESUMING);
}

static void parse_garbage(void **state)
{
        enum fsm_state out = FSM_STOP;

        assert_int_equal(fsm_state_parse("", 0, &out), -EINVAL);
        assert_int_equal(fsm_state_parse(NULL, 4, &out), -EINVAL);
        assert_int_equal(parse_str("\n", &out), -EINVAL);
        assert_int_equal(parse_str("stop\n", &out), -EINVAL);
        assert_int_equal(parse_str("INVALID\n", &out), -EINVAL);
        assert_int_equal(parse_str("STOPX\n", &out), -EINVAL);
        assert_int_equal(parse_str("STOP_COPYING\n", &out), -EINVAL);
        assert_int_equal(parse_str(" STOP\n", &out), -EINVAL);
        assert_int_equal(parse_str("9\n", &out), -EINVAL);
        assert_int_equal(parse_str("STOP\nSTOP\n", &out), -EPROTO);
        assert_int_equal(parse_str("RUNNING\n\n", &out), -EPROTO);
        assert_int_equal(parse_str("\nRUNNING\n", &out), -EPROTO);
        assert_int_equal(parse_str("STOP \n", &out), -EPROTO);
        assert_int_equal(parse_str("STOP\r\n", &out), -EPROTO);
        assert_int_equal(fsm_state_parse("STOP\0junk", 9, &out), -EPROTO);
        assert_int_equal(out, FSM_STOP); /* untouched by every failure */
        /* the length bounds the text: no read past it */
        assert_int_equal(fsm_state_parse("STOP_COPY", 4, &out), 0);
        assert_int_equal(out, FSM_STOP);
}

static void features_parse(void **state)
{
        unsigned f = 99, unk = 99;
        const char all[] = "stop-copy\np2p\npre-copy\ndirty-tracking\n";
        const char some[] = "stop-copy\nfrobnicate\n\npre-copy\nnew-thing";
        const char bin[] = "stop-copy\n\x01p2p\n";

        assert_int_equal(fsm_features_parse(all, strlen(all), &f, &unk), 0);
        assert_int_equal(f, FSM_F_ALL | FSM_F_DIRTY_TRACKING);
        assert_int_equal(unk, 0);
        assert_int_equal(fsm_features_parse(some, strlen(some), &f, &unk), 0);
        assert_int_equal(f, FSM_F_STOP_COPY | FSM_F_PRE_COPY);
        assert_int_equal(unk, 2);
        assert_int_equal(fsm_features_parse("p2p", 3, &f, NULL), 0);
        assert_int_equal(f, FSM_F_P2P);
        assert_int_equal(fsm_features_parse("", 0, &f, &unk), 0);
        assert_int_equal(f, 0);
        assert_int_equal(unk, 0);
        assert_int_equal(fsm_features_parse(bin, strlen(bin), &f, &unk), -EINVAL);
        assert_int_equal(fsm_features_parse("p2p\0", 4, &f, &unk), -EINVAL);
        assert_int_equal(fsm_features_parse("p2p\n\xff\n", 6, &f, &unk), -EINVAL);
        /* a features file turns states on and off in the classification */
        assert_int_equal(fsm_features_parse("stop-copy\n", 10, &f, &unk), 0);
        assert_false(fsm_state_valid(FSM_RUNNING_P2P, f));
        assert_true(fsm_state_valid(FSM_STOP_COPY, f));
}

/* Feature names print in the kernel's order and spelling; a short buffer is cut, not overrun. */
static void features_format_names(void **state)
{
        char buf[64], small[6];

        assert_int_equal(fsm_features_format(0, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "");
        assert_int_equal(fsm_features_format(FSM_F_PRE_COPY | FSM_F_STOP_COPY, buf, sizeof(buf)),
                         strlen("stop-copy pre-copy"));
        assert_string_equal(buf, "stop-copy pre-copy");
        fsm_features_format(FSM_F_ALL | FSM_F_DIRTY_TRACKING, buf, sizeof(buf));
        assert_string_equal(buf, "stop-copy p2p pre-copy dirty-tracking");
        assert_int_equal(fsm_features_format(FSM_F_ALL, small, sizeof(small)),
                         strlen("stop-copy p2p pre-copy"));
        assert_string_equal(small, "stop-");
        assert_string_equal(fsm_feature_name(FSM_F_P2P), "p2p");
        assert_null(fsm_feature_name(1u << 20));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(features_format_names),
            cmocka_unit_test(every_pair_every_feature_set_matches_the_model),
            cmocka_unit_test(direct_arc_is_exactly_the_comment_list),
            cmocka_unit_test(next_step_agrees_with_classify_and_errors_like_the_kernel),
            cmocka_unit_test(combination_paths_of_the_comment),
            cmocka_unit_test(reduced_features_skip_optional_states),
            cmocka_unit_test(error_reset_and_invalid),
            cmocka_unit_test(names_are_the_kernels),
            cmocka_unit_test(parse_every_kernel_string),
            cmocka_unit_test(parse_v11_misspelling),
            cmocka_unit_test(parse_garbage),
            cmocka_unit_test(features_parse),
        };
        return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
