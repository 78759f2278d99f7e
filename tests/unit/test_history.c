// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/history.h"

static void first_sample_is_not_a_change(void **state)
{
        struct hist_states h;

        assert_int_equal(hist_states_init(&h, 4), 0);
        assert_int_equal(hist_states_observe(&h, 100, FSM_RUNNING, FSM_F_ALL), 0);
        assert_int_equal(hist_states_observe(&h, 200, FSM_RUNNING, FSM_F_ALL), 0);
        assert_int_equal(h.n, 0);
        assert_int_equal(hist_states_age(&h, 1100), 1000);
        hist_states_free(&h);
}

static void source_sequence_is_classified(void **state)
{
        struct hist_states h;
        const struct hist_change *c;

        assert_int_equal(hist_states_init(&h, 8), 0);
        hist_states_observe(&h, 0, FSM_RUNNING, FSM_F_ALL);
        assert_int_equal(hist_states_observe(&h, 10, FSM_PRE_COPY, FSM_F_ALL), 1);
        /* PRE_COPY -> STOP_COPY with P2P runs through PRE_COPY_P2P: an unseen step */
        assert_int_equal(hist_states_observe(&h, 20, FSM_STOP_COPY, FSM_F_ALL), 1);
        assert_int_equal(hist_states_observe(&h, 30, FSM_STOP, FSM_F_ALL), 1);
        assert_int_equal(h.n, 3);
        c = hist_states_at(&h, 0);
        assert_int_equal(c->fsm.cls, FSM_CLASS_DIRECT);
        assert_int_equal(c->prev_seen_ns, 0);
        c = hist_states_at(&h, 1);
        assert_int_equal(c->fsm.from, FSM_PRE_COPY);
        assert_int_equal(c->fsm.to, FSM_STOP_COPY);
        assert_int_equal(c->fsm.cls, FSM_CLASS_COMBINATION);
        assert_int_equal(c->fsm.nsteps, 1);
        assert_int_equal(c->fsm.steps[0], FSM_PRE_COPY_P2P);
        c = hist_states_at(&h, 2);
        assert_int_equal(c->fsm.cls, FSM_CLASS_DIRECT);
        assert_null(hist_states_at(&h, 3));
        assert_int_equal(hist_states_age(&h, 35), 5);
        assert_int_equal(h.by_class[FSM_CLASS_DIRECT], 2);
        assert_int_equal(h.by_class[FSM_CLASS_COMBINATION], 1);
        hist_states_free(&h);
}

static void ring_keeps_newest_changes(void **state)
{
        struct hist_states h;
        int64_t t = 0;

        assert_int_equal(hist_states_init(&h, 3), 0);
        hist_states_observe(&h, t++, FSM_RUNNING, FSM_F_ALL);
        for (int i = 0; i < 1000; i++) {
                hist_states_observe(&h, t++, FSM_STOP, FSM_F_ALL);
                hist_states_observe(&h, t++, FSM_RUNNING, FSM_F_ALL);
        }
        assert_int_equal(h.n, 3);
        assert_int_equal(h.total, 2000);
        /* the per-class counts go on past the ring (metrics counters) */
        /* with P2P, RUNNING <-> STOP runs through RUNNING_P2P */
        assert_int_equal(h.by_class[FSM_CLASS_COMBINATION], 2000);
        assert_int_equal(h.by_class[FSM_CLASS_IMPOSSIBLE], 0);
        /* newest last: ..., RUNNING->STOP, STOP->RUNNING */
        assert_int_equal(hist_states_at(&h, 2)->fsm.to, FSM_RUNNING);
        assert_int_equal(hist_states_at(&h, 2)->t_ns, t - 1);
        assert_int_equal(hist_states_at(&h, 1)->fsm.to, FSM_STOP);
        hist_states_free(&h);
}

static void impossible_arc_is_flagged(void **state)
{
        struct hist_states h;

        assert_int_equal(hist_states_init(&h, 2), 0);
        hist_states_observe(&h, 0, FSM_STOP_COPY, FSM_F_ALL);
        hist_states_observe(&h, 1, FSM_PRE_COPY, FSM_F_ALL);
        assert_int_equal(hist_states_at(&h, 0)->fsm.cls, FSM_CLASS_IMPOSSIBLE);
        assert_int_equal(h.by_class[FSM_CLASS_IMPOSSIBLE], 1);
        assert_int_equal(h.by_class[FSM_CLASS_DIRECT], 0);
        hist_states_free(&h);
}

static void samples_store_only_changes(void **state)
{
        struct hist_samples h;

        assert_int_equal(hist_samples_init(&h, 4, 0), 0);
        assert_int_equal(hist_samples_observe(&h, 1, 0, "RUNNING\n", 8), 1);
        assert_int_equal(hist_samples_observe(&h, 2, 0, "RUNNING\n", 8), 0);
        assert_int_equal(hist_samples_observe(&h, 3, 0, "STOP\n", 5), 1);
        assert_int_equal(hist_samples_observe(&h, 4, 11 /* EAGAIN */, NULL, 0), 1);
        assert_int_equal(hist_samples_observe(&h, 5, 11, NULL, 0), 0);
        assert_int_equal(h.n, 3);
        assert_int_equal(hist_samples_at(&h, 0)->last_ns, 2);
        assert_int_equal(hist_samples_latest(&h)->err, 11);
        assert_int_equal(hist_samples_latest(&h)->last_ns, 5);
        assert_memory_equal(hist_samples_at(&h, 1)->data, "STOP\n", 5);
        hist_samples_free(&h);
}

