// SPDX-License-Identifier: GPL-2.0-only
/*
 * suggest: the suggested pair while a migration runs.  Two destinations in RESUMING (the
 * right one not first in list order), ties, no history, content against timing, and when
 * a device's role began from its state changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/suggest.h"

#define S 1000000000LL

/* ---- suggest_began() over a list of changes ---- */

struct ch {
        enum fsm_state from, to;
        int64_t t;
};

struct chs {
        const struct ch *v;
        size_t n;
};

static bool at(const void *ctx, size_t i, enum fsm_state *from, enum fsm_state *to, int64_t *t)
{
        const struct chs *c = ctx;

        if (i >= c->n)
                return false;
        *from = c->v[i].from;
        *to = c->v[i].to;
        *t = c->v[i].t;
        return true;
}

static int64_t began(enum fsm_state cur, const struct ch *v, size_t n, enum fsm_state *first)
{
        struct chs c = {v, n};

        return suggest_began(cur, n, at, &c, first);
}

static void t_began(void **state)
{
        enum fsm_state first;
        const struct ch pre[] = {
            {FSM_STOP, FSM_RUNNING, 1 * S},
            {FSM_RUNNING, FSM_PRE_COPY, 5 * S},
            {FSM_PRE_COPY, FSM_STOP_COPY, 9 * S},
        };
        const struct ch direct[] = {
            {FSM_RUNNING, FSM_STOP_COPY, 7 * S}, /* a combination arc, seen as one change */
        };
        const struct ch again[] = {
            {FSM_RUNNING, FSM_STOP_COPY, 2 * S},
            {FSM_STOP_COPY, FSM_STOP, 3 * S},
            {FSM_STOP, FSM_RUNNING, 4 * S},
            {FSM_RUNNING, FSM_PRE_COPY_P2P, 6 * S},
        };
        const struct ch inside[] = {
            {FSM_PRE_COPY, FSM_STOP_COPY, 3 * S}, /* first sample was PRE_COPY */
        };
        const struct ch dst[] = {
            {FSM_RUNNING, FSM_STOP, 1 * S},
            {FSM_STOP, FSM_RESUMING, 2 * S},
        };
        const struct ch left[] = {
            {FSM_STOP, FSM_RESUMING, 2 * S},
            {FSM_RESUMING, FSM_STOP, 3 * S},
        };

        (void)state;
        assert_int_equal(began(FSM_STOP_COPY, pre, 3, &first), 5 * S);
        assert_int_equal(first, FSM_PRE_COPY);
        assert_int_equal(began(FSM_STOP_COPY, direct, 1, &first), 7 * S);
        assert_int_equal(first, FSM_STOP_COPY);
        /* the run that ends now, not an earlier migration */
        assert_int_equal(began(FSM_PRE_COPY_P2P, again, 4, &first), 6 * S);
        assert_int_equal(first, FSM_PRE_COPY_P2P);
        /* saving since before the first sample: not known */
        assert_int_equal(began(FSM_STOP_COPY, inside, 1, NULL), -1);
        /* no history at all */
        assert_int_equal(began(FSM_STOP_COPY, NULL, 0, &first), -1);
        assert_int_equal(first, FSM_STOP_COPY);
        assert_int_equal(began(FSM_RESUMING, NULL, 0, NULL), -1);
        assert_int_equal(began(FSM_RESUMING, dst, 2, &first), 2 * S);
        assert_int_equal(first, FSM_RESUMING);
        /* the newest change left RESUMING: a history that disagrees with cur says nothing */
        assert_int_equal(began(FSM_RESUMING, left, 2, NULL), -1);
        /* no role */
        assert_int_equal(began(FSM_RUNNING, pre, 3, NULL), -1);
        assert_int_equal(began(FSM_STOP, dst, 2, NULL), -1);
}

/* ---- suggest_pair() ---- */

