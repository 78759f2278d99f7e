// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/sched.h"

#define MS 1000000LL

static void periodic_is_due_at_start_then_every_period(void **state)
{
        struct sched_item it;

        sched_init(&it, SCHED_PERIODIC, 250 * MS, 1000 * MS, 0);
        assert_true(sched_due(&it, 0));
        sched_start(&it, 0);
        assert_false(sched_due(&it, 0));
        assert_false(sched_due(&it, 300 * MS)); /* in flight: at most one read */
        sched_finish(&it, 3 * MS);
        assert_false(sched_due(&it, 249 * MS));
        assert_true(sched_due(&it, 250 * MS));
        assert_int_equal(sched_wakeup(&it, 10 * MS), 250 * MS);
}

static void slow_read_does_not_cause_a_burst(void **state)
{
        struct sched_item it;

        sched_init(&it, SCHED_PERIODIC, 250 * MS, 0, 0);
        sched_start(&it, 0);
        sched_finish(&it, 2000 * MS); /* took 8 periods */
        assert_int_equal(it.next_ns, 2000 * MS);
        sched_start(&it, 2000 * MS);
        sched_finish(&it, 2001 * MS);
        assert_int_equal(it.next_ns, 2250 * MS);
}

static void once_then_only_on_demand(void **state)
{
        struct sched_item it;

        sched_init(&it, SCHED_ONCE, 0, 0, 5);
        assert_true(sched_due(&it, 5));
        sched_start(&it, 5);
        sched_finish(&it, 6);
        assert_false(sched_due(&it, 1000000 * MS));
        assert_int_equal(sched_wakeup(&it, 7), SCHED_NEVER);
        sched_demand(&it);
        assert_true(sched_due(&it, 7));
        assert_int_equal(sched_wakeup(&it, 7), 0);
}

static void demand_only_never_due_by_itself(void **state)
{
        struct sched_item it;

        sched_init(&it, SCHED_DEMAND, 0, 0, 0);
        assert_false(sched_due(&it, 0));
        assert_false(sched_due(&it, INT64_MAX - 1));
        sched_demand(&it);
        assert_true(sched_due(&it, 1));
        sched_start(&it, 1);
        sched_demand(&it); /* asked again while in flight: served after it returns */
        assert_false(sched_due(&it, 2));
        sched_finish(&it, 2);
        assert_true(sched_due(&it, 3)); /* the second demand is served now */
        sched_start(&it, 3);
        sched_finish(&it, 4);
        assert_false(sched_due(&it, 5)); /* and nothing more is due */
}

static void blocked_after_deadline(void **state)
{
        struct sched_item it;
        int64_t for_ns = 0;

        sched_init(&it, SCHED_PERIODIC, 250 * MS, 500 * MS, 0);
        sched_start(&it, 100 * MS);
        assert_false(sched_blocked(&it, 599 * MS, &for_ns));
        assert_int_equal(for_ns, 499 * MS);
        assert_int_equal(sched_wakeup(&it, 599 * MS), 600 * MS);
        assert_true(sched_blocked(&it, 600 * MS, &for_ns));
        assert_int_equal(sched_wakeup(&it, 600 * MS), SCHED_NEVER);
        assert_true(sched_blocked(&it, 5000 * MS, &for_ns));
        assert_int_equal(for_ns, 4900 * MS);
        sched_finish(&it, 5000 * MS);
        assert_false(sched_blocked(&it, 5000 * MS, NULL));
        assert_true(sched_due(&it, 5000 * MS));
}

static void zero_period_means_on_demand(void **state)
{
        struct sched_item it;

        sched_init(&it, SCHED_PERIODIC, 0, 0, 0);
        assert_int_equal(it.mode, SCHED_DEMAND);
        assert_false(sched_due(&it, 1));
}

