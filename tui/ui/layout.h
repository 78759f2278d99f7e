/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * layout: where each part of the console goes, as a pure function of the terminal size,
 * the device count, the view and the wanted list columns (nvtop's layout selection, in
 * spirit).  No curses: the output is plain rectangles that the views draw into, so that
 * every terminal size can be checked by a unit test.
 *
 * Guarantees of layout_compute() for any input: every non-empty rectangle lies inside
 * the screen, no two overlap, the selected device row is inside the visible list rows,
 * and the list columns (with their one-cell gaps) never exceed the list width.
 */
#ifndef MIGTOP_UI_LAYOUT_H
#define MIGTOP_UI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Below this the console shows only a "terminal too small" message. */
#define LAYOUT_MIN_COLS       40
#define LAYOUT_MIN_ROWS       6
#define LAYOUT_HOSTS_BODY_MIN 3 /* host lines never leave the body fewer rows */

/* A hex dump line: 8 offset digits, 2 spaces, then 3 cells per byte. */
#define LAYOUT_HEX_OFFSET_W 8
#define LAYOUT_HEX_GAP_W    2
#define LAYOUT_HEX_BYTE_W   3
#define LAYOUT_HEX_W(bpl)   (LAYOUT_HEX_OFFSET_W + LAYOUT_HEX_GAP_W + LAYOUT_HEX_BYTE_W * (bpl))
/* Narrowest useful decoded pane (field name and one value). */
#define LAYOUT_DECODED_MIN_W 30
/* A compare pane: a title row and at least this many content rows. */
#define LAYOUT_PANE_MIN_H 4

struct layout_rect {
        int y, x; /* top-left cell, 0-based */
        int h, w; /* 0 in either means "not shown" */
};

enum layout_view {
        LAYOUT_VIEW_LIST,
        LAYOUT_VIEW_DETAIL,
        LAYOUT_VIEW_COMPARE_DECODED,
        LAYOUT_VIEW_COMPARE_HEX,
        LAYOUT_VIEW_HELP,
        LAYOUT_NVIEWS
};

/* Columns of the device list; names (layout_col_name) are what the config file uses. */
enum layout_col {
        LAYOUT_COL_DEVICE,    /* "device": BDF or mdev UUID; never dropped, middle-ellipsised */
        LAYOUT_COL_STATE,     /* "state": migration state */
        LAYOUT_COL_DRIVER,    /* "driver": hisi_acc, mtty, migtop_acc, ... */
        LAYOUT_COL_AGE,       /* "age": time in the current state */
        LAYOUT_COL_DEV_DATA,  /* "dev_data": status of migration/hisi_acc/dev_data */
        LAYOUT_COL_MIGF_DATA, /* "migf_data": status / length of migf_data */
        LAYOUT_COL_MATCH,     /* "match": source/destination compatibility verdict */
        LAYOUT_COL_CMD_STATE, /* "cmd_state": mailbox channel */
        LAYOUT_COL_CHANGES,   /* "changes": state changes seen */
        LAYOUT_COL_FEATURES,  /* "features": migration capabilities */
        LAYOUT_COL_HOST,      /* "host": --host LABEL (or this host's); dropped first */
        LAYOUT_NCOLS
};

enum layout_ellipsis {
        LAYOUT_ELLIPSIS_END,    /* "0000:3b:0…" */
        LAYOUT_ELLIPSIS_MIDDLE, /* "0000:…00.1": keeps the function number visible */
};

struct layout_col_info {
        const char *name;        /* config-file name */
        const char *title;       /* column heading */
        const char *short_title; /* heading when the column is narrower than title */
        int min_w;               /* narrowest it is shown (when the cells' widths are unknown) */
        int pref_w;              /* width it gets when there is room (cells' widths unknown) */
        int priority;            /* 0 = kept longest; higher numbers are dropped first */
        enum layout_ellipsis ellipsis;
};

/* NULL for an out-of-range id. */
const struct layout_col_info *layout_col_get(enum layout_col id);
/* Column id from its config name (case-insensitive); -EINVAL when unknown. */
int layout_col_from_name(const char *name, size_t len);
/* The default list columns, in order; returns their number (<= LAYOUT_NCOLS). */
size_t layout_default_cols(enum layout_col *out);

enum layout_compare_mode {
        LAYOUT_COMPARE_QUAD,   /* 4 panes side by side */
        LAYOUT_COMPARE_GRID,   /* 2x2: dev_data above migf_data, source left */
        LAYOUT_COMPARE_PAIR,   /* source|destination of one file per page (2 pages) */
        LAYOUT_COMPARE_SINGLE, /* one pane per page (4 pages) */
};

/* Compare pane order. */
enum layout_compare_pane {
        LAYOUT_PANE_SRC_DEV_DATA,
        LAYOUT_PANE_DST_DEV_DATA,
        LAYOUT_PANE_SRC_MIGF_DATA,
        LAYOUT_PANE_DST_MIGF_DATA,
        LAYOUT_NPANES
};