static const uint8_t hdr_a[SUGGEST_HDR_LEN] = {
    0xde, 0xde, 0xca, 0xde, 0xed, 0xfe, 0xcc, 0xaa, /* V2 magic */
    16,   0,    0,    0,    0x56, 0xa2, 0,    0,    /* qp_num 16, dev_id 0xa256 */
    0,    0,    0,    0,    0,    0,    0,    0,    /* que_iso_cfg, qp_base 0 */
    0,    0,    0,    0,    1,    0,    0,    0,    /* vf_qm_state, major 1 minor 0 */
};
static uint8_t hdr_b[SUGGEST_HDR_LEN];   /* qp_base 16: another VF */
static uint8_t hdr_bad[SUGGEST_HDR_LEN]; /* hdr_a with a damaged magic */

static int setup(void **state)
{
        (void)state;
        memcpy(hdr_b, hdr_a, sizeof(hdr_b));
        hdr_b[20] = 16;
        memcpy(hdr_bad, hdr_a, sizeof(hdr_bad));
        hdr_bad[0] = 0;
        return 0;
}

static struct suggest_dev dev(enum fsm_state st, int64_t began_ns, enum fsm_state first,
                              const uint8_t *hdr)
{
        struct suggest_dev d = {
            .state = st, .began_ns = began_ns, .began_state = first, .hdr = hdr};

        return d;
}

static void want(const struct suggest_dev *d, size_t n, long src, long dst, enum suggest_by by,
                 const char *words)
{
        struct suggest_result r;
        char buf[256];

        suggest_pair(d, n, &r);
        suggest_describe(&r, d, buf, sizeof(buf));
        if (r.src != src || r.dst != dst || r.by != by || strcmp(buf, words) != 0)
                fail_msg("got %ld -> %ld by %d \"%s\", want %ld -> %ld by %d \"%s\"", r.src, r.dst,
                         r.by, buf, src, dst, by, words);
}

static void t_two_resuming_timing(void **state)
{
        /* list order: a RUNNING device, the wrong destination, the source, the right one */
        struct suggest_dev d[] = {
            dev(FSM_RUNNING, -1, FSM_RUNNING, NULL),
            dev(FSM_RESUMING, 4 * S, FSM_RESUMING, NULL),          /* began 6 s before */
            dev(FSM_STOP_COPY, 10 * S, FSM_STOP_COPY, NULL),       /* the source */
            dev(FSM_RESUMING, 10 * S + S / 2, FSM_RESUMING, NULL), /* 0.5 s after */
        };

        (void)state;
        want(d, 4, 2, 3, SUGGEST_TIMING, "by timing: RESUMING began 0.5 s after STOP_COPY");
        /* after beats before even when before is nearer */
        d[1].began_ns = 10 * S - S / 10;
        want(d, 4, 2, 3, SUGGEST_TIMING, "by timing: RESUMING began 0.5 s after STOP_COPY");
        /* of two after, the nearer; from PRE_COPY when the saving began there */
        d[1].began_ns = 10 * S + 400000000;
        d[2].began_state = FSM_PRE_COPY;
        want(d, 4, 2, 1, SUGGEST_TIMING, "by timing: RESUMING began 0.4 s after PRE_COPY");
        /* none after: the nearest before */
        d[1].began_ns = 2 * S;
        d[3].began_ns = 8 * S;
        want(d, 4, 2, 3, SUGGEST_TIMING, "by timing: RESUMING began 2.0 s before PRE_COPY");
        /* one destination's start unknown: the known one */
        d[3].began_ns = -1;
        want(d, 4, 2, 1, SUGGEST_TIMING, "by timing: RESUMING began 8.0 s before PRE_COPY");
        /* a gone device is never suggested */
        d[1].gone = true;
        want(d, 4, 2, 3, SUGGEST_ONLY, "the only STOP_COPY and RESUMING devices");
}

static void t_ties(void **state)
{
        struct suggest_dev d[] = {
            dev(FSM_STOP_COPY, 10 * S, FSM_STOP_COPY, NULL),
            dev(FSM_RESUMING, 11 * S, FSM_RESUMING, NULL),
            dev(FSM_RESUMING, 11 * S, FSM_RESUMING, NULL),
        };

        (void)state;
        want(d, 3, 0, 1, SUGGEST_TIMING,
             "by timing: RESUMING began 1.0 s after STOP_COPY; tie: first in list order");
        /* equal headers on both: content ties, timing settles it */
        d[0].hdr = d[1].hdr = d[2].hdr = hdr_a;
        d[2].began_ns = 10 * S + S / 10;
        want(d, 3, 0, 2, SUGGEST_CONTENT, "by content: migf_data headers equal");
        /* equal headers and equal times: a tie */
        d[2].began_ns = 11 * S;
        want(d, 3, 0, 1, SUGGEST_CONTENT,
             "by content: migf_data headers equal; tie: first in "
             "list order");
}

