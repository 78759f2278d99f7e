/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched: when each file is due to be read.  Pure functions over a small struct, so the
 * cadence rules are unit-tested without clocks or threads.  At most one read per file is
 * in flight; a read that outlives its deadline makes the file "blocked".
 */
#ifndef MIGTOP_ENGINE_SCHED_H
#define MIGTOP_ENGINE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_NEVER INT64_MAX

enum sched_mode {
        SCHED_PERIODIC, /* every period_ns */
        SCHED_ONCE,     /* once, then only on demand */
        SCHED_DEMAND    /* only on demand (sched_demand) */
};

struct sched_item {
        enum sched_mode mode;
        int64_t period_ns;
        int64_t slow_ns; /* the period while slow (sched_set_slow), 0: period_ns */
        bool slow;
        int64_t deadline_ns; /* a read in flight longer than this is blocked */
        int64_t next_ns;     /* when due (SCHED_NEVER: not due) */
        int64_t started_ns;  /* start of the read in flight */
        int64_t due_ns;      /* when the read in flight was due: the next counts from it */
        bool in_flight;
        bool demanded;
        unsigned long reads; /* completed reads */
};

void sched_init(struct sched_item *it, enum sched_mode mode, int64_t period_ns, int64_t deadline_ns,
                int64_t now_ns);
/* Due at now_ns (demanded, or its time has come). */
bool sched_due(const struct sched_item *it, int64_t now_ns);
void sched_start(struct sched_item *it, int64_t now_ns);
/*
 * The read returned: plan the next one a period after it was due (it may have started a
 * little early, coalesced with others, or late, queued behind others: each file keeps its
 * phase, so reads due together stay together), or after its start when it started more
 * than a period late or on demand; never in the past, no bursts.
 */
void sched_finish(struct sched_item *it, int64_t now_ns);
/* The period in force: slow_ns while slow (when set), else period_ns. */
int64_t sched_period(const struct sched_item *it);
/*
 * Switch a periodic item between its period and slow_ns (an idle device's state).  The
 * next read moves to what the new period allows from the start of the last read, never
 * into the past: turning fast, a file last read longer than a period ago is due now, so a
 * change is seen within one fast period of the switch.  Returns true when the next read
 * moved earlier (the owner plans its wake-up again).
 */
bool sched_set_slow(struct sched_item *it, bool slow, int64_t slow_ns, int64_t now_ns);
/* Ask for a read as soon as none is in flight. */
void sched_demand(struct sched_item *it);
/* In flight past the deadline; *for_ns (may be NULL) gets how long it has been in flight. */
bool sched_blocked(const struct sched_item *it, int64_t now_ns, int64_t *for_ns);
/*
 * When this item next needs attention: its due time, or while in flight the moment it
 * becomes blocked (SCHED_NEVER once it is: nothing to do until the read returns).
 */
int64_t sched_wakeup(const struct sched_item *it, int64_t now_ns);

#endif
