/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engine: the poller.  It owns all I/O on a source: it discovers devices by listing the
 * source's root (on a slow cadence and on engine_rescan()), reads each file on its own
 * cadence through a reader pool (at most one read in flight per file, so a blocked file
 * never holds up the others), parses results with the drv functions, records state changes
 * (with the FSM's classification) and file samples in a bounded history, and hands
 * consumers immutable snapshots.
 *
 * Threading: call every engine_* function from one thread (the UI or batch loop).  Reads
 * run on the reader's worker threads; their completions make engine_fd() readable.  A
 * snapshot is immutable and self-contained: any thread may read it while the engine goes
 * on, and engine_snap_put() may be called from any thread.
 *
 * The loop:
 *     engine_process(e);                        // collect, mark blocked, rescan, submit
 *     poll({engine_fd(e), stdin}, engine_next_timeout_ms(e));
 *
 * Time comes from opts.now (CLOCK_MONOTONIC by default): tests inject their own clock so
 * that cadences and deadlines are deterministic.  Log and JSON times are CLOCK_REALTIME.
 */
#ifndef MIGTOP_ENGINE_ENGINE_H
#define MIGTOP_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/drv.h"
#include "core/fsm.h"
#include "core/kmsg.h"
#include "core/src.h"
#include "core/stuck.h"
#include "core/tree.h"
#include "engine/discover.h"
#include "engine/evlog.h"
#include "engine/history.h"
#include "engine/klog.h"

/* Cadence values: a period > 0 in ms, or one of these. */
#define ENGINE_ONCE   (-1) /* read once when the device is found, then only on demand */
#define ENGINE_DEMAND 0    /* only on demand (engine_request) */

struct engine_opts {
        int state_ms; /* migration/state: 250 */
        /*
         * Adaptive polling, once the consumer said what it shows (engine_set_focus()):
         * the state of an idle device (RUNNING, STOP or ERROR, no state change for
         * ENGINE_HOT_MS) that is not in the focus is read every idle_ms instead of
         * state_ms.  0 (default): 4 x state_ms, at most 2000 (never below state_ms);
         * negative: never (every device at state_ms).  Without engine_set_focus() every
         * device is read at state_ms (batch modes print them all).
         */
        int idle_ms;
        int features_ms; /* migration/features: ENGINE_ONCE */
        int costly_ms;   /* driver files that take driver locks (dev_data, cmd_state): 5000 */
        int migf_ms;     /* the "last migration" file (migf_data): 1000 (the driver reads its
                            copy without a lock or an open check); it is also read on every
                            state change */
        int other_ms;    /* other driver files: 5000 */
        int deadline_ms; /* a read in flight longer than this is blocked: 1000 */
        int rescan_ms;   /* list the root again: 2000 (0: only on engine_rescan()) */
        /* Hold back periodic reads of costly files while the device is in STOP_COPY,
           RESUMING or PRE_COPY[_P2P] (they contend with the migration): true. */
        bool quiet_in_migration;
        /* Reader threads that take reads: 8.  Threads stuck in reads that do not answer
           do not count (they are replaced, up to a hard bound: see reader.h), and their
           deadline runs from when they started, not from when they were queued. */
        unsigned max_workers;
        /* Reads queued or running at once (stuck ones not counted): 32.  Bounds the
           memory of results waiting to be taken, and keeps a cycle's allocations small.
           While a read of a driver file that takes the driver's locks (dev_data,
           cmd_state) is blocked, the device's other such files are not read again (they
           would wait on the same lock) until it returns; each is still read once. */
        unsigned max_inflight;
        /*
         * A vanished device is kept (gone, with its last results) for gone_keep_ms (60000;
         * 0: until the next rescan), and at most gone_max of them (64; the oldest gone are
         * dropped first).  Checked at each rescan; a device whose read is still stuck is
         * dropped once that read returns.  Dropped, it is no longer in snapshots: if it
         * comes back it is a new device.
         */
        int gone_keep_ms;
        size_t gone_max;
        size_t hist_changes; /* state changes kept per device: 256 */
        size_t hist_samples; /* samples kept per file: 32 */
        size_t hist_bytes;   /* and at most this many bytes per file: 64 KiB */
        struct evlog *log;   /* when set, device/state/file changes are logged (not owned) */
        struct disc *disc;   /* when set, each device found is looked up in sysfs (not owned) */
        /*
         * When set, the kernel log (not owned): records naming a device by DEVICE= are kept
         * with it (klog_per_dev each: 64); records naming a device not found (yet) wait, at
         * most klog_orphans of them (256), so a device found later still gets its earlier
         * lines.  A live source's fd is polled through engine_fd(); records are read
         * without blocking in engine_process(), at most 512 per call.
         */
        struct klog *klog;
        size_t klog_per_dev;
        size_t klog_orphans;
        /*
         * Time in a state beyond which a device is stuck (engine_dev_info.stuck), per
         * state: stuck_default() (core/stuck.h).  Each change is logged (opts.log).
         */
        struct stuck_cfg stuck;
        int64_t (*now)(void *ctx); /* monotonic ns; NULL: CLOCK_MONOTONIC */
        /* CLOCK_REALTIME ns of log lines and snapshots (now_ctx); NULL: the real one */
        int64_t (*realtime)(void *ctx);
        void *now_ctx;
};

void engine_opts_default(struct engine_opts *o);

struct engine;

/*
 * Takes ownership of s (also on failure).  Does no I/O: the first engine_process() lists
 * the root and starts the first reads.  0 or negative errno.
 */
int engine_new(struct src *s, const struct engine_opts *o, struct engine **out);
/* Never waits for a blocked read (its worker is left to finish on its own). */
void engine_free(struct engine *e);

/*
 * Readable when read results (or kernel log records) are waiting: poll it, then call
 * engine_process().  With a live kernel log it is an epoll descriptor over the reader's
 * eventfd and /dev/kmsg, so one poll() covers both.
 */
int engine_fd(const struct engine *e);
/*
 * Take finished reads, mark reads past their deadline blocked, rescan when due, start due
 * reads.  Never waits for a read.  Returns 1 when what a snapshot shows changed, 0 when not,
 * negative errno on allocation failure.
 */
int engine_process(struct engine *e);
/* Milliseconds until engine_process() has work without fd activity; -1: none planned. */
int engine_next_timeout_ms(const struct engine *e);
/* Wait (real time, at most timeout_ms) until a read result is waiting. */
void engine_wait(struct engine *e, int timeout_ms);
/* Reads in flight that are not (yet) blocked: 0 means every started read has an answer. */
unsigned engine_pending(const struct engine *e);
/* Reads in flight, blocked ones included. */
unsigned engine_inflight(const struct engine *e);
/*
 * Of those, the reads queued that no reader thread can take until a blocked read answers
 * (reader_starved): a replayer counts them as waiting for its clock.
 */
unsigned engine_starved(struct engine *e);
/*
 * Batch helper: process and wait (real time, at most timeout_ms) until no read is due and
 * every read started has returned or is blocked.  Returns 0, or -ETIMEDOUT.
 */
int engine_settle(struct engine *e, int timeout_ms);

/*
 * Keep polling for ms milliseconds of real time (poll() on engine_fd() and the engine's
 * own timeouts): the loop of `--log` and of the pauses between `--repeat` samples.
 * Returns 0, -EINTR when a signal arrived (SIGHUP: reopen the log; SIGINT: stop), or a
 * negative errno from engine_process().
 *
 * Batch use:   engine_settle(e, deadline + margin);  snap = engine_snapshot(e);  print;
 *              then for each repeat: engine_run_for(e, interval_ms); snapshot; print.
 * Log use:     opts.log = evlog; loop { if (engine_run_for(e, 1000) == -EINTR) ... }
 */
int engine_run_for(struct engine *e, int ms);

/*
 * Change how often every device's `state` is read (the console's +/-), for devices found
 * now and later.  0 or -EINVAL (ms <= 0).
 */
int engine_set_state_period(struct engine *e, int ms);

/*
 * Adaptive polling (engine_opts.idle_ms): name the devices the consumer shows (on screen,
 * selected, paired; NULL names are skipped, unknown ones ignored).  From the first call on,
 * the state of a device that is idle (RUNNING, STOP or ERROR, read without error, and no
 * state change seen for ENGINE_HOT_MS) and not named is read every idle period instead of
 * every state period; every other device stays at the state period.  A device that becomes
 * interesting (named, or its state read shows a change) is read again within one state
 * period of it: a change is then seen within one fast period.  Call it after each redraw;
 * a call naming the same devices costs a pass over the table and no read.  0.
 */
#define ENGINE_HOT_MS 10000
int engine_set_focus(struct engine *e, const char *const *names, size_t n);
/* Back to every device at the state period (as before the first engine_set_focus()). */
void engine_clear_focus(struct engine *e);
/*
 * Whose data is stale: fn(ctx, name) true when what the engine holds of device name no
 * longer comes in (a remote host's link is down: its values stopped, not the device).
 * A stale device is never turned stuck, nor its stuck state ended: stuck detection waits
 * until its data flows again (looked at again every second).  fn NULL: none is stale.
 * Called from engine_process(), only for devices that would turn stuck or are stuck.
 */
void engine_set_stale(struct engine *e, bool (*fn)(void *ctx, const char *name), void *ctx);

/* List the root on the next engine_process() (hotplug, or the user asked). */
void engine_rescan(struct engine *e);
/*
 * Read on demand (as soon as no read of the file is in flight).  dir NULL or "" names the
 * core files ("state", "features"); file NULL means every file of the device (dir NULL) or
 * of the directory.  0, -ENOENT (no such device/directory/file), -ENODEV (device gone).
 */
int engine_request(struct engine *e, const char *dev, const char *dir, const char *file);

/* ---- snapshots ---- */

/*
 * Counters and flags below are as of the last change of the device (a snapshot shares
 * the copy of every device that did not change since the previous one); times are on the
 * engine clock: compare them with engine_snap.now_ns.
 */
struct engine_file_info {
        uint64_t reads;   /* completed reads */
        uint64_t changes; /* reads that found new content or status */
        bool read_once;   /* the drv_file holds a result (else: not read yet) */
        bool in_flight;
        bool blocked;       /* in flight past the deadline */
        int64_t started_ns; /* when the read in flight started (blocked for now_ns - this) */
        int64_t last_ns;    /* when the last result arrived */
};

/* What sysfs says of a device (engine_opts.disc): looked up once, when it is found. */
struct engine_sys {
        bool known;      /* sysfs has the device */
        char driver[64]; /* bound driver: "hisi_acc_vfio_pci", "vfio_mdev", ... */
        char name[192];  /* PCI vendor and device names, or the mdev type's name */
        char parent[64]; /* PF of a VF, parent of an mdev; "" */
        int iommu_group; /* -1: none */
        int numa_node;   /* -1: none or unknown */
        int pci_device;  /* PCI device ID (sysfs "device"), -1: not PCI or unknown */
};

struct engine_dev_info {
        /* read it through engine_dev_sys(); shared by every copy (NULL: not looked up) */
        const struct engine_sys *sys;
        bool gone;       /* vanished; the last results are kept */
        int64_t seen_ns; /* first seen (or seen again) */
        int64_t gone_ns; /* when it vanished */
        bool have_state;
        int64_t state_since_ns; /* first sample showing the current state */
        int64_t state_age_ns;   /* now_ns - state_since_ns (0 without a state) */
        /*
         * In its state beyond the state's threshold (engine_opts.stuck) as of now_ns; never
         * for a gone device.  stuck_for_ms: how far beyond (0 when not stuck).  A snapshot
         * is rebuilt when a device turns stuck or stops being stuck, not as stuck_for_ms
         * grows: a consumer showing a later time adds (its now - now_ns) while stuck.
         */
        bool stuck;
        int64_t stuck_for_ms;
        int64_t stuck_threshold_ms; /* the current state's threshold (0: never stuck) */
        uint64_t transitions;       /* state changes ever seen */
        size_t nchanges;            /* the last nchanges of them, oldest first */
        const struct hist_change *changes;
        struct engine_file_info state_info, features_info;
        /* parallel to the files of tree.devs[i].dirs[] in turn (the nfiles of dirs[0], then
           of dirs[1], ...): read it through engine_snap_file_info() */
        const struct engine_file_info *dir_info;
        const struct kmsg_rec *klog; /* the device's last kernel log records, oldest first */
        size_t nklog;
        uint64_t klog_total; /* records ever attributed to it (nklog stops at the bound) */
        /* ... of each level (0 emerg .. 7 debug) */
        uint64_t klog_by_level[8];
        /* the transitions of each fsm_class */
        uint64_t transitions_by_class[FSM_CLASS_IMPOSSIBLE + 1];
};

/* What sysfs says of the device: never NULL (known false when it was not looked up). */
const struct engine_sys *engine_dev_sys(const struct engine_dev_info *in);

enum engine_klog_state {
        ENGINE_KLOG_OFF,         /* no kernel log source */
        ENGINE_KLOG_OK,          /* the live kernel log is read */
        ENGINE_KLOG_FILE,        /* records from a file (a fixture, another machine's log) */
        ENGINE_KLOG_UNAVAILABLE, /* msg says why (not root, disabled, a read failed) */
};

/* The kernel log as a whole. */
struct engine_klog {
        enum engine_klog_state state;
        char source[128];    /* "/dev/kmsg", the --kmsg file; "" when off */
        char msg[256];       /* the one-line reason when unavailable */
        bool same_clock;     /* ts_us * 1000 is on the engine clock (see engine_klog_time_ns) */
        bool caught_up;      /* every record that was in the ring (or the file) was read */
        uint64_t records;    /* records read */
        uint64_t attributed; /* ... given to a device of the table */
        uint64_t gaps;       /* times the kernel said records were lost (EPIPE) */
        uint64_t lost;       /* records missing by sequence number (live source only) */
        uint64_t bad;        /* records skipped (malformed, too large) */
        char bad_msg[160];   /* why the last one was */
};

/* "off", "ok", "file", "unavailable" */
const char *engine_klog_state_name(enum engine_klog_state s);

struct engine_snap {
        uint64_t seq;                 /* increases whenever the content changes */
        int64_t now_ns;               /* engine clock when taken */
        int64_t realtime_ns;          /* CLOCK_REALTIME when taken */
        struct tree tree;             /* devices (gone ones included), files as last read;
                                         read-only: never pass it to tree_free() */
        struct engine_dev_info *info; /* parallel to tree.devs */
        struct engine_klog klog;      /* the kernel log's status */
};

/*
 * The current snapshot (built only when something changed since the last one; shared
 * otherwise).  NULL on allocation failure.  Release with engine_snap_put().
 */
const struct engine_snap *engine_snapshot(struct engine *e);
void engine_snap_put(const struct engine_snap *s);
/*
 * A kernel log record's time on the engine clock (nanoseconds, comparable with
 * hist_change.t_ns and now_ns), or -1 when it cannot be known.  TS_USEC is the kernel's
 * local_clock() (sched_clock based), like CLOCK_MONOTONIC counted from boot and stopped
 * in suspend, but not the same clock: measured on a 6.18 VM 37 minutes after boot,
 * local_clock ran 1.45 ms ahead of CLOCK_MONOTONIC (bench/kmsg.sh notes how).  Good enough
 * for the detail view to interleave records with state changes (sampled every 250 ms or
 * more) by ts_us * 1000 for the live local source; not for sub-millisecond ordering.  A --kmsg file
 * (another machine, another boot) or a test clock cannot be interleaved by time, only
 * shown in order: -1.
 */
int64_t engine_klog_time_ns(const struct engine_snap *s, const struct kmsg_rec *r);

/*
 * How long device i has been beyond its stuck threshold as of now_ns (engine clock, at or
 * after s->now_ns: stuck_for_ms grown by the time since the snapshot), or -1 when it is
 * not stuck.
 */
int64_t engine_snap_stuck_ms(const struct engine_snap *s, size_t i, int64_t now_ns);

/* Index of a device in the snapshot, or -1. */
long engine_snap_find(const struct engine_snap *s, const char *dev);
/* The info of a file in device i (dir NULL or "" for the core files), or NULL. */
const struct engine_file_info *engine_snap_file_info(const struct engine_snap *s, size_t i,
                                                     const char *dir, const char *file);

/*
 * Copy the kept samples of one file (oldest first) for a history view.  *out is malloc'd
 * (free each data, then the array with engine_samples_free).  0, -ENOENT, -ENOMEM.
 */
int engine_file_samples(struct engine *e, const char *dev, const char *dir, const char *file,
                        struct hist_sample **out, size_t *n);
void engine_samples_free(struct hist_sample *s, size_t n);

#endif