static void t_no_history(void **state)
{
        struct suggest_dev d[] = {
            dev(FSM_RESUMING, -1, FSM_RESUMING, NULL),
            dev(FSM_STOP_COPY, -1, FSM_STOP_COPY, NULL),
            dev(FSM_RESUMING, -1, FSM_RESUMING, NULL),
        };

        (void)state;
        want(d, 3, 1, 0, SUGGEST_ORDER,
             "by list order: 1 source, 2 destinations, no state history or migf_data to tell "
             "them apart");
        want(d, 2, 1, 0, SUGGEST_ONLY, "the only STOP_COPY and RESUMING devices");
        /* a source's start known, no destination's: still nothing to go by */
        d[1].began_ns = 3 * S;
        want(d, 3, 1, 0, SUGGEST_ORDER,
             "by list order: 1 source, 2 destinations, no state history or migf_data to tell "
             "them apart");
        /* no source, or no destination: none */
        want(d, 1, -1, -1, SUGGEST_NONE, "");
        want(&d[1], 1, -1, -1, SUGGEST_NONE, "");
        want(d, 0, -1, -1, SUGGEST_NONE, "");
}

static void t_content_beats_timing(void **state)
{
        struct suggest_dev d[] = {
            dev(FSM_STOP_COPY, 10 * S, FSM_STOP_COPY, hdr_a),
            dev(FSM_RESUMING, 10 * S + S / 10, FSM_RESUMING, hdr_b), /* nearest in time */
            dev(FSM_RESUMING, 30 * S, FSM_RESUMING, hdr_a),          /* same header */
        };

        (void)state;
        want(d, 3, 0, 2, SUGGEST_CONTENT, "by content: migf_data headers equal");
        /* a destination without migf_data (EAGAIN: never migrated) has no content evidence */
        d[2].hdr = NULL;
        want(d, 3, 0, 1, SUGGEST_TIMING, "by timing: RESUMING began 0.1 s after STOP_COPY");
        /* equal bytes without a known magic are no evidence */
        d[0].hdr = d[2].hdr = hdr_bad;
        want(d, 3, 0, 1, SUGGEST_TIMING, "by timing: RESUMING began 0.1 s after STOP_COPY");
        /* content without any timing */
        d[0].hdr = d[2].hdr = hdr_a;
        d[0].began_ns = d[1].began_ns = d[2].began_ns = -1;
        want(d, 3, 0, 2, SUGGEST_CONTENT, "by content: migf_data headers equal");
}

static void t_two_sources(void **state)
{
        /* two migrations at once: each destination near its own source */
        struct suggest_dev d[] = {
            dev(FSM_STOP_COPY, 10 * S, FSM_STOP_COPY, NULL),
            dev(FSM_PRE_COPY, 20 * S, FSM_PRE_COPY, NULL),
            dev(FSM_RESUMING, 20 * S + S / 5, FSM_RESUMING, NULL),
            dev(FSM_RESUMING, 12 * S, FSM_RESUMING, NULL),
        };

        (void)state;
        want(d, 4, 1, 2, SUGGEST_TIMING, "by timing: RESUMING began 0.2 s after PRE_COPY");
        assert_true(suggest_is_source(FSM_PRE_COPY_P2P));
        assert_false(suggest_is_source(FSM_RUNNING_P2P));
        assert_false(suggest_is_source(FSM_RESUMING));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_began),
            cmocka_unit_test(t_two_resuming_timing),
            cmocka_unit_test(t_ties),
            cmocka_unit_test(t_no_history),
            cmocka_unit_test(t_content_beats_timing),
            cmocka_unit_test(t_two_sources),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
