/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * timeline: what the detail view shows of a device's history, as plain data (no curses):
 * its state changes and its kernel log records.  When the records' times are on the
 * engine clock (the live local /dev/kmsg: TS_USEC * 1000 against CLOCK_MONOTONIC, see
 * engine_klog_time_ns()) the two are interleaved by time; otherwise (a --kmsg file from
 * another machine or boot) the records form their own section, in sequence order.
 * Newest first in both.  Also the kernel log's status line when it is not read.
 */
#ifndef MIGTOP_UI_TIMELINE_H
#define MIGTOP_UI_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/kmsg.h"
#include "engine/engine.h"
#include "engine/history.h"

enum timeline_kind { TIMELINE_CHANGE, TIMELINE_KLOG };

struct timeline_item {
        enum timeline_kind kind;
        int64_t t_ns;                 /* engine clock; -1: unknown (a record from a file) */
        const struct hist_change *ch; /* TIMELINE_CHANGE */
        const struct kmsg_rec *rec;   /* TIMELINE_KLOG */
};

struct timeline {
        bool interleaved; /* records sit among the state changes by time */
        size_t n;         /* the timeline, newest first: changes (and records when interleaved) */
        struct timeline_item *item;
        size_t nlog; /* records shown apart (not interleaved), newest (highest seq) first */
        const struct kmsg_rec **log;
        uint64_t klog_total; /* records ever attributed to the device (nlog stops at a bound) */
        /* "kernel log: off", "kernel log: not root: ...": set when records cannot be shown */
        char status[320];
        char source[200]; /* "kernel log (by seq, another clock): FILE" (its base name) */
};

/* Build the timeline of device i of s.  0 or -ENOMEM (t is then empty). */
int timeline_build(const struct engine_snap *s, size_t i, struct timeline *t);
void timeline_free(struct timeline *t);

/*
 * The newest kernel log record of device i of level err or worse (0..3) that is not older
 * than the device's last state change, or NULL.  A record whose time cannot be placed on
 * the engine clock (a --kmsg file) counts: it cannot be shown to be older.
 */
const struct kmsg_rec *timeline_err_since_change(const struct engine_snap *s, size_t i);

/* Theme-independent level class: 2 for err and worse, 1 for warning, 0 else. */
int timeline_level_class(int level);

#endif
