// SPDX-License-Identifier: GPL-2.0-only
/*
 * timeline: state changes and kernel log records of one device (see timeline.h).
 */
#include "timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool timeline_klog_on(const struct engine_snap *s)
{
        return s->klog.state == ENGINE_KLOG_OK || s->klog.state == ENGINE_KLOG_FILE;
}

static void timeline_status(const struct engine_snap *s, struct timeline *t)
{
        switch (s->klog.state) {
        case ENGINE_KLOG_OFF:
                snprintf(t->status, sizeof(t->status), "kernel log: off (see --kmsg)");
                break;
        case ENGINE_KLOG_UNAVAILABLE:
                snprintf(t->status, sizeof(t->status), "kernel log: %s",
                         s->klog.msg[0] ? s->klog.msg : "unavailable");
                break;
        default:
                break;
        }
}

int timeline_build(const struct engine_snap *s, size_t i, struct timeline *t)
{
        const struct engine_dev_info *in = &s->info[i];
        size_t nrec = timeline_klog_on(s) ? in->nklog : 0, nc = in->nchanges, a, b;

        memset(t, 0, sizeof(*t));
        timeline_status(s, t);
        t->klog_total = in->klog_total;
        /* interleave only when every record has a time on the engine clock */
        t->interleaved = true;
        for (size_t k = 0; k < nrec; k++)
                if (engine_klog_time_ns(s, &in->klog[k]) < 0)
                        t->interleaved = false;
        if (nrec && !t->interleaved) {
                const char *base = strrchr(s->klog.source, '/');

                snprintf(t->source, sizeof(t->source), "kernel log (by seq, another clock): %s",
                         base && base[1] ? base + 1 : s->klog.source);
        }
        t->item = calloc(nc + nrec + 1, sizeof(*t->item));
        if (!t->item)
                return -ENOMEM;
        if (!t->interleaved) {
                t->log = calloc(nrec + 1, sizeof(*t->log));
                if (!t->log) {
                        timeline_free(t);
                        return -ENOMEM;
                }
                for (size_t k = 0; k < nrec; k++)
                        t->log[t->nlog++] = &in->klog[k];
                /* newest first: by sequence number, highest first (insertion sort: the
                   ring is in arrival order, which is already nearly sorted) */
                for (size_t k = 1; k < t->nlog; k++)
                        for (size_t j = k; j > 0 && t->log[j - 1]->seq < t->log[j]->seq; j--) {
                                const struct kmsg_rec *x = t->log[j];

                                t->log[j] = t->log[j - 1];
                                t->log[j - 1] = x;
                        }
                nrec = 0;
        }
        /* merge the two oldest-first lists from their ends: newest first */
        a = nc;
        b = nrec;
        while (a > 0 || b > 0) {
                struct timeline_item *it = &t->item[t->n++];
                int64_t ta = a > 0 ? in->changes[a - 1].t_ns : INT64_MIN;
                int64_t tb = b > 0 ? engine_klog_time_ns(s, &in->klog[b - 1]) : INT64_MIN;

                /* a record at the very time of a change shows above it (it came after) */
                if (b > 0 && tb >= ta) {
                        it->kind = TIMELINE_KLOG;
                        it->t_ns = tb;
                        it->rec = &in->klog[--b];
                } else {
                        it->kind = TIMELINE_CHANGE;
                        it->t_ns = ta;
                        it->ch = &in->changes[--a];
                }
        }
        return 0;
}

void timeline_free(struct timeline *t)
{
        free(t->item);
        free(t->log);
        t->item = NULL;
        t->log = NULL;
        t->n = t->nlog = 0;
}

const struct kmsg_rec *timeline_err_since_change(const struct engine_snap *s, size_t i)
{
        const struct engine_dev_info *in = &s->info[i];
        int64_t since = in->state_since_ns;

        if (!timeline_klog_on(s))
                return NULL;
        /* the change lies between the last sample of the old state and the first of the
           new one: a record from that interval belongs to the current state */
        if (in->nchanges && in->changes[in->nchanges - 1].prev_seen_ns < since)
                since = in->changes[in->nchanges - 1].prev_seen_ns;
        for (size_t k = in->nklog; k > 0; k--) {
                const struct kmsg_rec *r = &in->klog[k - 1];
                int64_t t = engine_klog_time_ns(s, r);

                if (r->level > 3)
                        continue;
                if (t < 0 || !in->have_state || t >= since)
                        return r;
        }
        return NULL;
}

int timeline_level_class(int level)
{
        return level <= 3 ? 2 : level == 4 ? 1 : 0;
}
