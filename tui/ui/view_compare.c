/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_compare: source and destination side by side (see view_compare.h), drawn from the
 * pure compare model (cmpmodel.h): panes SRC/DST dev_data and SRC/DST migf_data, each
 * compared with its peer on the other side.  v->diff_cur is the row (decoded) or the hex
 * row of the current difference; n/N move it with cmpm_next().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/pair.h"
#include "ui/cmpmodel.h"
#include "ui/draw.h"
#include "ui/glyph.h"
#include "ui/pairside.h"
#include "ui/view_compare.h"

struct vc {
        struct pairside_cmp pc; /* the model points into it */
        struct cmpm_model m;
};

static enum cmpm_view vc_mode(const struct views *v)
{
        return v->hex ? CMPM_HEX : CMPM_DECODED;
}

/* 0 or -ENOMEM; vc_free() in both cases. */
static int vc_build(const struct views *v, struct vc *c)
{
        long s = v->snap ? engine_snap_find(v->snap, v->src) : -1;
        long d = v->snap ? engine_snap_find(v->snap, v->dst) : -1;
        const struct tree_dev *sd = s >= 0 ? &v->snap->tree.devs[s] : NULL;
        const struct tree_dev *dd = d >= 0 ? &v->snap->tree.devs[d] : NULL;
        bool have = false;

        memset(c, 0, sizeof(*c));
        if (sd && dd) {
                if (views_compare(v, (size_t)s, (size_t)d, &c->pc) < 0)
                        return -ENOMEM;
                have = true;
        }
        return cmpm_build(&c->m, sd, dd, have ? &c->pc.res : NULL, CMPM_VS_PEER);
}

static void vc_free(struct vc *c)
{
        cmpm_free(&c->m);
        pairside_free(&c->pc);
}

/* ---- layout ------------------------------------------------------------------------- */

/* Rows of the verdict panel: its lines, at most a quarter of the screen. */
static int vc_verdict_h(const struct views *v, const struct cmpm_model *m)
{
        int want = 1 + (int)m->nlines, cap = v->rows / 4;

        if (want > cap)
                want = cap;
        if (want < 1 || v->rows - want < LAYOUT_MIN_ROWS)
                return 0;
        return want;
}

static void vc_layout(struct views *v, const struct cmpm_model *m, struct layout *l)
{
        int vh = vc_verdict_h(v, m), rows = v->rows;

        v->rows = rows - vh;
        views_layout(v, v->hex ? LAYOUT_VIEW_COMPARE_HEX : LAYOUT_VIEW_COMPARE_DECODED, l);
        v->rows = rows;
        if (l->too_small || vh == 0)
                return;
        l->footer.y += vh;
        if (l->status.h > 0)
                l->status.y += vh;
}

void view_compare_layout(struct views *v, struct layout *l)
{
        struct vc c;

        vc_build(v, &c);
        vc_layout(v, &c.m, l);
        vc_free(&c);
}

/* ---- panes -------------------------------------------------------------------------- */

static void vc_pane_title(const struct cmpm_pane *p, const struct layout_rect *r)
{
        draw_title(r, "%s  %s  %s%s", p->title, p->dev ? p->dev : "-",
                   p->ok ? "ok" : drv_status_name(p->status), p->used ? "  (checked)" : "");
}

static void vc_cell_text(const struct cmpm_pane *p, const struct cmpm_cell *c, char *buf,
                         size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        if (c->not_carried) {
                snprintf(buf, size, "%s%s", CMPM_NOT_IN, p->file);
                return;
        }
        for (unsigned k = 0; k < c->count && used + 1 < size; k++) {
                int n = snprintf(buf + used, size - used, "%s%s%s",
                                 k == 0 && c->count > 1 ? "["
                                 : k                    ? " "
                                                        : "",
                                 c->val[k], k + 1 == c->count && c->count > 1 ? "]" : "");

                if (n < 0 || (size_t)n >= size - used)
                        return;
                used += (size_t)n;
        }
        if (c->note && used + 1 < size)
                snprintf(buf + used, size - used, " (%s)", c->note);
}

