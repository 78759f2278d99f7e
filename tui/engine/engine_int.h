/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engine_int: the engine's private types, shared by its parts (not an interface):
 *   engine.c       options, results, scheduling, the process loop, requests, life cycle
 *   engine_dev.c   the device table: discovery of devices and their files, vanishing
 *   engine_snap.c  snapshots (shared per-device copies) and file sample history
 *   engine_klog.c  the kernel log: reading the source, attributing records to devices
 */
#ifndef MIGTOP_ENGINE_ENGINE_INT_H
#define MIGTOP_ENGINE_ENGINE_INT_H

#include <stdatomic.h>

#include "engine/engine.h"
#include "engine/reader.h"
#include "engine/sched.h"

#define MS_NS 1000000LL

enum ef_kind { EF_STATE, EF_FEATURES, EF_DRV };

struct eng_dev;

struct eng_file {
        struct eng_dev *dev;
        enum ef_kind kind;
        unsigned dir, idx; /* EF_DRV: td.dirs[dir].files[idx] */
        char *path;        /* relative to the source root */
        const char *label; /* for the log: "state", "hisi_acc/dev_data" (the end of path) */
        bool costly;       /* takes driver locks: held back during a migration */
        bool migf;         /* holds the last migration's data: read when one ends */
        int period_ms;     /* the cadence it was set up with */
        struct sched_item sch;
        bool blocked;
        struct hist_samples samples;
        struct engine_file_info info;
};

/* A device's sysfs facts, shared by its snapshot copies (336 bytes: not one per copy). */
struct eng_sys {
        atomic_uint refs;
        struct engine_sys pub;
};

struct eng_dev {
        struct tree_dev td;  /* the engine's current view of the device */
        struct eng_sys *sys; /* NULL: not looked up (no engine_opts.disc) */
        struct eng_file state, features;
        struct eng_file *dfiles; /* each directory's nfiles in turn: see eng_dfile() */
        size_t ndfiles;
        struct hist_states hist;
        struct klog_ring klog; /* its kernel log records */
        bool gone;
        bool focus; /* named by the last engine_set_focus(): state read at state_ms */
        int64_t seen_ns, gone_ns;
        uint64_t ver;         /* bumped on every change a snapshot shows */
        struct devcopy *copy; /* the last snapshot copy, while ver matches */
        /* stuck as of the last engine_process(): in stuck_state since stuck_since_ns */
        bool stuck;
        enum fsm_state stuck_state;
        int64_t stuck_since_ns;
};

/* A device as snapshots show it; shared by every snapshot taken while it did not change. */
struct devcopy {
        atomic_uint refs;
        uint64_t ver;
        struct tree_dev td;          /* deep copy */
        struct engine_dev_info info; /* changes and dir_info owned here */
        struct eng_sys *sys;         /* info.sys's reference, or NULL */
};

/* Arrays of files retired while a read may still point at them (freed at the end). */
struct graveyard {
        struct eng_file *files;
        size_t n;
        struct graveyard *next;
};

struct snap_priv {
        struct engine_snap pub; /* first: engine_snap_put() converts back */
        atomic_uint refs;
        struct devcopy **dc; /* pub.tree.devs[i] and pub.info[i] are shallow copies of dc[i] */
};