/* Detail pane order. */
enum layout_detail_pane {
        LAYOUT_DETAIL_SUMMARY, /* state, features, times */
        LAYOUT_DETAIL_DATA,    /* decoded dev_data / migf_data / cmd_state */
        LAYOUT_DETAIL_HISTORY, /* state changes */
};

struct layout_in {
        int rows, cols;
        enum layout_view view;
        size_t ndev;                 /* devices in the list */
        size_t selected;             /* selected device index (clamped to ndev - 1) */
        size_t scroll;               /* previous first visible row; keeps scrolling stable */
        const enum layout_col *want; /* wanted list columns in order (NULL: defaults) */
        size_t nwant;
        int name_w; /* widest device name to show (0: the column's preferred width) */
        int page;   /* requested compare page (clamped; wraps are the caller's business) */
        /*
         * What the list's cells need, per column (0: unknown, the table's pref_w/min_w):
         * full_w the widest cell or heading in full, short_w the widest in its short form
         * (layout_short_word(), the short heading).  A column is never narrower than its
         * short_w (the device column excepted: it is middle-ellipsised); it is dropped
         * instead, least important first.  Width left over goes to the columns whose full
         * text does not fit yet, most important first.  The device column's full width
         * is name_w when that is set.
         */
        int full_w[LAYOUT_NCOLS];
        int short_w[LAYOUT_NCOLS];
        /* --host: one status line per host under the header (as many as leave the body
           LAYOUT_HOSTS_BODY_MIN rows; 0: none) */
        int host_rows;
};

struct layout_col_out {
        enum layout_col id;
        int x, w;       /* relative to the list rectangle */
        bool truncated; /* narrower than its full width: cells that do not fit use their
                           short form (layout_short_word()), the device name an ellipsis */
};

struct layout_pane {
        struct layout_rect r; /* first row is the pane title */
        int id;               /* enum layout_compare_pane or enum layout_detail_pane */
        int bpl;              /* hex bytes per line that fit (16, 8 or 4; 0 if < 4) */
};

struct layout {
        bool too_small;             /* only `message` is set */
        struct layout_rect message; /* "terminal too small" text */
        struct layout_rect header, footer;
        struct layout_rect status; /* last event line above the footer (h 0 when short) */
        struct layout_rect hosts;  /* --host status lines under the header (h 0: none) */
        struct layout_rect body;   /* everything between header and status/footer */

        /* list view */
        struct layout_rect list_title; /* column headings */
        struct layout_rect list;       /* device rows: list.h visible rows */
        size_t selected, scroll;       /* clamped selection; first visible device */
        struct layout_col_out col[LAYOUT_NCOLS];
        size_t ncols;
        size_t ndropped; /* wanted columns that did not fit */

        /* detail and compare views */
        struct layout_pane pane[LAYOUT_NPANES];
        size_t npanes;
        enum layout_compare_mode mode;
        int page, npages; /* compare paging: pane group shown, groups in all */
};

/* Compute the layout; never fails.  in->want entries out of range are ignored. */
void layout_compute(const struct layout_in *in, struct layout *out);
/*
 * Only the list columns for a list width cols of width (out->col, ncols, ndropped), the
 * part of layout_compute() a list view uses: for tests at any width.
 */
void layout_fit_cols(const struct layout_in *in, int width, struct layout *out);

/* Device-name width from which the device column is middle-ellipsised (a BDF and marks). */
#define LAYOUT_DEVICE_KEEP_W 14

/*
 * The short form of a status word or state shown in a list cell ("not_opened" ->
 * "n/open", "PRE_COPY_P2P" -> "PRE_P2P", "ok 144B" -> "144B"), written to out; a word
 * without one is copied.  A view draws it only when the full word does not fit.
 */
void layout_short_word(const char *word, char *out, size_t size);

/* Whether two rectangles share a cell (empty ones never do). */
bool layout_rect_overlap(const struct layout_rect *a, const struct layout_rect *b);
/* Whether a (possibly empty) rectangle lies inside rows x cols. */
bool layout_rect_inside(const struct layout_rect *r, int rows, int cols);

/* Largest of 16, 8, 4 hex bytes per line that fits in w cells; 0 if none does. */
int layout_hex_bpl(int w);

/*
 * Fit s into at most width terminal cells, writing NUL-terminated text to out.  When it
 * is cut, an ellipsis marks where ("…" when utf8, else "~").  Counts one cell per code
 * point and never splits a UTF-8 sequence.  Returns the cells used (<= width), or
 * -ENOSPC when out is too small for the result.
 */
int layout_ellipsize(const char *s, int width, enum layout_ellipsis mode, bool utf8, char *out,
                     size_t outsz);

#endif