static void vc_pane_decoded(const struct views *v, const struct cmpm_model *m,
                            const struct cmpm_pane *p, const struct layout_rect *r)
{
        char val[ACC_MAX_ELEMS * CMPM_VAL_LEN + 96];

        for (int row = 0; row < r->h - 1; row++) {
                size_t k = (size_t)(v->cmp_scroll + row);
                const struct cmpm_row *rw;
                const struct cmpm_cell *c;
                bool marked;

                if (k >= m->nrows)
                        break;
                rw = &m->rows[k];
                c = &p->cells[k];
                if (!c->present && !c->not_carried)
                        continue;
                vc_cell_text(p, c, val, sizeof(val));
                marked = c->mismatch || c->rejects;
                draw_field_row_elem(r->y + 1 + row, r->x, r->w,
                                    marked           ? THEME_DIFF_FIELD
                                    : c->not_carried ? THEME_STATUS_ABSENT
                                                     : THEME_NORMAL,
                                    rw->field, rw->line ? -1 : (int)rw->offset, val, marked,
                                    v->diff_cur == (long)k);
        }
}

static void vc_pane_hex(const struct views *v, const struct cmpm_model *m,
                        const struct cmpm_pane *p, const struct layout_pane *lp)
{
        int per = lp->bpl > 0 ? CMPM_HEX_COLS / lp->bpl : 0;
        unsigned mask;

        if (per <= 0)
                return;
        mask = (1u << lp->bpl) - 1;
        for (int row = 0; row < lp->r.h - 1; row++) {
                size_t sr = (size_t)(v->cmp_scroll + row), hr = sr / (size_t)per;
                int part = (int)(sr % (size_t)per) * lp->bpl;
                const struct cmpm_hex *h;

                if (hr >= m->nhex)
                        break;
                h = &p->hex[hr];
                draw_hex_row(lp->r.y + 1 + row, lp->r.x, hr * CMPM_HEX_COLS + (size_t)part,
                             &h->byte[part], lp->bpl, (h->present >> part) & mask,
                             (h->diff >> part) & mask, v->diff_cur == (long)hr);
        }
}

static void vc_pane(const struct views *v, const struct cmpm_model *m, const struct layout_pane *lp)
{
        const struct cmpm_pane *p = &m->pane[lp->id];

        vc_pane_title(p, &lp->r);
        if (!p->ok) {
                if (lp->r.h > 1)
                        draw_text(lp->r.y + 1, lp->r.x, lp->r.w, draw_status_elem(p->status),
                                  p->status_line, false);
                return;
        }
        if (v->hex)
                vc_pane_hex(v, m, p, lp);
        else
                vc_pane_decoded(v, m, p, &lp->r);
}

/* ---- verdict panel ------------------------------------------------------------------ */

static void vc_verdict_head(const struct views *v, const struct cmpm_model *m,
                            const struct layout *l, int y)
{
        char buf[512], page[48] = "";
        enum theme_elem e = THEME_STATUS_WARN;

        if (l->npages > 1)
                snprintf(page, sizeof(page), "page %d/%d (Tab) | ", l->page + 1, l->npages);
        if (!m->dir) {
                snprintf(buf, sizeof(buf), "%sverdict: cannot compare%s%s", page,
                         m->msg[0] ? ": " : "", m->msg);
        } else {
                if (m->verdict == MATCH_ACCEPT)
                        e = THEME_VERDICT_ACCEPT;
                else if (m->verdict == MATCH_REJECT)
                        e = THEME_VERDICT_REJECT;
                size_t nd = cmpm_ndiff(m, vc_mode(v));

                snprintf(buf, sizeof(buf), "%sverdict: %s (%s)  %s, %zu difference%s", page,
                         match_verdict_name(m->verdict), m->summary, m->dir, nd,
                         nd == 1 ? "" : "s");
        }
        draw_text(y, l->body.x, l->body.w, e, buf, true);
}

static enum theme_elem vc_check_elem(enum check_verdict cv)
{
        return cv == CHECK_PASS   ? THEME_VERDICT_ACCEPT
               : cv == CHECK_FAIL ? THEME_VERDICT_REJECT
                                  : THEME_STATUS_WARN;
}

static const char *vc_check_mark(const struct views *v, enum check_verdict cv)
{
        if (cv == CHECK_PASS)
                return glyph(GLYPH_PASS, v->utf8);
        if (cv == CHECK_FAIL)
                return glyph(GLYPH_FAIL, v->utf8);
        return "?";
}

/* One line of the verdict panel at row y. */
static void vc_verdict_line(const struct views *v, const struct layout *l, int y,
                            const struct cmpm_line *ln)
{
        int x = l->body.x, w = l->body.w;

        switch (ln->kind) {
        case CMPM_LINE_CHECK:
                draw_textf(y, x, w, vc_check_elem(ln->verdict), "%s %s",
                           vc_check_mark(v, ln->verdict), ln->text);
                break;
        case CMPM_LINE_KERNEL:
                draw_text(y, x + 4, w - 4, ln->level <= 3 ? THEME_STATUS_ERROR : THEME_STATUS_WARN,
                          ln->text, false);
                break;
        default:
                draw_textf(y, x, w, THEME_DIFF_FIELD, "  %s %s", glyph(GLYPH_DIFF, v->utf8),
                           ln->text);
                break;
        }
}