/* An idle device's state: slower while out of the focus, due at once when it comes back. */
static void slow_period_and_back(void **state)
{
        struct sched_item it;

        sched_init(&it, SCHED_PERIODIC, 250 * MS, 0, 0);
        sched_start(&it, 0);
        sched_finish(&it, 1 * MS);
        assert_false(sched_set_slow(&it, true, 1000 * MS, 1 * MS)); /* later, not earlier */
        assert_int_equal(sched_period(&it), 1000 * MS);
        assert_false(sched_due(&it, 999 * MS));
        assert_true(sched_due(&it, 1000 * MS));
        sched_start(&it, 1000 * MS);
        sched_finish(&it, 1001 * MS);
        assert_int_equal(it.next_ns, 2000 * MS);
        /* interesting again 300 ms after the last read: due now, not at 2000 */
        assert_true(sched_set_slow(&it, false, 0, 1300 * MS));
        assert_true(sched_due(&it, 1300 * MS));
        assert_int_equal(sched_period(&it), 250 * MS);
        /*
         * 100 ms after the last read (at 1300, in the slot from 1250): due one fast period
         * after that slot, in step with the other files
         */
        sched_start(&it, 1300 * MS);
        sched_finish(&it, 1301 * MS);
        assert_false(sched_set_slow(&it, true, 1000 * MS, 1400 * MS));
        assert_true(sched_set_slow(&it, false, 0, 1400 * MS));
        assert_int_equal(it.next_ns, 1500 * MS);
        /* the same rate again: nothing moves */
        assert_false(sched_set_slow(&it, false, 0, 1400 * MS));
        assert_int_equal(it.next_ns, 1500 * MS);
}

/*
 * Files that lost their phase (read late behind a slow pass, or on demand) fall back in
 * step with the others: the engine then wakes once per period for all of them.  Without
 * this, each kept the phase of its late start and the engine walked every file once per
 * straggler (40 to 85 walks a second at 1,000 devices under load, instead of 4).
 */
static void late_reads_fall_back_in_step(void **state)
{
        struct sched_item a, b, c;

        sched_init(&a, SCHED_PERIODIC, 250 * MS, 0, 1000 * MS);
        sched_init(&b, SCHED_PERIODIC, 250 * MS, 0, 1000 * MS);
        sched_init(&c, SCHED_PERIODIC, 250 * MS, 0, 1000 * MS);
        sched_start(&a, 1000 * MS);
        sched_finish(&a, 1001 * MS);
        /* b waited 1.3 periods for a worker: its phase is lost */
        sched_start(&b, 1330 * MS);
        sched_finish(&b, 1331 * MS);
        /* c was read on demand in between */
        sched_demand(&c);
        sched_start(&c, 1170 * MS);
        sched_finish(&c, 1171 * MS);
        assert_int_equal(a.next_ns, 1250 * MS);
        assert_int_equal(c.next_ns, 1250 * MS);
        assert_int_equal(b.next_ns, 1500 * MS);
        /* from then on all three are due together, and never more than a period apart */
        sched_start(&a, 1250 * MS);
        sched_finish(&a, 1251 * MS);
        sched_start(&c, 1250 * MS);
        sched_finish(&c, 1252 * MS);
        assert_int_equal(a.next_ns, 1500 * MS);
        assert_int_equal(c.next_ns, 1500 * MS);
        /* a read that ran long keeps its slot: the next is the slot after it, not now + p */
        sched_start(&b, 1500 * MS);
        sched_finish(&b, 1600 * MS);
        assert_int_equal(b.next_ns, 1750 * MS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(periodic_is_due_at_start_then_every_period),
            cmocka_unit_test(slow_read_does_not_cause_a_burst),
            cmocka_unit_test(once_then_only_on_demand),
            cmocka_unit_test(demand_only_never_due_by_itself),
            cmocka_unit_test(blocked_after_deadline),
            cmocka_unit_test(zero_period_means_on_demand),
            cmocka_unit_test(slow_period_and_back),
            cmocka_unit_test(late_reads_fall_back_in_step),
        };
        return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
