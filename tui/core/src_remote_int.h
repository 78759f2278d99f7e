/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * src_remote_int: what the two halves of src_remote share: src_remote.c (the state an
 * agent sent, and the source over it) and src_remote_link.c (the transport: the command,
 * its pipes, the supervising thread, backoff).  Not for anything else.
 */
#ifndef MIGTOP_CORE_SRC_REMOTE_INT_H
#define MIGTOP_CORE_SRC_REMOTE_INT_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/src_remote.h"

#define RSRC_LINE_MAX (64u << 20) /* a snapshot line of a few thousand devices fits */

struct rsrc_ent {
        char *path;
        bool is_list;
        int err;
        char *data; /* file */
        size_t len;
        bool trunc;
        char **names; /* list, sorted */
        size_t n;
};

struct rsrc_krec {
        char *raw;
        size_t len;
        unsigned link; /* the link it came on (rsrc.hellos then) */
};

struct rsrc {
        pthread_mutex_t mu;
        pthread_cond_t cv;       /* state changes, data arriving, the thread's end */
        pthread_cond_t retry_cv; /* the backoff's wait (CLOCK_MONOTONIC), woken to stop */
        bool retry_cv_init;
        char label[64];
        struct rsrc_status st;
        bool hello;
        unsigned hellos;    /* hellos taken: one per link */
        struct rsrc_ent *e; /* sorted by (path, is_list) */
        size_t n, cap;
        /* transport: argv, the link now (under mu), the supervising thread */
        char **argv;
        pid_t pid;
        int in_fd, out_fd, err_fd;
        pthread_t thread;
        bool thread_started;
        bool thread_done;
        bool stop;            /* rsrc_free: no further attempt */
        bool refused;         /* the stream was refused: end this link */
        int ctl_ms;           /* the last interval sent (0: none), for later links */
        int ctl_paused;       /* -1: never sent, 0 resumed, 1 paused */
        struct ap_ctl *focus; /* the last focus asked (NULL: none), for this link and later */
        bool focus_due;       /* not sent on this link yet (no hello, or the pipe was full) */
        char errline[256];    /* the child's last stderr line */
        /* kernel log records waiting for rsrc_klog_next() */
        struct rsrc_krec *kq;
        size_t kq_head, kq_n, kq_cap;
        uint64_t kq_dropped;
        int kq_fd;
        int64_t added_ns;   /* CLOCK_MONOTONIC of the last device added by a delta */
        uint64_t ping_id;   /* the last ping sent */
        int64_t ping_ns;    /* when (0: answered, or none) */
        struct ap_sys *sys; /* what the host's sysfs says of its devices */
        size_t nsys, sys_cap;
};

/* src_remote.c, for the transport */
int64_t rsrc_mono_ns(void);
void rsrc_set_state(struct rsrc *r, enum rsrc_state st); /* with mu held */
void rsrc_clear(struct rsrc *r);                         /* with mu held */
void rsrc_down(struct rsrc *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
