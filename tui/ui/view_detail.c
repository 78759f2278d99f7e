/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view_detail: one device in full (see view_detail.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "ui/draw.h"
#include "ui/glyph.h"
#include "ui/timeline.h"
#include "ui/view_detail.h"

/* Lines of a scrolled pane: the first `skip` are scrolled away, row counts them all. */
struct view_detail_out {
        const struct layout_rect *r; /* content rows start at r->y + 1 (below the title) */
        int skip, row;
        int limit; /* > 0: lines past this many (after skip) are dropped */
};

/* Screen row for the next line, or -1 when it is scrolled away or below the pane. */
static int view_detail_next(struct view_detail_out *o)
{
        int k = o->row++ - o->skip;

        if (k < 0 || k >= o->r->h - 1 || (o->limit > 0 && k >= o->limit))
                return -1;
        return o->r->y + 1 + k;
}

static void view_detail_line(struct view_detail_out *o, int indent, enum theme_elem e,
                             const char *text)
{
        int y = view_detail_next(o);

        if (y >= 0)
                draw_text(y, o->r->x + indent, o->r->w - indent, e, text, false);
}

/* When the device was first seen (or vanished), and its most useful error. */
static void view_detail_seen(const struct views *v, size_t i, const struct layout_rect *r, int y)
{
        const struct engine_dev_info *in = &v->snap->info[i];
        char t[32], buf[320], eb[256];
        const char *err = views_error_text(v, i, eb, sizeof(eb));

        if (y >= r->y + r->h)
                return;
        views_clock(v, in->gone ? in->gone_ns : in->seen_ns, t, sizeof(t));
        snprintf(buf, sizeof(buf), "%s %s%s%s", in->gone ? "gone at" : "seen since", t,
                 err[0] ? "  |  last error: " : "", err);
        draw_text(y, r->x, r->w, err[0] ? THEME_STATUS_ERROR : THEME_NORMAL, buf, false);
}

static void view_detail_summary(const struct views *v, size_t i, const struct layout_rect *r)
{
        const struct tree_dev *d = &v->snap->tree.devs[i];
        const struct engine_dev_info *in = &v->snap->info[i];
        const struct engine_sys *es = engine_dev_sys(in);
        char age[32], buf[256], feats[96], sys[400] = "";
        int y = r->y + 1, x = r->x;

        draw_age(views_state_age(v, i), age, sizeof(age));
        if (es->known)
                snprintf(sys, sizeof(sys), "  %s, %s, IOMMU group %d, node %d%s%s",
                         es->driver[0] ? es->driver : "unbound", es->name[0] ? es->name : "?",
                         es->iommu_group, es->numa_node, es->parent[0] ? ", parent " : "",
                         es->parent);
        draw_title(r, "%c %s  (%s)%s%s", views_role(v, d->name), d->name, views_driver(d), sys,
                   in->gone ? "  GONE" : "");
        if (r->h < 2)
                return;
        x += draw_text(y, x, r->w, THEME_NORMAL, "state ", false);
        x += draw_text(y, x, r->x + r->w - x, draw_state_elem(d->state), fsm_state_name(d->state),
                       false);
        fsm_features_format(d->features, feats, sizeof(feats));
        snprintf(buf, sizeof(buf), "  for %s  |  %" PRIu64 " changes  |  features: %s", age,
                 in->transitions, feats);
        draw_text(y, x, r->x + r->w - x, THEME_NORMAL, buf, false);
        for (int k = 0; k < 2 && r->h > 2 + k; k++) {
                const struct drv_file *f = k == 0 ? &d->state_file : &d->features_file;

                snprintf(buf, sizeof(buf), "%-9s %s%s%s", f->name ? f->name : "?",
                         drv_status_name(f->status), drv_file_msg(f)[0] ? ": " : "",
                         drv_file_msg(f));
                draw_text(y + 1 + k, r->x, r->w, draw_status_elem(f->status), buf, false);
        }
        view_detail_seen(v, i, r, y + 3);
}

static void view_detail_file_head(struct view_detail_out *o, const struct views *v, size_t i,
                                  const char *dir, const struct drv_file *f)
{
        const struct engine_file_info *fi = engine_snap_file_info(v->snap, i, dir, f->name);
        char buf[400], extra[64] = "";

        if (fi && fi->blocked) {
                char age[32];

                /* as of this redraw, not of the snapshot: it grows while nothing else changes */
                draw_age(v->now_ns - fi->started_ns, age, sizeof(age));
                snprintf(extra, sizeof(extra), " (blocked for %s)", age);
        }
        if (f->status == DRV_ST_BLOCKED && fi && fi->blocked)
                /* the engine's message froze the wait at the deadline: say it as of now */
                snprintf(buf, sizeof(buf), "%s/%s: blocked: no answer%s", dir, f->name, extra);
        else if (f->status == DRV_ST_OK && f->bytes)
                snprintf(buf, sizeof(buf), "%s/%s: ok, %zu bytes%s%s%s", dir, f->name, f->len,
                         f->has_fields ? ", layout " : "",
                         f->has_fields ? acc_layout_name(drv_fields(f)->layout) : "", extra);
        else
                snprintf(buf, sizeof(buf), "%s/%s: %s%s%s%s", dir, f->name,
                         drv_status_name(f->status), drv_file_msg(f)[0] ? ": " : "",
                         drv_file_msg(f), extra);
        view_detail_line(o, 0, draw_status_elem(f->status), buf);
}

static void view_detail_text(struct view_detail_out *o, const struct drv_file *f)
{
        const char *p = f->text, *end = f->text ? f->text + f->text_len : NULL;
        char line[256];

        while (p && p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

                snprintf(line, sizeof(line), "%.*s", (int)(n < 255 ? n : 255), p);
                view_detail_line(o, 2, THEME_NORMAL, line);
                p += n + 1;
        }
}

static void view_detail_field(struct view_detail_out *o, const struct acc_field *f)
{
        char val[200];
        int y = view_detail_next(o);

        if (y < 0)
                return;
        draw_field_value(f, val, sizeof(val));
        if (strcmp(f->name, "vf_qm_state") == 0 && (f->valid_mask & 1u) &&
            acc_qm_state_meaning(f->value[0])) {
                size_t n = strlen(val);

                snprintf(val + n, sizeof(val) - n, " (%s)", acc_qm_state_meaning(f->value[0]));
        }
        draw_field_row(y, o->r->x + 1, o->r->w - 1, f->name, f->offset, val, false, false);
}

static void view_detail_file(struct view_detail_out *o, const struct views *v, size_t i,
                             const char *dir, const struct drv_file *f)
{
        view_detail_file_head(o, v, i, dir, f);
        if (f->status != DRV_ST_OK)
                return;
        if (f->has_fields) {
                for (unsigned k = 0; k < drv_fields(f)->nfields; k++)
                        view_detail_field(o, &drv_fields(f)->fields[k]);
        } else if (!f->bytes) {
                view_detail_text(o, f);
        }
        for (size_t k = 0; k < f->kv.n; k++) {
                char line[300];

                const struct kv *it = &f->kv.items[k];
                const char *m = NULL;
                char *end;

                if (strcmp(it->key, "guest driver load") == 0) {
                        unsigned long u = strtoul(it->value, &end, 10);

                        if (end != it->value && !*end)
                                m = acc_qm_state_meaning(u);
                }
                snprintf(line, sizeof(line), "%s: %s%s%s%s", it->key, it->value, m ? " (" : "",
                         m ? m : "", m ? ")" : "");
                view_detail_line(o, 2, THEME_NORMAL, line);
        }
}

static void view_detail_data(struct views *v, size_t i, const struct layout_rect *r)
{
        const struct tree_dev *d = &v->snap->tree.devs[i];
        struct view_detail_out o = {.r = r, .skip = v->detail_scroll};

        draw_title(r, "driver data  (Up/Down scroll)");
        for (size_t k = 0; k < d->ndirs; k++) {
                const struct tree_drvdir *dd = &d->dirs[k];

                if (!dd->ops) {
                        char buf[128];

                        snprintf(buf, sizeof(buf), "%s: driver directory migtop does not know",
                                 dd->name);
                        view_detail_line(&o, 0, THEME_STATUS_ABSENT, buf);
                        continue;
                }
                for (unsigned j = 0; j < dd->nfiles; j++)
                        view_detail_file(&o, v, i, dd->name, &dd->files[j]);
        }
        if (d->ndirs == 0)
                view_detail_line(&o, 0, THEME_STATUS_ABSENT, "no driver directory");
        if (v->detail_scroll > 0 && v->detail_scroll >= o.row)
                v->detail_scroll = o.row > 0 ? o.row - 1 : 0;
}

static enum theme_elem view_detail_class_elem(enum fsm_class c)
{
        switch (c) {
        case FSM_CLASS_IMPOSSIBLE:
        case FSM_CLASS_TO_ERROR:
                return THEME_STATUS_ERROR;
        case FSM_CLASS_RESET:
        case FSM_CLASS_COMBINATION:
                return THEME_STATUS_WARN;
        default:
                return THEME_NORMAL;
        }
}

static void view_detail_change(struct view_detail_out *o, const struct views *v,
                               const struct hist_change *c)
{
        const char *arrow = glyph(GLYPH_ARROW, v->utf8);
        char t[32], buf[256];
        int len;

        views_clock(v, c->t_ns, t, sizeof(t));
        snprintf(buf, sizeof(buf), "%s %s %s %s  %s%s", t, fsm_state_name(c->fsm.from), arrow,
                 fsm_state_name(c->fsm.to), fsm_class_name(c->fsm.cls),
                 c->fsm.cls == FSM_CLASS_IMPOSSIBLE ? " !" : "");
        view_detail_line(o, 0, view_detail_class_elem(c->fsm.cls), buf);
        if (c->fsm.nsteps == 0)
                return;
        len = snprintf(buf, sizeof(buf), "inferred via");
        for (unsigned s = 0; s < c->fsm.nsteps && len > 0 && (size_t)len < sizeof(buf); s++)
                len += snprintf(buf + len, sizeof(buf) - (size_t)len, " %s",
                                fsm_state_name(c->fsm.steps[s]));
        view_detail_line(o, 4, THEME_STATUS_WARN, buf);
}

static enum theme_elem view_detail_level_elem(int level)
{
        int c = timeline_level_class(level);

        return c == 2 ? THEME_STATUS_ERROR : c == 1 ? THEME_STATUS_WARN : THEME_NORMAL;
}

/* Text wrapped onto rows of w cells (the first row after `head`), continuation indented. */
static int view_detail_wrapped(struct view_detail_out *o, enum theme_elem e, const char *head,
                               const char *text, bool count_only)
{
        char raw[KMSG_TEXT_MAX + 96], buf[ESC_GROWTH * (KMSG_TEXT_MAX + 96)];
        int w = o->r->w, rows = 0;
        size_t len, pos = 0;

        /* escaped first (draw.h): wrapped by the cells it takes on screen */
        snprintf(raw, sizeof(raw), "%s%s", head, text);
        draw_escape(raw, buf, sizeof(buf));
        len = strlen(buf);
        if (w < 8)
                w = 8;
        while (pos < len || rows == 0) {
                int ind = rows ? 4 : 0;
                size_t n = (size_t)(w - ind), end;
                char line[sizeof(buf)];

                /* after the last ": " that fits (the "driver device: " prefix of a
                   dev_printk line), else at the last blank, else whole UTF-8 sequences */
                end = pos + n < len ? pos + n : len;
                if (end < len) {
                        size_t sp = end, colon = 0;

                        while (sp > pos + 1 && buf[sp] != ' ')
                                sp--;
                        for (size_t k = end; k > pos + n / 3 && !colon; k--)
                                if (buf[k] == ' ' && buf[k - 1] == ':')
                                        colon = k;
                        if (colon)
                                end = colon;
                        else if (buf[sp] == ' ' && sp > pos + n / 3)
                                end = sp;
                }
                while (end > pos + 1 && end < len && ((unsigned char)buf[end] & 0xc0) == 0x80)
                        end--;
                /* nor inside a "\xNN" escape */
                for (size_t k = 1; k <= 3 && end < len && end > pos + k; k++)
                        if (buf[end - k] == '\\' && buf[end - k + 1] == 'x') {
                                end -= k;
                                break;
                        }
                if (!count_only) {
                        snprintf(line, sizeof(line), "%.*s", (int)(end - pos), buf + pos);
                        view_detail_line(o, ind, e, line);
                }
                rows++;
                pos = end;
                while (pos < len && buf[pos] == ' ')
                        pos++;
        }
        return rows;
}

/* One kernel log record: "12:03:04.567 kernel err: <text>" (interleaved) or
   "#42 [  12.345678] err: <text>" (a file: its own clock). */
static int view_detail_record(struct view_detail_out *o, const struct views *v,
                              const struct kmsg_rec *r, int64_t t_ns, bool count_only)
{
        char head[96], t[32];

        if (t_ns >= 0) {
                views_clock(v, t_ns, t, sizeof(t));
                snprintf(head, sizeof(head), "%s kernel %s: ", t, kmsg_level_name(r->level));
        } else {
                snprintf(head, sizeof(head),
                         "#%llu [%5lld.%06lld] %s: ", (unsigned long long)r->seq,
                         (long long)(r->ts_us / 1000000), (long long)(r->ts_us % 1000000),
                         kmsg_level_name(r->level));
        }
        return view_detail_wrapped(o, view_detail_level_elem(r->level), head, r->text, count_only);
}

static void view_detail_history(const struct views *v, size_t i, const struct layout_rect *r)
{
        const struct engine_dev_info *in = &v->snap->info[i];
        struct view_detail_out o = {.r = r};
        struct timeline tl;
        int avail = r->h - 1, klog_rows = 0;

        if (timeline_build(v->snap, i, &tl) < 0) {
                draw_title(r, "timeline");
                view_detail_line(&o, 0, THEME_MESSAGE, "out of memory");
                return;
        }
        draw_title(r, "timeline: %" PRIu64 " state changes%s, newest first", in->transitions,
                   tl.interleaved && in->nklog ? " and kernel log" : "");
        if (tl.status[0])
                view_detail_line(&o, 0, THEME_STATUS_WARN, tl.status);
        struct views_host h = {.label = v->host};

        if (v->host_of)
                v->host_of(v->host_arg, v->snap->tree.devs[i].name, &h);
        if (h.stale) {
                char line[160], age[32];

                /* its values stopped, not the device: stale, never stuck */
                stuck_fmt_dur(h.age_ms, age, sizeof(age));
                snprintf(line, sizeof(line), "stale: host %s not connected, data %s old", h.label,
                         age);
                view_detail_line(&o, 0, THEME_STATUS_ABSENT, line);
        } else if (in->stuck && !in->gone) {
                char line[160], age[32], thr[32];

                stuck_fmt_dur(views_state_age(v, i) / 1000000, age, sizeof(age));
                stuck_fmt_dur(in->stuck_threshold_ms, thr, sizeof(thr));
                snprintf(line, sizeof(line), "stuck: in %s for %s (threshold %s)",
                         fsm_state_name(v->snap->tree.devs[i].state), age, thr);
                view_detail_line(&o, 0, THEME_STATUS_WARN, line);
        }
        /* a separate kernel log section keeps at least half the pane (or what it needs) */
        if (tl.nlog) {
                struct view_detail_out cnt = {.r = r};

                klog_rows = 1;
                for (size_t k = 0; k < tl.nlog; k++)
                        klog_rows += view_detail_record(&cnt, v, tl.log[k], -1, true);
                if (klog_rows > avail / 2)
                        klog_rows = avail / 2 > 2 ? avail / 2 : (avail > 2 ? 2 : avail);
                o.limit = avail - klog_rows - o.row > 0 ? avail - klog_rows : o.row + 1;
        }
        if (tl.n == 0)
                view_detail_line(&o, 0, THEME_NORMAL, "no state change seen yet");
        for (size_t k = 0; k < tl.n; k++) {
                if (tl.item[k].kind == TIMELINE_CHANGE)
                        view_detail_change(&o, v, tl.item[k].ch);
                else
                        view_detail_record(&o, v, tl.item[k].rec, tl.item[k].t_ns, false);
        }
        if (tl.nlog) {
                if (o.limit > 0 && o.row > o.limit)
                        o.row = o.limit;
                o.limit = 0;
                view_detail_line(&o, 0, THEME_TITLE, tl.source);
                for (size_t k = 0; k < tl.nlog; k++)
                        view_detail_record(&o, v, tl.log[k], -1, false);
        }
        timeline_free(&tl);
}

void view_detail_draw(struct views *v, const struct layout *l)
{
        long i = views_selected(v);

        if (i < 0) {
                draw_text(l->body.y, l->body.x, l->body.w, THEME_MESSAGE,
                          "no device selected (Esc: back to the list)", false);
                return;
        }
        for (size_t p = 0; p < l->npanes; p++) {
                const struct layout_pane *pn = &l->pane[p];

                if (pn->id == LAYOUT_DETAIL_SUMMARY)
                        view_detail_summary(v, (size_t)i, &pn->r);
                else if (pn->id == LAYOUT_DETAIL_DATA)
                        view_detail_data(v, (size_t)i, &pn->r);
                else
                        view_detail_history(v, (size_t)i, &pn->r);
        }
}
