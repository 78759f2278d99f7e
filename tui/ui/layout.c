/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * layout: the pure layout solver of the console (see layout.h).
 *
 * Screen, top to bottom: header (1 row), body, status line (1 row, only when the terminal
 * has LAYOUT_STATUS_MIN_ROWS rows), footer (1 row).  The body holds the list (a column
 * heading row, then device rows), the detail panes, the compare panes or the help text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ui/glyph.h"
#include "ui/layout.h"

#define LAYOUT_STATUS_MIN_ROWS 12
#define LAYOUT_SUMMARY_H       6
#define LAYOUT_SUMMARY_MIN_H   4
#define LAYOUT_HISTORY_MIN_W   30
#define LAYOUT_HISTORY_MAX_W   48
#define LAYOUT_DETAIL_MIN_H    3 /* title and two rows */

/*
 * Priorities: what identifies a device and says where its migration is (device, state,
 * age), then what migtop adds (the data files, the pair verdict, the mailbox), then what
 * rarely changes (driver, change count, features).  Minimum widths fit the short forms
 * (layout_short_word()) and short headings.
 */
static const struct layout_col_info layout_cols[LAYOUT_NCOLS] = {
    [LAYOUT_COL_DEVICE] = {"device", "DEVICE", "DEVICE", LAYOUT_DEVICE_KEEP_W, 16, 0,
                           LAYOUT_ELLIPSIS_MIDDLE},
    [LAYOUT_COL_STATE] = {"state", "STATE", "STATE", 9, 12, 1, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_AGE] = {"age", "AGE", "AGE", 6, 6, 2, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_DEV_DATA] = {"dev_data", "DEV_DATA", "DEV", 6, 12, 3, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_MIGF_DATA] = {"migf_data", "MIGF_DATA", "MIGF", 6, 12, 4, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_MATCH] = {"match", "MATCH", "MATCH", 5, 10, 5, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_CMD_STATE] = {"cmd_state", "CMD", "CMD", 6, 10, 6, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_DRIVER] = {"driver", "DRIVER", "DRV", 8, 10, 7, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_CHANGES] = {"changes", "CHG", "CHG", 3, 6, 8, LAYOUT_ELLIPSIS_END},
    [LAYOUT_COL_FEATURES] = {"features", "FEATURES", "FEAT", 8, 22, 9, LAYOUT_ELLIPSIS_END},
    /* with --host: the host lines above say it too, so it goes first */
    [LAYOUT_COL_HOST] = {"host", "HOST", "HOST", 4, 8, 10, LAYOUT_ELLIPSIS_END},
};

static const enum layout_col layout_default[] = {
    LAYOUT_COL_DEVICE, LAYOUT_COL_STATE,     LAYOUT_COL_AGE,
    LAYOUT_COL_DRIVER, LAYOUT_COL_DEV_DATA,  LAYOUT_COL_MIGF_DATA,
    LAYOUT_COL_MATCH,  LAYOUT_COL_CMD_STATE, LAYOUT_COL_CHANGES,
};

const struct layout_col_info *layout_col_get(enum layout_col id)
{
        if ((unsigned)id >= LAYOUT_NCOLS)
                return NULL;
        return &layout_cols[id];
}

int layout_col_from_name(const char *name, size_t len)
{
        for (int i = 0; i < LAYOUT_NCOLS; i++) {
                if (strlen(layout_cols[i].name) == len &&
                    strncasecmp(layout_cols[i].name, name, len) == 0)
                        return i;
        }
        return -EINVAL;
}

size_t layout_default_cols(enum layout_col *out)
{
        size_t n = sizeof(layout_default) / sizeof(layout_default[0]);

        memcpy(out, layout_default, sizeof(layout_default));
        return n;
}

static struct layout_rect layout_rect_make(int y, int x, int h, int w)
{
        struct layout_rect r = {y, x, h, w};

        if (h <= 0 || w <= 0)
                r.h = r.w = 0;
        return r;
}

static bool layout_rect_empty(const struct layout_rect *r)
{
        return r->h <= 0 || r->w <= 0;
}

