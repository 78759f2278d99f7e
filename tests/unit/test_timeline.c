// SPDX-License-Identifier: GPL-2.0-only
/*
 * timeline: the detail view's history of one device, built from a snapshot by hand:
 * kernel log records interleaved with state changes by time on the live clock, a section
 * of their own (by sequence number) for a --kmsg file, the status line when the kernel
 * log is off or unavailable, and the list's "err since the last state change" mark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ui/timeline.h"

#define S 1000000000LL /* ns */

struct fx {
        struct engine_snap snap;
        struct tree_dev dev;
        struct engine_dev_info info;
        struct hist_change ch[2];
        struct kmsg_rec rec[3];
};

static void rec_set(struct kmsg_rec *r, uint64_t seq, int64_t ts_us, int level, const char *text)
{
        memset(r, 0, sizeof(*r));
        r->seq = seq;
        r->ts_us = ts_us;
        r->level = level;
        snprintf(r->text, sizeof(r->text), "hisi_acc_vfio_pci 0000:86:00.1: %s", text);
}

/*
 * A destination: RUNNING -> STOP at 10 s, STOP -> RESUMING at 20 s (seen between 19.5 and
 * 20 s); kernel lines at 5 s (warning), 21 s (err: the refused stream), 15 s (info).
 */
static void fx_init(struct fx *x, enum engine_klog_state st, bool same_clock)
{
        static char name[] = "0000:86:00.1";

        memset(x, 0, sizeof(*x));
        x->dev.name = name;
        x->snap.tree.ndevs = 1;
        x->snap.tree.devs = &x->dev;
        x->snap.info = &x->info;
        x->snap.klog.state = st;
        x->snap.klog.same_clock = same_clock;
        snprintf(x->snap.klog.source, sizeof(x->snap.klog.source), "/tmp/k.kmsg");
        x->ch[0] = (struct hist_change){.t_ns = 10 * S, .prev_seen_ns = 9 * S};
        x->ch[0].fsm.from = FSM_RUNNING;
        x->ch[0].fsm.to = FSM_STOP;
        x->ch[1] = (struct hist_change){.t_ns = 20 * S, .prev_seen_ns = 19 * S + S / 2};
        x->ch[1].fsm.from = FSM_STOP;
        x->ch[1].fsm.to = FSM_RESUMING;
        x->info.changes = x->ch;
        x->info.nchanges = 2;
        x->info.transitions = 2;
        x->info.have_state = true;
        x->info.state_since_ns = 20 * S;
        rec_set(&x->rec[0], 7, 5000000, 4, "a warning before the migration");
        rec_set(&x->rec[1], 9, 21000000, 3, "failed to match VF qp num");
        rec_set(&x->rec[2], 8, 15000000, 6, "an info line");
        x->info.klog = x->rec;
        x->info.nklog = 3;
        x->info.klog_total = 3;
}

/* The live log: newest first, records placed among the changes by time. */
static void test_interleaved_on_the_live_clock(void **state)
{
        struct timeline t;
        struct fx x;

        fx_init(&x, ENGINE_KLOG_OK, true);
        /* ring order is arrival order; put them in time order for the live source */
        x.rec[2] = x.rec[1];
        rec_set(&x.rec[1], 8, 15000000, 6, "an info line");
        assert_int_equal(timeline_build(&x.snap, 0, &t), 0);
        assert_true(t.interleaved);
        assert_int_equal(t.nlog, 0);
        assert_string_equal(t.status, "");
        assert_int_equal(t.n, 5);
        assert_int_equal(t.item[0].kind, TIMELINE_KLOG);
        assert_int_equal(t.item[0].t_ns, 21 * S);
        assert_non_null(strstr(t.item[0].rec->text, "failed to match VF qp num"));
        assert_int_equal(t.item[1].kind, TIMELINE_CHANGE);
        assert_ptr_equal(t.item[1].ch, &x.ch[1]);
        assert_int_equal(t.item[2].kind, TIMELINE_KLOG);
        assert_int_equal(t.item[2].t_ns, 15 * S);
        assert_ptr_equal(t.item[3].ch, &x.ch[0]);
        assert_int_equal(t.item[4].t_ns, 5 * S);
        timeline_free(&t);
}

