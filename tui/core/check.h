/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check: the named checks of a pair compare and what they are built from.
 *
 * A compare runs named checks (a driver's drv_ops.checks): each has its own verdict
 * (pass, fail, unknown), a reason, the mismatches it found and the evidence it used
 * (which file of which side, its read time and status; the state timeline; the kernel
 * log; sysfs).  The overall verdict: reject if any check fails, accept only if every check
 * passes, else incomplete.
 *
 * The inputs are core-level (struct pair_side): the device as read, and what the caller
 * (batch, console) knows besides: the device's kernel log records, its PCI device ID from
 * sysfs, and the state changes the poller saw.  No engine types here.
 */
#ifndef MIGTOP_CORE_CHECK_H
#define MIGTOP_CORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "kmsg.h"
#include "match.h"
#include "tree.h"

/* One state change the poller saw (engine clock, ns). */
struct pair_event {
        int64_t t_ns;    /* first sample showing `to` */
        int64_t prev_ns; /* last sample showing `from` (the change lies in between) */
        enum fsm_state from, to;
};

/* One side of a pair and what is known about it besides its debugfs files. */
struct pair_side {
        const struct tree_dev *dev;
        /* this device's kernel log records (oldest first); NULL/0 with no kernel log */
        const struct kmsg_rec *klog;
        size_t nklog;
        bool klog_active;     /* a kernel log source was read (no record then means none) */
        bool klog_same_clock; /* ts_us * 1000 is on the timeline's clock (live /dev/kmsg) */
        int pci_device;       /* PCI device ID from sysfs (/sys/bus/pci/devices/BDF/device), -1 */
        /* state changes seen, oldest first; ntimeline 0 with timeline_known: none seen */
        const struct pair_event *timeline;
        size_t ntimeline;
        bool timeline_known; /* a poller watched the device (false: one snapshot only) */
        int64_t now_ns;      /* the poller's clock when the snapshot was taken */
};

/* A side with nothing known but its files (pci_device -1, no log, no timeline). */
void pair_side_init(struct pair_side *s, const struct tree_dev *dev);

enum check_verdict { CHECK_PASS, CHECK_FAIL, CHECK_UNKNOWN };
const char *check_verdict_name(enum check_verdict v); /* "pass", "fail", "unknown" */

enum check_side { CHECK_SRC, CHECK_DST };
const char *check_side_name(enum check_side s); /* "source", "destination" */

#define CHECK_MAX_MISMATCH 32u
#define CHECK_MAX_EVIDENCE 6u
#define CHECK_MAX          4u

/* What a check looked at. */
struct check_evidence {
        enum check_side side;
        const char *what;   /* "migf_data", "dev_data", "state", "kernel_log", "sysfs" */
        const char *status; /* drv_status_name() of a file, or NULL */
        int err;            /* errno of a file read, 0 */
        int64_t t_ns;       /* file read time (CLOCK_REALTIME ns), 0: none */
        char detail[160];   /* "length 176", "RESUMING -> STOP seen", "device a256" */
};

struct check {
        const char *name; /* "stream", "accept", "restore", "capture" */
        enum check_verdict verdict;
        char reason[320];
        unsigned nmis;
        struct match_mismatch mis[CHECK_MAX_MISMATCH];
        unsigned nev;
        struct check_evidence ev[CHECK_MAX_EVIDENCE];
        bool has_kline; /* the kernel's line that decided (quoted verbatim) */
        struct kmsg_rec kline;
        enum check_side kline_side;
};

struct check_set {
        unsigned n;
        struct check c[CHECK_MAX];
};

/* A new check (verdict unknown) appended to set; NULL when full. */
struct check *check_add(struct check_set *set, const char *name);
void check_reason(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_mismatch(struct check *c, const char *field, uint64_t src, bool src_valid, uint64_t dst,
                    bool dst_valid, const char *reason);
/* Evidence from a file (status, errno, read time); f may be NULL (absent). */
void check_evidence_file(struct check *c, enum check_side side, const char *what,
                         const struct drv_file *f, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Other evidence (timeline, kernel log, sysfs). */
void check_evidence(struct check *c, enum check_side side, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void check_quote(struct check *c, enum check_side side, const struct kmsg_rec *r);

/*
 * The overall verdict of a set: MATCH_REJECT if any check fails, MATCH_ACCEPT if every
 * check passes, else MATCH_INCOMPLETE; summary: one line naming the failing or open checks.
 */
enum match_verdict check_overall(const struct check_set *set, char *summary, size_t n);

#endif