bool layout_rect_overlap(const struct layout_rect *a, const struct layout_rect *b)
{
        if (layout_rect_empty(a) || layout_rect_empty(b))
                return false;
        return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

bool layout_rect_inside(const struct layout_rect *r, int rows, int cols)
{
        if (layout_rect_empty(r))
                return r->h >= 0 && r->w >= 0;
        return r->y >= 0 && r->x >= 0 && r->y + r->h <= rows && r->x + r->w <= cols;
}

int layout_hex_bpl(int w)
{
        for (int bpl = 16; bpl >= 4; bpl /= 2) {
                if (LAYOUT_HEX_W(bpl) <= w)
                        return bpl;
        }
        return 0;
}

/* ---- list columns ------------------------------------------------------------------- */

/* Width a column's cells need in full. */
static int layout_col_full(const struct layout_in *in, enum layout_col id)
{
        const struct layout_col_info *ci = &layout_cols[id];

        if (id == LAYOUT_COL_DEVICE && in->name_w > 0)
                return in->name_w;
        return in->full_w[id] > 0 ? in->full_w[id] : ci->pref_w;
}

/* Narrowest a column is shown: its short forms; the device column keeps a whole BDF. */
static int layout_col_min(const struct layout_in *in, enum layout_col id)
{
        int full = layout_col_full(in, id), m;

        if (id == LAYOUT_COL_DEVICE)
                return full < LAYOUT_DEVICE_KEEP_W ? full : LAYOUT_DEVICE_KEEP_W;
        m = in->short_w[id] > 0 ? in->short_w[id] : layout_cols[id].min_w;
        return m < full ? m : full;
}

void layout_fit_cols(const struct layout_in *in, int width, struct layout *out)
{
        enum layout_col ids[LAYOUT_NCOLS];
        bool seen[LAYOUT_NCOLS] = {false};
        int w[LAYOUT_NCOLS];
        size_t n = 0, nwanted = 0;
        const enum layout_col *want = in->want;
        size_t nwant = in->nwant;
        int need, extra, x;

        if (!want) {
                want = layout_default;
                nwant = sizeof(layout_default) / sizeof(layout_default[0]);
        }
        /* the device column identifies a row: always shown, first unless placed */
        for (size_t i = 0; i < nwant; i++)
                if (want[i] == LAYOUT_COL_DEVICE)
                        seen[LAYOUT_COL_DEVICE] = true;
        if (!seen[LAYOUT_COL_DEVICE])
                ids[n++] = LAYOUT_COL_DEVICE;
        seen[LAYOUT_COL_DEVICE] = false;
        for (size_t i = 0; i < nwant; i++) {
                if ((unsigned)want[i] >= LAYOUT_NCOLS || seen[want[i]])
                        continue;
                seen[want[i]] = true;
                ids[n++] = want[i];
        }
        nwanted = n;

        /* drop the least important column until every other fits its short forms */
        for (;;) {
                size_t worst = n;

                need = 0;
                for (size_t i = 0; i < n; i++)
                        need += layout_col_min(in, ids[i]) + (i ? 1 : 0);
                if (need <= width || n <= 1)
                        break;
                for (size_t i = 0; i < n; i++) {
                        if (ids[i] == LAYOUT_COL_DEVICE)
                                continue;
                        if (worst == n ||
                            layout_cols[ids[i]].priority >= layout_cols[ids[worst]].priority)
                                worst = i;
                }
                if (worst == n)
                        break;
                memmove(&ids[worst], &ids[worst + 1], (n - worst - 1) * sizeof(ids[0]));
                n--;
        }
        out->ndropped = nwanted - n;

        for (size_t i = 0; i < n; i++)
                w[i] = layout_col_min(in, ids[i]);
        extra = width - need;
        if (extra < 0) {
                /* only the device column is left and even its minimum does not fit */
                w[0] = width > 0 ? width : 0;
                extra = 0;
        }
        /* the rest goes to the columns whose cells do not fit in full, most important first */
        for (int prio = 0; prio < LAYOUT_NCOLS && extra > 0; prio++) {
                for (size_t i = 0; i < n && extra > 0; i++) {
                        int add;

                        if (layout_cols[ids[i]].priority != prio)
                                continue;
                        add = layout_col_full(in, ids[i]) - w[i];
                        if (add > extra)
                                add = extra;
                        if (add > 0) {
                                w[i] += add;
                                extra -= add;
                        }
                }
        }

        x = 0;
        out->ncols = 0;
        for (size_t i = 0; i < n; i++) {
                struct layout_col_out *c = &out->col[out->ncols];

                if (w[i] <= 0)
                        continue;
                c->id = ids[i];
                c->x = x;
                c->w = w[i];
                c->truncated = w[i] < layout_col_full(in, ids[i]);
                x += w[i] + 1;
                out->ncols++;
        }
}

/* ---- short forms -------------------------------------------------------------------- */

static const struct {
        const char *word, *shrt;
} layout_shorts[] = {
    {"not_opened", "n/open"},    {"not_migrated", "n/migr"},  {"not_ready", "n/rdy"},
    {"mailbox_error", "mb/err"}, {"unread", "unread"},        {"incomplete", "incompl"},
    {"RUNNING_P2P", "RUN_P2P"},  {"PRE_COPY_P2P", "PRE_P2P"},
};

void layout_short_word(const char *word, char *out, size_t size)
{
        size_t len = strlen(word);

        if (size == 0)
                return;
        /* a trailing mark ("RESUMING!": stuck, "RUNNING?": stale) stays on the short form */
        if (len > 1 && len < 64 && (word[len - 1] == '!' || word[len - 1] == '?')) {
                char base[64];
                size_t n;

                memcpy(base, word, len - 1);
                base[len - 1] = '\0';
                layout_short_word(base, out, size);
                n = strlen(out);
                if (n + 1 < size)
                        snprintf(out + n, size - n, "%c", word[len - 1]);
                return;
        }
        for (size_t i = 0; i < sizeof(layout_shorts) / sizeof(layout_shorts[0]); i++)
                if (strcmp(word, layout_shorts[i].word) == 0) {
                        snprintf(out, size, "%s", layout_shorts[i].shrt);
                        return;
                }
        /* "ok 144B": the size alone says the read was fine */
        if (strncmp(word, "ok ", 3) == 0 && word[3] >= '0' && word[3] <= '9') {
                snprintf(out, size, "%s", word + 3);
                return;
        }
        snprintf(out, size, "%s", word);
}

/* ---- views -------------------------------------------------------------------------- */

static void layout_list(const struct layout_in *in, struct layout *out)
{
        const struct layout_rect *b = &out->body;
        size_t vis, maxscroll;

        out->list_title = layout_rect_make(b->y, b->x, 1, b->w);
        out->list = layout_rect_make(b->y + 1, b->x, b->h - 1, b->w);
        layout_fit_cols(in, out->list.w, out);

        vis = (size_t)out->list.h;
        if (in->ndev == 0 || vis == 0) {
                out->scroll = 0;
                return;
        }
        if (out->selected < out->scroll)
                out->scroll = out->selected;
        if (out->selected >= out->scroll + vis)
                out->scroll = out->selected - vis + 1;
        /* no blank rows below the last device after the terminal grew */
        maxscroll = in->ndev > vis ? in->ndev - vis : 0;
        if (out->scroll > maxscroll)
                out->scroll = maxscroll;
}

static void layout_set_pane(struct layout *out, int id, struct layout_rect r)
{
        struct layout_pane *p = &out->pane[out->npanes++];

        p->r = r;
        p->id = id;
        p->bpl = layout_hex_bpl(r.w);
}

static void layout_detail(struct layout *out)
{
        const struct layout_rect *b = &out->body;
        int sum_h, rest_y, rest_h;

        if (b->h >= LAYOUT_SUMMARY_H + LAYOUT_DETAIL_MIN_H)
                sum_h = LAYOUT_SUMMARY_H;
        else if (b->h >= LAYOUT_SUMMARY_MIN_H + LAYOUT_DETAIL_MIN_H)
                sum_h = LAYOUT_SUMMARY_MIN_H;
        else
                sum_h = b->h;
        layout_set_pane(out, LAYOUT_DETAIL_SUMMARY, layout_rect_make(b->y, b->x, sum_h, b->w));
        rest_y = b->y + sum_h;
        rest_h = b->h - sum_h;
        if (rest_h <= 0)
                return;

        if (b->w >= LAYOUT_HISTORY_MIN_W + 1 + LAYOUT_HEX_W(16)) {
                int hist_w = b->w - 1 - LAYOUT_HEX_W(16);

                if (hist_w > LAYOUT_HISTORY_MAX_W)
                        hist_w = LAYOUT_HISTORY_MAX_W;
                layout_set_pane(
                    out, LAYOUT_DETAIL_DATA,
                    layout_rect_make(rest_y, b->x + hist_w + 1, rest_h, b->w - hist_w - 1));
                layout_set_pane(out, LAYOUT_DETAIL_HISTORY,
                                layout_rect_make(rest_y, b->x, rest_h, hist_w));
        } else if (rest_h >= 2 * LAYOUT_DETAIL_MIN_H) {
                int hist_h = rest_h / 3;

                if (hist_h < LAYOUT_DETAIL_MIN_H)
                        hist_h = LAYOUT_DETAIL_MIN_H;
                layout_set_pane(out, LAYOUT_DETAIL_DATA,
                                layout_rect_make(rest_y, b->x, rest_h - hist_h, b->w));
                layout_set_pane(out, LAYOUT_DETAIL_HISTORY,
                                layout_rect_make(rest_y + rest_h - hist_h, b->x, hist_h, b->w));
        } else {
                layout_set_pane(out, LAYOUT_DETAIL_DATA,
                                layout_rect_make(rest_y, b->x, rest_h, b->w));
        }
}

/* n panes side by side in r, one empty column between them, widths differing by <= 1. */
static void layout_row_of_panes(struct layout *out, const struct layout_rect *r, int first, int n)
{
        int avail = r->w - (n - 1), x = r->x;

        for (int i = 0; i < n; i++) {
                int w = avail / n + (i < avail % n ? 1 : 0);

                layout_set_pane(out, first + i, layout_rect_make(r->y, x, r->h, w));
                x += w + 1;
        }
}

static void layout_compare(const struct layout_in *in, struct layout *out)
{
        const struct layout_rect *b = &out->body;
        int pw = in->view == LAYOUT_VIEW_COMPARE_HEX ? LAYOUT_HEX_W(16) : LAYOUT_DECODED_MIN_W;

        if (b->w >= 4 * pw + 3) {
                out->mode = LAYOUT_COMPARE_QUAD;
                out->npages = 1;
        } else if (b->w >= 2 * pw + 1 && b->h >= 2 * LAYOUT_PANE_MIN_H) {
                out->mode = LAYOUT_COMPARE_GRID;
                out->npages = 1;
        } else if (b->w >= 2 * pw + 1) {
                out->mode = LAYOUT_COMPARE_PAIR;
                out->npages = 2;
        } else {
                out->mode = LAYOUT_COMPARE_SINGLE;
                out->npages = LAYOUT_NPANES;
        }
        out->page = in->page < 0 ? 0 : in->page >= out->npages ? out->npages - 1 : in->page;

        switch (out->mode) {
        case LAYOUT_COMPARE_QUAD:
                layout_row_of_panes(out, b, LAYOUT_PANE_SRC_DEV_DATA, LAYOUT_NPANES);
                break;
        case LAYOUT_COMPARE_GRID: {
                int top_h = b->h / 2;
                struct layout_rect top = layout_rect_make(b->y, b->x, top_h, b->w);
                struct layout_rect bot = layout_rect_make(b->y + top_h, b->x, b->h - top_h, b->w);

                layout_row_of_panes(out, &top, LAYOUT_PANE_SRC_DEV_DATA, 2);
                layout_row_of_panes(out, &bot, LAYOUT_PANE_SRC_MIGF_DATA, 2);
                break;
        }
        case LAYOUT_COMPARE_PAIR:
                layout_row_of_panes(out, b, out->page * 2, 2);
                break;
        case LAYOUT_COMPARE_SINGLE:
                layout_set_pane(out, out->page, *b);
                break;
        }
}

void layout_compute(const struct layout_in *in, struct layout *out)
{
        int rows = in->rows, cols = in->cols, bottom;

        memset(out, 0, sizeof(*out));
        out->npages = 1;
        if (in->ndev > 0)
                out->selected = in->selected < in->ndev ? in->selected : in->ndev - 1;
        out->scroll = in->ndev > 0 && in->scroll < in->ndev ? in->scroll : 0;

        if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
                int h = rows < 2 ? rows : 2;

                out->too_small = true;
                if (rows > 0 && cols > 0)
                        out->message = layout_rect_make((rows - h) / 2, 0, h, cols);
                return;
        }

        out->header = layout_rect_make(0, 0, 1, cols);
        out->footer = layout_rect_make(rows - 1, 0, 1, cols);
        bottom = rows - 1;
        if (rows >= LAYOUT_STATUS_MIN_ROWS) {
                out->status = layout_rect_make(rows - 2, 0, 1, cols);
                bottom = rows - 2;
        }
        if (in->host_rows > 0) {
                int h = bottom - 1 - LAYOUT_HOSTS_BODY_MIN;

                h = in->host_rows < h ? in->host_rows : h;
                if (h > 0)
                        out->hosts = layout_rect_make(1, 0, h, cols);
        }
        out->body = layout_rect_make(1 + out->hosts.h, 0, bottom - 1 - out->hosts.h, cols);

        switch (in->view) {
        case LAYOUT_VIEW_LIST:
                layout_list(in, out);
                break;
        case LAYOUT_VIEW_DETAIL:
                layout_detail(out);
                break;
        case LAYOUT_VIEW_COMPARE_DECODED:
        case LAYOUT_VIEW_COMPARE_HEX:
                layout_compare(in, out);
                break;
        case LAYOUT_VIEW_HELP:
        default:
                break;
        }
}

