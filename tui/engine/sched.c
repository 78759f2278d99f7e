// SPDX-License-Identifier: GPL-2.0-only
#include "engine/sched.h"

#include <string.h>

void sched_init(struct sched_item *it, enum sched_mode mode, int64_t period_ns, int64_t deadline_ns,
                int64_t now_ns)
{
        memset(it, 0, sizeof(*it));
        it->mode = mode;
        it->period_ns = period_ns > 0 ? period_ns : 0;
        it->deadline_ns = deadline_ns > 0 ? deadline_ns : SCHED_NEVER;
        it->next_ns = mode == SCHED_DEMAND ? SCHED_NEVER : now_ns;
        if (mode == SCHED_PERIODIC && it->period_ns == 0) {
                it->mode = SCHED_DEMAND;
                it->next_ns = SCHED_NEVER;
        }
}

bool sched_due(const struct sched_item *it, int64_t now_ns)
{
        if (it->in_flight)
                return false;
        return it->demanded || (it->next_ns != SCHED_NEVER && now_ns >= it->next_ns);
}

/*
 * The start of the period slot holding t: the slots of every item with the same period
 * (and of periods that are multiples of each other) share one grid on the clock, so items
 * that lose their phase (a read that started late, on demand, or after a change of rate)
 * fall back in step with the others instead of each keeping a phase of its own: the owner
 * then wakes once per period for all of them, not once per straggler.
 */
static int64_t sched_slot(int64_t t, int64_t p)
{
        int64_t r;

        if (p <= 0)
                return t;
        r = t % p;
        if (r < 0)
                r += p;
        return t - r;
}

void sched_start(struct sched_item *it, int64_t now_ns)
{
        int64_t p = sched_period(it);

        /* the phase to keep: its due time when close (see sched_finish), else now's slot */
        it->due_ns = now_ns;
        if (it->mode == SCHED_PERIODIC && !it->demanded && it->next_ns != SCHED_NEVER &&
            it->next_ns > now_ns - p && it->next_ns <= now_ns + p / 8)
                it->due_ns = it->next_ns;
        if (it->mode == SCHED_PERIODIC)
                it->due_ns = sched_slot(it->due_ns, p);
        it->in_flight = true;
        it->demanded = false;
        it->started_ns = now_ns;
}

void sched_finish(struct sched_item *it, int64_t now_ns)
{
        it->in_flight = false;
        it->reads++;
        if (it->mode != SCHED_PERIODIC) {
                it->next_ns = SCHED_NEVER;
                return;
        }
        /* a read that waited more than a period for a worker counts from its start */
        if (it->started_ns - it->due_ns > sched_period(it))
                it->due_ns = sched_slot(it->started_ns, sched_period(it));
        it->next_ns = it->due_ns + sched_period(it);
        if (it->next_ns < now_ns)
                it->next_ns = now_ns;
}

int64_t sched_period(const struct sched_item *it)
{
        return it->slow && it->slow_ns > 0 ? it->slow_ns : it->period_ns;
}

bool sched_set_slow(struct sched_item *it, bool slow, int64_t slow_ns, int64_t now_ns)
{
        int64_t old = it->next_ns, next;

        if (it->slow == slow && it->slow_ns == slow_ns)
                return false;
        it->slow = slow;
        it->slow_ns = slow_ns;
        /* never read yet, or in flight: sched_finish() plans with the new period */
        if (it->mode != SCHED_PERIODIC || it->in_flight || !it->reads)
                return false;
        next = it->due_ns + sched_period(it);
        if (next < now_ns)
                next = now_ns;
        it->next_ns = next;
        return next < old;
}

void sched_demand(struct sched_item *it)
{
        it->demanded = true;
}

bool sched_blocked(const struct sched_item *it, int64_t now_ns, int64_t *for_ns)
{
        int64_t age;

        if (!it->in_flight)
                return false;
        age = now_ns - it->started_ns;
        if (for_ns)
                *for_ns = age;
        return it->deadline_ns != SCHED_NEVER && age >= it->deadline_ns;
}

int64_t sched_wakeup(const struct sched_item *it, int64_t now_ns)
{
        if (it->in_flight) {
                if (it->deadline_ns == SCHED_NEVER || it->started_ns + it->deadline_ns <= now_ns)
                        return SCHED_NEVER;
                return it->started_ns + it->deadline_ns;
        }
        if (it->demanded)
                return 0;
        return it->next_ns;
}
