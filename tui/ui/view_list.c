/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_list: the device list (see view_list.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pair.h"
#include "ui/draw.h"
#include "ui/view_list.h"

#define VIEW_LIST_AGE_W 6

struct view_list_ctx {
        struct views *v;
        bool have_pair;
        enum match_verdict verdict;
};

/* Terminal cells of a cell's text (one per code point). */
static int view_list_width(const char *s)
{
        int n = 0;

        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        return n;
}

/* The short form of a cell (in place). */
static void view_list_shorten(char *buf, size_t size)
{
        char tmp[64];

        if (strlen(buf) >= sizeof(tmp))
                return;
        layout_short_word(buf, tmp, sizeof(tmp));
        snprintf(buf, size, "%s", tmp);
}

static enum theme_elem view_list_file_cell(const struct drv_file *f, bool len, char *buf,
                                           size_t size)
{
        if (!f) {
                snprintf(buf, size, "-");
                return THEME_STATUS_ABSENT;
        }
        if (f->status == DRV_ST_OK && len && f->bytes)
                snprintf(buf, size, "ok %zuB", f->len);
        else
                snprintf(buf, size, "%s", drv_status_name(f->status));
        return draw_status_elem(f->status);
}

static void view_list_features(unsigned f, char *buf, size_t size)
{
        fsm_features_format(f, buf, size);
}

/* The pair's verdict on its two rows; "-" elsewhere (no pair marked, or not in it). */
static enum theme_elem view_list_match(const struct view_list_ctx *c, const char *name, char *buf,
                                       size_t size)
{
        if (!c->have_pair || views_role(c->v, name) == ' ') {
                snprintf(buf, size, "-");
                return THEME_STATUS_ABSENT;
        }
        snprintf(buf, size, "%s", match_verdict_name(c->verdict));
        if (c->verdict == MATCH_ACCEPT)
                return THEME_VERDICT_ACCEPT;
        return c->verdict == MATCH_REJECT ? THEME_VERDICT_REJECT : THEME_STATUS_WARN;
}

/* Text and style of one cell of snapshot device i. */
static enum theme_elem view_list_cell(const struct view_list_ctx *c, size_t i, enum layout_col col,
                                      char *buf, size_t size)
{
        const struct views *v = c->v;
        const struct tree_dev *d = &v->snap->tree.devs[i];
        const struct engine_dev_info *in = &v->snap->info[i];
        struct views_host h = {.label = v->host};

        buf[0] = '\0';
        if (v->host_of && (col == LAYOUT_COL_STATE || col == LAYOUT_COL_HOST))
                v->host_of(v->host_arg, d->name, &h);
        switch (col) {
        case LAYOUT_COL_DEVICE:
                /* the second cell is the alert mark (view_list_row draws it) */
                snprintf(buf, size, "%c %s", views_role(v, d->name), d->name);
                return in->gone ? THEME_STATUS_ABSENT : THEME_LIST_ROW;
        case LAYOUT_COL_STATE:
                if (in->gone)
                        snprintf(buf, size, "gone");
                else if (d->state_file.status != DRV_ST_OK)
                        snprintf(buf, size, "%s", drv_status_name(d->state_file.status));
                else
                        snprintf(buf, size, "%s", fsm_state_name(d->state));
                /* --host: a host that is not connected: what it said last, "RUNNING?" dimmed */
                if (h.stale) {
                        size_t n = strlen(buf);

                        snprintf(buf + n, size - n, "?");
                        return THEME_STATUS_ABSENT;
                }
                /* stuck (engine_opts.stuck): "RESUMING!" in the warning style */
                if (!in->gone && in->stuck) {
                        size_t n = strlen(buf);

                        snprintf(buf + n, size - n, "!");
                        return THEME_STATUS_WARN;
                }
                return in->gone                            ? THEME_STATUS_ABSENT
                       : d->state_file.status == DRV_ST_OK ? draw_state_elem(d->state)
                                                           : draw_status_elem(d->state_file.status);
        case LAYOUT_COL_AGE:
                if (in->have_state)
                        draw_age(views_state_age(v, i), buf, size);
                return THEME_LIST_ROW;
        case LAYOUT_COL_DRIVER:
                snprintf(buf, size, "%s", views_driver(d));
                return THEME_LIST_ROW;
        case LAYOUT_COL_DEV_DATA:
                return view_list_file_cell(views_dev_file(d, "dev_data"), false, buf, size);
        case LAYOUT_COL_MIGF_DATA:
                return view_list_file_cell(views_dev_file(d, "migf_data"), true, buf, size);
        case LAYOUT_COL_CMD_STATE:
                return view_list_file_cell(views_dev_file(d, "cmd_state"), false, buf, size);
        case LAYOUT_COL_MATCH:
                return view_list_match(c, d->name, buf, size);
        case LAYOUT_COL_CHANGES:
                snprintf(buf, size, "%" PRIu64, in->transitions);
                return THEME_LIST_ROW;
        case LAYOUT_COL_FEATURES:
                view_list_features(d->features, buf, size);
                return THEME_LIST_ROW;
        case LAYOUT_COL_HOST:
                if (!h.stale) {
                        snprintf(buf, size, "%s", h.label ? h.label : "local");
                        return THEME_LIST_ROW;
                }
                snprintf(buf, size, "%s stale %llds", h.label ? h.label : "?",
                         (long long)(h.age_ms / 1000));
                return THEME_STATUS_WARN;
        default:
                return THEME_LIST_ROW;
        }
}

static void view_list_row(const struct view_list_ctx *c, const struct layout *l, int y, size_t pos)
{
        const struct views *v = c->v;
        size_t i = v->order[pos];
        bool sel = pos == v->sel;
        char buf[VIEWS_NAME_MAX + 8];

        draw_fill(&(struct layout_rect){y, l->list.x, 1, l->list.w},
                  sel ? THEME_LIST_SELECTED : THEME_LIST_ROW);
        for (size_t k = 0; k < l->ncols; k++) {
                const struct layout_col_out *co = &l->col[k];
                enum theme_elem e = view_list_cell(c, i, co->id, buf, sizeof(buf));

                if (sel)
                        e = THEME_LIST_SELECTED;
                if (co->id != LAYOUT_COL_DEVICE && view_list_width(buf) > co->w)
                        view_list_shorten(buf, sizeof(buf));
                draw_text_mode(y, l->list.x + co->x, co->w, e, buf,
                               layout_col_get(co->id)->ellipsis);
                if (co->id == LAYOUT_COL_DEVICE && co->w >= 2 &&
                    views_alert(v, i, c->have_pair ? &c->verdict : NULL, NULL, 0))
                        draw_text(y, l->list.x + co->x + 1, 1, THEME_STATUS_ERROR, "!", false);
        }
}

static const enum layout_col view_list_sort_col[VIEWS_NSORT] = {
    [VIEWS_SORT_NAME] = LAYOUT_COL_DEVICE,   [VIEWS_SORT_STATE] = LAYOUT_COL_STATE,
    [VIEWS_SORT_AGE] = LAYOUT_COL_AGE,       [VIEWS_SORT_CHANGES] = LAYOUT_COL_CHANGES,
    [VIEWS_SORT_DRIVER] = LAYOUT_COL_DRIVER,
};

/* A column's heading, full or short; the sort column is marked with a trailing '*'. */
static void view_list_title(const struct views *v, enum layout_col id, bool shrt, char *buf,
                            size_t size)
{
        const struct layout_col_info *ci = layout_col_get(id);

        snprintf(buf, size, "%s%s%s", id == LAYOUT_COL_DEVICE ? "  " : "",
                 shrt ? ci->short_title : ci->title, view_list_sort_col[v->sort] == id ? "*" : "");
}

static void view_list_titles(const struct views *v, const struct layout *l)
{
        char buf[32];

        draw_fill(&l->list_title, THEME_LIST_HEADER);
        for (size_t k = 0; k < l->ncols; k++) {
                const struct layout_col_out *co = &l->col[k];

                view_list_title(v, co->id, false, buf, sizeof(buf));
                if (view_list_width(buf) > co->w)
                        view_list_title(v, co->id, true, buf, sizeof(buf));
                draw_text(l->list_title.y, l->list_title.x + co->x, co->w, THEME_LIST_HEADER, buf,
                          false);
        }
}

static void view_list_pair(struct view_list_ctx *c)
{
        c->have_pair = views_pair_verdict(c->v, &c->verdict);
}

void view_list_measure(struct views *v)
{
        struct view_list_ctx c = {.v = v};
        char buf[VIEWS_NAME_MAX + 8];

        memset(v->col_full, 0, sizeof(v->col_full));
        memset(v->col_short, 0, sizeof(v->col_short));
        for (int id = 0; id < LAYOUT_NCOLS; id++) {
                view_list_title(v, (enum layout_col)id, false, buf, sizeof(buf));
                v->col_full[id] = view_list_width(buf);
                view_list_title(v, (enum layout_col)id, true, buf, sizeof(buf));
                v->col_short[id] = view_list_width(buf);
        }
        /* ages grow up to "12m05s": a column that does not jump as they do */
        v->col_full[LAYOUT_COL_AGE] = v->col_short[LAYOUT_COL_AGE] = VIEW_LIST_AGE_W;
        if (v->norder == 0)
                return;
        view_list_pair(&c);
        for (size_t pos = 0; pos < v->norder; pos++) {
                for (size_t k = 0; k < v->ncols_want; k++) {
                        enum layout_col id = v->cols_want[k];
                        int n;

                        if ((unsigned)id >= LAYOUT_NCOLS)
                                continue;
                        view_list_cell(&c, v->order[pos], id, buf, sizeof(buf));
                        n = view_list_width(buf);
                        if (n > v->col_full[id])
                                v->col_full[id] = n;
                        if (id != LAYOUT_COL_DEVICE)
                                view_list_shorten(buf, sizeof(buf));
                        n = view_list_width(buf);
                        if (n > v->col_short[id])
                                v->col_short[id] = n;
                }
        }
}

/* text word-wrapped into the rows of r from row y (long words are cut); rows used. */
static int view_list_wrap(const struct layout_rect *r, int y, int x, enum theme_elem e,
                          const char *text)
{
        int w = r->x + r->w - x, rows = 0;
        char line[VIEWS_STATUS_MAX];

        while (*text && y + rows < r->y + r->h && w > 0) {
                size_t len = strlen(text), cut = len;

                if ((int)len > w) {
                        cut = (size_t)w;
                        while (cut > 0 && text[cut] != ' ')
                                cut--;
                        if (cut == 0)
                                cut = (size_t)w;
                }
                if (cut >= sizeof(line))
                        cut = sizeof(line) - 1;
                memcpy(line, text, cut);
                line[cut] = '\0';
                draw_text(y + rows, x, w, e, line, false);
                rows++;
                text += cut;
                while (*text == ' ')
                        text++;
        }
        return rows;
}

void view_list_draw(struct views *v, const struct layout *l)
{
        struct view_list_ctx c = {.v = v};

        view_list_titles(v, l);
        if (!v->snap && v->root_msg[0]) {
                view_list_wrap(&l->list, l->list.y, l->list.x + 2, THEME_STATUS_ERROR, v->root_msg);
                return;
        }
        if (v->norder == 0) {
                draw_text(l->list.y, l->list.x + 2, l->list.w - 2, THEME_MESSAGE,
                          !v->snap            ? "waiting for the first scan..."
                          : v->snap->tree.err ? v->snap->tree.msg
                          : v->filter[0]      ? "no device matches the filter (Esc clears it)"
                                              : "no vfio device with migration found",
                          false);
                return;
        }
        view_list_pair(&c);
        for (int r = 0; r < l->list.h; r++) {
                size_t pos = v->scroll + (size_t)r;

                if (pos >= v->norder)
                        break;
                view_list_row(&c, l, l->list.y + r, pos);
        }
}

long view_list_hit(const struct views *v, const struct layout *l, int y)
{
        long pos;

        if (y < l->list.y || y >= l->list.y + l->list.h)
                return -1;
        pos = (long)v->scroll + (y - l->list.y);
        return pos < (long)v->norder ? pos : -1;
}