struct engine {
        struct engine_opts o;
        struct reader *rd;
        struct src *src;       /* owned by rd */
        struct eng_dev **devs; /* sorted by name */
        size_t ndevs, capdevs;
        struct graveyard *grave;
        int root_err;
        char root_msg[256]; /* what is wrong with the root and how to fix it */
        bool rescan_now;
        int64_t next_rescan_ns;
        int64_t next_ns;   /* earliest planned work after the last engine_process() */
        uint64_t seq;      /* bumped on every change a snapshot shows */
        unsigned inflight; /* reads submitted and not yet returned */
        unsigned pending;  /* ... of which not blocked (and not of a vanished device) */
        /* due files held back while max_inflight reads were out, started as reads return */
        struct eng_file **backlog;
        size_t nbacklog, backlog_pos, capbacklog;
        struct snap_priv *snap; /* the current snapshot (when its seq is current) */
        bool default_clock;     /* opts.now was NULL: the engine clock is CLOCK_MONOTONIC */
        int klog_fd;            /* the kernel log's fd in epfd, or -1 */
        int epfd;               /* epoll over the reader's eventfd and the klog fd, or -1 */
        bool klog_more;         /* the last pump stopped on its budget: records wait */
        bool klog_done;         /* the source ended or failed: not asked again */
        bool klog_have_seq;
        uint64_t klog_last_seq;
        struct klog_ring klog_orphans; /* records of devices not in the table (yet) */
        struct engine_klog kst;        /* the status snapshots show */
        int64_t stuck_next_ns;         /* the next device to turn stuck does then (INT64_MAX) */
        bool focus_set;                /* engine_set_focus() was called: idle devices slow */
        bool (*stale)(void *ctx, const char *name); /* engine_set_stale() */
        void *stale_ctx;
};

/* The engine file of d->td.dirs[dir].files[j]. */
static inline struct eng_file *eng_dfile(const struct eng_dev *d, size_t dir, unsigned j)
{
        size_t base = 0;

        for (size_t k = 0; k < dir; k++)
                base += d->td.dirs[k].nfiles;
        return &d->dfiles[base + j];
}

static inline int64_t eng_now(const struct engine *e)
{
        return e->o.now(e->o.now_ctx);
}

/* Wall-clock time for logs and snapshots (a replay's recorded time). */
static inline int64_t eng_realtime(const struct engine *e)
{
        return e->o.realtime ? e->o.realtime(e->o.now_ctx) : src_now_ns();
}

static inline void dev_touch(struct engine *e, struct eng_dev *d)
{
        e->seq++;
        d->ver++;
}

/* engine_take.c */
/* A migration step is under way: STOP_COPY, RESUMING, PRE_COPY(_P2P). */
bool eng_in_migration(enum fsm_state s);
/* Log a file's new status; blocked_ms >= 0: this line ends a blocked read. */
void eng_log_file(struct engine *e, const struct eng_file *f, const struct drv_file *df,
                  long long blocked_ms);
/* Set the device's state period from its state and the focus (adaptive polling). */
void eng_dev_rate(struct engine *e, struct eng_dev *d, int64_t now);
/* Take every finished read into the model.  0 or the first negative errno. */
int eng_collect(struct engine *e, int64_t now);

/* engine_dev.c */
struct drv_file *eng_file_model(struct eng_file *f);
void eng_dev_free(struct engine *e, struct eng_dev *d);
struct eng_dev *eng_dev_lookup(const struct engine *e, const char *name);
void eng_dev_mark_gone(struct engine *e, struct eng_dev *d, int64_t now, const char *reason);
/* Whether the device's own directory is still there (ENOENT/ENODEV: it vanished). */
int eng_dev_dir_err(struct engine *e, const struct eng_dev *d);
/* List the root: add new devices, mark vanished ones, revive returning ones. */
int eng_rescan(struct engine *e, int64_t now);
/* Drop gone devices kept longer than gone_keep_ms, and the oldest beyond gone_max. */
void eng_prune_gone(struct engine *e, int64_t now);

/* engine_klog.c */
/* Set up the kernel log part (epoll when the source has an fd).  0 or negative errno. */
int eng_klog_init(struct engine *e);
void eng_klog_fini(struct engine *e);
/* Read what the source has (bounded per call) and attribute it.  0 or negative errno. */
int eng_klog_pump(struct engine *e);
/* A device just entered the table: give it the records that waited for it. */
void eng_klog_adopt(struct engine *e, struct eng_dev *d);
/* Records are waiting (the last pump stopped on its budget, or the first one is due). */
bool eng_klog_busy(const struct engine *e);

/* engine_snap.c */
void eng_devcopy_put(struct devcopy *c);
void eng_sys_put(struct eng_sys *s);

#endif