static void vc_verdict(const struct views *v, const struct cmpm_model *m, const struct layout *l)
{
        int y = l->body.y + l->body.h;
        int end = l->status.h > 0 ? l->status.y : l->footer.y;

        if (y >= end)
                return;
        vc_verdict_head(v, m, l, y++);
        for (unsigned k = 0; k < m->nlines && y < end; k++)
                vc_verdict_line(v, l, y++, &m->lines[k]);
}

/* Scrolled no further than the last row at the bottom of the panes (End, PgDn). */
static void vc_clamp_scroll(struct views *v, const struct cmpm_model *m, const struct layout *l)
{
        int h = l->npanes ? l->pane[0].r.h - 1 : 0, per = 1, total, max;

        if (v->hex && l->npanes && l->pane[0].bpl > 0)
                per = CMPM_HEX_COLS / l->pane[0].bpl;
        total = (int)cmpm_rows(m, vc_mode(v)) * per;
        max = total - h > 0 ? total - h : 0;
        if (v->cmp_scroll > max)
                v->cmp_scroll = max;
        if (v->cmp_scroll < 0)
                v->cmp_scroll = 0;
}

void view_compare_draw(struct views *v, const struct layout *l)
{
        struct vc c;

        if (vc_build(v, &c) < 0) {
                draw_text(l->body.y, l->body.x, l->body.w, THEME_MESSAGE, "out of memory", false);
                vc_free(&c);
                return;
        }
        if (v->diff_cur >= (long)cmpm_rows(&c.m, vc_mode(v)))
                v->diff_cur = -1;
        vc_clamp_scroll(v, &c.m, l);
        for (size_t p = 0; p < l->npanes; p++)
                vc_pane(v, &c.m, &l->pane[p]);
        vc_verdict(v, &c.m, l);
        vc_free(&c);
}

/* ---- stepping through differences --------------------------------------------------- */

/* Whether pane group g (0: dev_data, 1: migf_data) marks row r of the current mode. */
static bool vc_group_marks(const struct views *v, const struct cmpm_model *m, int g, size_t r)
{
        for (int k = 0; k < 2; k++) {
                const struct cmpm_pane *p = &m->pane[2 * g + k];

                if (!p->ok)
                        continue;
                if (v->hex ? p->hex[r].diff != 0 : p->cells[r].mismatch || p->cells[r].rejects)
                        return true;
        }
        return false;
}

/* Page and scroll so that the difference at row r shows. */
static void vc_show(struct views *v, const struct cmpm_model *m, const struct layout *l, size_t r)
{
        int g = vc_group_marks(v, m, 0, r) ? 0 : 1, h = 1, per = 1, row;

        if (l->mode == LAYOUT_COMPARE_PAIR)
                v->page = g;
        else if (l->mode == LAYOUT_COMPARE_SINGLE)
                v->page = 2 * g;
        for (size_t p = 0; p < l->npanes; p++) {
                h = l->pane[p].r.h - 1;
                if (v->hex && l->pane[p].bpl > 0)
                        per = CMPM_HEX_COLS / l->pane[p].bpl;
        }
        row = (int)r * per;
        if (row < v->cmp_scroll || row + per > v->cmp_scroll + h)
                v->cmp_scroll = row - h / 2 > 0 ? row - h / 2 : 0;
}

static size_t vc_rank(const struct cmpm_model *m, enum cmpm_view mode, size_t r)
{
        const size_t *d = mode == CMPM_HEX ? m->diff_hex : m->diff_dec;
        size_t n = cmpm_ndiff(m, mode), k = 0;

        while (k < n && d[k] < r)
                k++;
        return k + 1;
}

bool view_compare_step(struct views *v, const struct layout *l, int dir)
{
        struct vc c;
        long r;

        vc_build(v, &c);
        r = cmpm_next(&c.m, vc_mode(v), v->diff_cur, dir);
        v->diff_cur = r;
        if (r >= 0) {
                vc_show(v, &c.m, l, (size_t)r);
                snprintf(v->status, sizeof(v->status), "difference %zu of %zu",
                         vc_rank(&c.m, vc_mode(v), (size_t)r), cmpm_ndiff(&c.m, vc_mode(v)));
        }
        vc_free(&c);
        return r >= 0;
}