static void samples_bounded_by_count_and_bytes(void **state)
{
        struct hist_samples h;
        char buf[100];

        assert_int_equal(hist_samples_init(&h, 16, 250), 0);
        for (int i = 0; i < 10000; i++) {
                memset(buf, i & 0xff, sizeof(buf));
                buf[0] = (char)(i >> 8);
                assert_true(hist_samples_observe(&h, i, 0, buf, sizeof(buf)) == 1);
                assert_true(h.bytes <= 250);
                assert_true(h.n <= 16);
        }
        assert_int_equal(h.n, 2);
        assert_int_equal(h.total, 10000);
        assert_int_equal(hist_samples_latest(&h)->t_ns, 9999);
        /* one sample larger than the budget is still kept, alone */
        char big[400] = {1};
        assert_int_equal(hist_samples_observe(&h, 10000, 0, big, sizeof(big)), 1);
        assert_int_equal(h.n, 1);
        hist_samples_free(&h);
}

/* Rings start empty and grow as entries come, keeping oldest-first order across a wrap. */
static void rings_grow_on_demand_in_order(void **state)
{
        static const char *const data[] = {"aaaa", "bbbb", "cccc", "dddd", "e", "f", "g", "h"};
        static const char *const kept[] = {"cccc", "dddd", "e", "f", "g", "h"};
        struct hist_samples h;
        struct hist_states st;

        assert_int_equal(hist_samples_init(&h, 8, 12), 0);
        assert_null(h.ring); /* nothing allocated before the first sample */
        for (int i = 0; i < 8; i++)
                assert_int_equal(hist_samples_observe(&h, i, 0, data[i], strlen(data[i])), 1);
        /* the byte bound dropped a and b (head moved) before the ring grew past 4 */
        assert_int_equal(h.n, 6);
        assert_int_equal(h.bytes, 12);
        assert_true(h.alloc >= 6 && h.alloc <= 8);
        for (size_t i = 0; i < 6; i++) {
                const struct hist_sample *x = hist_samples_at(&h, i);

                assert_non_null(x);
                assert_int_equal(x->len, strlen(kept[i]));
                assert_memory_equal(x->data, kept[i], x->len);
                assert_int_equal(x->t_ns, (int64_t)i + 2);
        }
        hist_samples_free(&h);

        assert_int_equal(hist_states_init(&st, 256), 0);
        assert_int_equal(hist_states_observe(&st, 0, FSM_RUNNING, FSM_F_ALL), 0);
        assert_int_equal(hist_states_observe(&st, 1, FSM_RUNNING, FSM_F_ALL), 0);
        assert_null(st.ring); /* an idle device keeps no change ring */
        assert_int_equal(hist_states_observe(&st, 2, FSM_STOP, FSM_F_ALL), 1);
        assert_int_equal(st.alloc, 1); /* one slot for one change, then 2, 4, ... */
        assert_int_equal(hist_states_observe(&st, 3, FSM_RUNNING, FSM_F_ALL), 1);
        assert_int_equal(st.alloc, 2);
        assert_int_equal(hist_states_at(&st, 0)->fsm.to, FSM_STOP);
        assert_int_equal(hist_states_at(&st, 1)->fsm.to, FSM_RUNNING);
        hist_states_free(&st);

        /* a file whose content never changes keeps one slot */
        assert_int_equal(hist_samples_init(&h, 32, 0), 0);
        for (int i = 0; i < 5; i++)
                hist_samples_observe(&h, i, 0, "RUNNING\n", 8);
        assert_int_equal(h.n, 1);
        assert_int_equal(h.alloc, 1);
        hist_samples_free(&h);
}

static int puts_done;

static void count_put(void *ref)
{
        (void)ref;
        puts_done++;
}

/* The newest sample may use its owner's copy of the bytes (the parsed file's text). */
static void sample_shares_owner_bytes(void **state)
{
        static char owner[] = "RUNNING\n", other[] = "STOP\n";
        struct hist_samples h;
        int ref;

        (void)state;
        puts_done = 0;
        assert_int_equal(hist_samples_init(&h, 2, 0), 0);
        hist_samples_share(&h, owner, 8, &ref, count_put); /* no sample yet: released */
        assert_int_equal(puts_done, 1);
        assert_int_equal(hist_samples_observe(&h, 1, 0, "RUNNING\n", 8), 1);
        hist_samples_share(&h, other, 5, &ref, count_put); /* other bytes: released */
        assert_int_equal(puts_done, 2);
        hist_samples_share(&h, owner, 8, &ref, count_put);
        assert_int_equal(puts_done, 2);
        assert_ptr_equal(hist_samples_latest(&h)->data, owner);
        hist_samples_share(&h, owner, 8, &ref, count_put); /* shares already: released */
        assert_int_equal(puts_done, 3);
        /* still compared by content */
        assert_int_equal(hist_samples_observe(&h, 2, 0, "RUNNING\n", 8), 0);
        assert_int_equal(hist_samples_observe(&h, 3, 0, "STOP\n", 5), 1);
        assert_memory_equal(hist_samples_at(&h, 0)->data, "RUNNING\n", 8);
        assert_int_equal(hist_samples_observe(&h, 4, 0, "RUNNING\n", 8),
                         1); /* drops the shared one */
        assert_int_equal(puts_done, 4);
        hist_samples_free(&h);
        assert_int_equal(puts_done, 4);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(first_sample_is_not_a_change),
            cmocka_unit_test(source_sequence_is_classified),
            cmocka_unit_test(ring_keeps_newest_changes),
            cmocka_unit_test(impossible_arc_is_flagged),
            cmocka_unit_test(samples_store_only_changes),
            cmocka_unit_test(samples_bounded_by_count_and_bytes),
            cmocka_unit_test(rings_grow_on_demand_in_order),
            cmocka_unit_test(sample_shares_owner_bytes),
        };
        return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