/* A --kmsg file: another clock; the records apart, highest sequence number first. */
static void test_file_records_apart_by_seq(void **state)
{
        struct timeline t;
        struct fx x;

        fx_init(&x, ENGINE_KLOG_FILE, false);
        assert_int_equal(timeline_build(&x.snap, 0, &t), 0);
        assert_false(t.interleaved);
        assert_int_equal(t.n, 2); /* the changes only */
        assert_ptr_equal(t.item[0].ch, &x.ch[1]);
        assert_ptr_equal(t.item[1].ch, &x.ch[0]);
        assert_int_equal(t.nlog, 3);
        assert_int_equal(t.log[0]->seq, 9);
        assert_int_equal(t.log[1]->seq, 8);
        assert_int_equal(t.log[2]->seq, 7);
        assert_string_equal(t.source, "kernel log (by seq, another clock): k.kmsg");
        timeline_free(&t);
}

/* Off or unavailable: one status line; the records (if any were kept) are not shown. */
static void test_status_when_not_read(void **state)
{
        struct timeline t;
        struct fx x;

        fx_init(&x, ENGINE_KLOG_UNAVAILABLE, false);
        snprintf(x.snap.klog.msg, sizeof(x.snap.klog.msg),
                 "not root: /dev/kmsg needs CAP_SYSLOG or kernel.dmesg_restrict=0");
        assert_int_equal(timeline_build(&x.snap, 0, &t), 0);
        assert_string_equal(t.status, "kernel log: not root: /dev/kmsg needs CAP_SYSLOG or "
                                      "kernel.dmesg_restrict=0");
        assert_int_equal(t.n, 2);
        assert_int_equal(t.nlog, 0);
        assert_null(timeline_err_since_change(&x.snap, 0));
        timeline_free(&t);

        fx_init(&x, ENGINE_KLOG_OFF, false);
        assert_int_equal(timeline_build(&x.snap, 0, &t), 0);
        assert_non_null(strstr(t.status, "kernel log: off"));
        timeline_free(&t);
}

/* The list's mark: an err line newer than the last change (or of unknown time). */
static void test_err_since_last_change(void **state)
{
        const struct kmsg_rec *r;
        struct fx x;

        fx_init(&x, ENGINE_KLOG_OK, true);
        r = timeline_err_since_change(&x.snap, 0);
        assert_non_null(r);
        assert_int_equal(r->seq, 9);
        /* an err from before the change into RESUMING does not count */
        x.rec[1].ts_us = 12000000;
        assert_null(timeline_err_since_change(&x.snap, 0));
        /* the change lies between 19.5 and 20 s: a line at 19.8 s belongs to it */
        x.rec[1].ts_us = 19800000;
        assert_non_null(timeline_err_since_change(&x.snap, 0));
        /* a warning is no alert */
        x.rec[1].level = 4;
        assert_null(timeline_err_since_change(&x.snap, 0));
        /* a file's records cannot be placed in time: an err counts */
        fx_init(&x, ENGINE_KLOG_FILE, false);
        x.rec[1].ts_us = 1;
        assert_non_null(timeline_err_since_change(&x.snap, 0));
        assert_int_equal(timeline_level_class(3), 2);
        assert_int_equal(timeline_level_class(0), 2);
        assert_int_equal(timeline_level_class(4), 1);
        assert_int_equal(timeline_level_class(6), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_interleaved_on_the_live_clock),
            cmocka_unit_test(test_file_records_apart_by_seq),
            cmocka_unit_test(test_status_when_not_read),
            cmocka_unit_test(test_err_since_last_change),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