/* ---- text fitting ------------------------------------------------------------------- */

/* Byte offset just past the first n code points of s (len bytes). */
static size_t layout_cp_prefix(const char *s, size_t len, int n)
{
        size_t i = 0;

        while (i < len && n > 0) {
                i++;
                while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
                        i++;
                n--;
        }
        return i;
}

static int layout_cp_count(const char *s, size_t len)
{
        int n = 0;

        for (size_t i = 0; i < len; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80)
                        n++;
        return n;
}

int layout_ellipsize(const char *s, int width, enum layout_ellipsis mode, bool utf8, char *out,
                     size_t outsz)
{
        const char *ell = glyph(GLYPH_ELLIPSIS, utf8);
        size_t len = strlen(s), ell_len = strlen(ell), head_b, tail_b, need;
        int ncp = layout_cp_count(s, len), keep, head, tail;

        if (outsz == 0)
                return -ENOSPC;
        if (width <= 0) {
                out[0] = '\0';
                return 0;
        }
        if (ncp <= width) {
                if (len + 1 > outsz)
                        return -ENOSPC;
                memcpy(out, s, len + 1);
                return ncp;
        }
        keep = width - 1;
        if (mode == LAYOUT_ELLIPSIS_MIDDLE) {
                tail = keep / 2;
                head = keep - tail;
        } else {
                head = keep;
                tail = 0;
        }
        head_b = layout_cp_prefix(s, len, head);
        tail_b = len - layout_cp_prefix(s, len, ncp - tail);
        need = head_b + ell_len + tail_b + 1;
        if (need > outsz)
                return -ENOSPC;
        memcpy(out, s, head_b);
        memcpy(out + head_b, ell, ell_len);
        memcpy(out + head_b + ell_len, s + len - tail_b, tail_b);
        out[need - 1] = '\0';
        return width;
}
