/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * views: the console's view state shared by the views (list, detail, compare, help) and
 * the model behind the device list: which devices show in which order (sort, filter),
 * the selection kept by device name across snapshots, the source/destination pair and
 * the suggested one, times, and the JSON export of the current view.  No curses here.
 */
#ifndef MIGTOP_UI_VIEWS_H
#define MIGTOP_UI_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "ui/layout.h"
#include "ui/pairside.h"

enum views_view { VIEWS_LIST, VIEWS_DETAIL, VIEWS_COMPARE, VIEWS_HELP };

enum views_sort {
        VIEWS_SORT_NAME,
        VIEWS_SORT_STATE,
        VIEWS_SORT_AGE,
        VIEWS_SORT_CHANGES,
        VIEWS_SORT_DRIVER,
        VIEWS_NSORT
};

#define VIEWS_NAME_MAX   256
#define VIEWS_FILTER_MAX 64
#define VIEWS_STATUS_MAX 512

/* --host: what the console knows of a device's host (views.host_of). */
struct views_host {
        const char *label; /* the host's label ("hvA"), or views.host for a local device */
        bool stale;        /* a remote host whose link is not connected: data of age_ms ago */
        int64_t age_ms;
};

struct views {
        const struct engine_snap *snap; /* shown snapshot (reference held by ui.c), or NULL */
        int64_t now_ns;                 /* engine clock at this redraw (ages) */
        const char *host;
        /*
         * --host: device name's host (set by ui.c over remote.h; NULL: no hosts, every
         * device is this host's).  Called while drawing: must not block.
         */
        void (*host_of)(void *arg, const char *name, struct views_host *out);
        void *host_arg;
        int host_rows; /* host status lines wanted under the header (0: none) */
        bool replay;   /* --replay FILE: the help lists the replay's keys */
        bool utf8;
        int rows, cols;
        enum views_view view, below_help; /* below_help: the view help returns to */

        /* device list */
        size_t *order; /* snapshot indices shown, in order */
        size_t norder, order_cap;
        size_t sel, scroll; /* into order */
        char sel_name[VIEWS_NAME_MAX];
        enum views_sort sort;
        char filter[VIEWS_FILTER_MAX];
        bool editing; /* typing a filter */
        char edit[VIEWS_FILTER_MAX];
        enum layout_col cols_want[LAYOUT_NCOLS];
        size_t ncols_want;
        int col_full[LAYOUT_NCOLS], col_short[LAYOUT_NCOLS]; /* view_list_measure() */

        /* pairing: device names, "" when unset */
        char src[VIEWS_NAME_MAX], dst[VIEWS_NAME_MAX];

        /* detail, compare, help */
        int detail_scroll;
        bool hex;
        int page;
        int cmp_scroll;
        long diff_cur; /* index of the current difference, -1: none */
        int help_scroll;

        bool paused;
        int interval_ms;
        char status[VIEWS_STATUS_MAX];
        /* why there is no device list at all (the tree root cannot be opened), or "" */
        char root_msg[VIEWS_STATUS_MAX];
};

void views_init(struct views *v);
void views_free(struct views *v);

/* Recompute the shown devices from v->snap (filter, sort), keeping the selection. 0/-ENOMEM */
int views_rebuild(struct views *v);
/* Snapshot index of the selected device, or -1. */
long views_selected(const struct views *v);
/*
 * The devices the console shows, for the engine's adaptive polling (engine_set_focus()):
 * the selected device and the pair first, then the rows rows of the list from its scroll
 * position (a name may come twice).  Fills out with at most max names (pointers into
 * v->snap or v) and returns how many.
 */
size_t views_focus(const struct views *v, int rows, const char **out, size_t max);
/* Select the row at position pos of the list (clamped); remembers the name. */
void views_select(struct views *v, size_t pos);
const char *views_sort_name(enum views_sort s);

/* First driver directory of a device ("hisi_acc"), or "-". */
const char *views_driver(const struct tree_dev *d);
/* A file of the first known driver directory that has it ("dev_data"), or NULL. */
const struct drv_file *views_dev_file(const struct tree_dev *d, const char *file);
/* Time in the current state as of v->now_ns. */
int64_t views_state_age(const struct views *v, size_t i);
/* An engine-clock time as local wall time "HH:MM:SS.mmm". */
void views_clock(const struct views *v, int64_t t_ns, char *buf, size_t size);
/* The most useful error line of a device ("" when none). */
const char *views_last_error(const struct tree_dev *d);
/*
 * The same for snapshot device i as of this redraw (v->now_ns): a read that is stuck says
 * how long it has been waiting now, not when the snapshot was taken.  buf holds it then.
 */
const char *views_error_text(const struct views *v, size_t i, char *buf, size_t size);

/* 'S', 'D' or ' ': the device's role in the pair. */
char views_role(const struct views *v, const char *name);
/* Snapshot indices of the pair (source, destination); false unless both exist. */
bool views_pair(const struct views *v, long *src, long *dst);
/*
 * Compare snapshot devices src and dst with everything the console knows of them (the
 * engine watched them: their state changes, their kernel log).  0 or -ENOMEM; release
 * with pairside_free() in both cases.
 */
int views_compare(const struct views *v, size_t src, size_t dst, struct pairside_cmp *c);
/* The verdict of the current pair (views_compare()); false without a pair (or memory). */
bool views_pair_verdict(const struct views *v, enum match_verdict *out);
/*
 * The device list's mark for device i: the current pair's destination when a check
 * failed, or a device with a kernel log record of level err or worse since its last state
 * change.  why (may be NULL) receives one line.  reject: the pair verdict (NULL: unknown).
 */
bool views_alert(const struct views *v, size_t i, const enum match_verdict *pair_verdict, char *why,
                 size_t size);

/*
 * A suggested pair while a migration runs: a source in the saving group (STOP_COPY,
 * PRE_COPY[_P2P]) and a destination in RESUMING, by the evidence core/suggest.h ranks
 * (migf_data headers equal, then when RESUMING began after the source's saving, then list
 * order).  why (may be NULL) gets that evidence in words ("by timing: RESUMING began 0.4 s
 * after STOP_COPY").
 */
bool views_suggest(const struct views *v, long *src, long *dst, char *why, size_t size);

/* layout_compute() for a view of v at the current size. */
void views_layout(struct views *v, enum layout_view lv, struct layout *out);

/*
 * Write the current view's data as JSON to migtop-<view>-<time>.json in the current
 * directory (the one file the console writes; the user asked).  rem (--host, else NULL):
 * each device with "host", "stale" and "stale_ms", and the "hosts" status, as the batch
 * JSON has them (remote_json_dev, remote_json_hosts).  0 and the file name in path, or
 * negative errno.
 */
struct remote;
int views_export(const struct views *v, struct remote *rem, char *path, size_t size);

#endif
