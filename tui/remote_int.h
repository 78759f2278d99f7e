/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * remote_int: what remote.c (the links, the union source, status and JSON), remote_klog.c
 * (the hosts' kernel log) and remote_rec.c (--record and --replay of the hosts) share.
 */
#ifndef MIGTOP_REMOTE_INT_H
#define MIGTOP_REMOTE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "remote.h"

struct klog;
struct remote_union;

struct remote {
        int refs; /* the caller's and the union source's (closed by a reader thread, maybe
                     after the engine is gone) */
        size_t n;
        struct rsrc *r[REMOTE_MAX_HOSTS]; /* NULL: replayed (rpl) */
        struct src *s[REMOTE_MAX_HOSTS];
        char label[REMOTE_MAX_HOSTS][64];
        char dest[REMOTE_MAX_HOSTS][256];
        struct remote_union *u; /* the union source's (remote_record wraps its sources) */
        struct klog *klocal;    /* the local kernel log inside remote_klog's, NULL */
        struct src_rec *rec;    /* --record: the hosts' kernel log records go there too */
        int64_t rt_off;         /* --record: CLOCK_REALTIME - CLOCK_MONOTONIC at its start */
        const struct rpl *rpl;  /* --replay of a --host run: the hosts' status from there */
        /* the hosts' kernel log (remote_klog), per host: records taken, records lost
           (dropped from the queue, or missing from its sequence numbers on one link);
           written by the kernel log's owner (the engine's caller), read by the output */
        bool klog_on;
        uint64_t klog_records[REMOTE_MAX_HOSTS];
        uint64_t klog_lost[REMOTE_MAX_HOSTS];
};

struct remote_union {
        struct src *local; /* NULL: --no-local */
        struct remote *rem;
};

/* CLOCK_MONOTONIC in ms (remote.c). */
int64_t remote_ms(void);

/* A replayed host's status and sysfs facts (remote_rec.c), for remote_status, remote_dev_sys. */
void remote_replayed_status(struct remote *rem, size_t i, struct rsrc_status *out);
int remote_replayed_sys(struct remote *rem, const char *dev, struct ap_sys *out);

#endif
