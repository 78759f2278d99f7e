/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * views: shared view state and the device list model (see views.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/jsonout.h"
#include "core/pair.h"
#include "core/suggest.h"
#include "remote.h"
#include "ui/timeline.h"
#include "ui/views.h"

static const char *const views_sort_names[VIEWS_NSORT] = {
    [VIEWS_SORT_NAME] = "device",     [VIEWS_SORT_STATE] = "state",   [VIEWS_SORT_AGE] = "age",
    [VIEWS_SORT_CHANGES] = "changes", [VIEWS_SORT_DRIVER] = "driver",
};

void views_init(struct views *v)
{
        memset(v, 0, sizeof(*v));
        v->diff_cur = -1;
        v->ncols_want = layout_default_cols(v->cols_want);
}

void views_free(struct views *v)
{
        free(v->order);
        v->order = NULL;
        v->norder = v->order_cap = 0;
}

const char *views_sort_name(enum views_sort s)
{
        return (unsigned)s < VIEWS_NSORT ? views_sort_names[s] : "?";
}

const char *views_driver(const struct tree_dev *d)
{
        for (size_t i = 0; i < d->ndirs; i++)
                if (d->dirs[i].name)
                        return d->dirs[i].name;
        return "-";
}

const struct drv_file *views_dev_file(const struct tree_dev *d, const char *file)
{
        for (size_t i = 0; i < d->ndirs; i++) {
                const struct drv_file *f = tree_dev_file(d, d->dirs[i].name, file);

                if (f)
                        return f;
        }
        return NULL;
}

int64_t views_state_age(const struct views *v, size_t i)
{
        const struct engine_dev_info *in = &v->snap->info[i];

        if (!in->have_state)
                return 0;
        return v->now_ns - in->state_since_ns;
}

void views_clock(const struct views *v, int64_t t_ns, char *buf, size_t size)
{
        int64_t wall = v->snap->realtime_ns - (v->snap->now_ns - t_ns);
        time_t secs = (time_t)(wall / 1000000000);
        struct tm tm;

        if (!localtime_r(&secs, &tm)) {
                snprintf(buf, size, "?");
                return;
        }
        snprintf(buf, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)((wall / 1000000) % 1000));
}

const char *views_last_error(const struct tree_dev *d)
{
        if (d->err)
                return strerror(d->err);
        if (d->state_file.status != DRV_ST_OK && drv_file_msg(&d->state_file)[0])
                return drv_file_msg(&d->state_file);
        for (size_t i = 0; i < d->ndirs; i++)
                for (unsigned j = 0; j < d->dirs[i].nfiles; j++) {
                        const struct drv_file *f = &d->dirs[i].files[j];

                        if ((f->status == DRV_ST_ERROR || f->status == DRV_ST_BLOCKED ||
                             f->status == DRV_ST_NOT_READY) &&
                            drv_file_msg(f)[0])
                                return drv_file_msg(f);
                }
        return "";
}

/* "read blocked: no answer for 3.2s" as of this redraw when f's read is stuck, else NULL. */
static const char *views_blocked_text(const struct views *v, size_t i, const char *dir,
                                      const struct drv_file *f, char *buf, size_t size)
{
        const struct engine_file_info *fi;
        int64_t ms;

        if (f->status != DRV_ST_BLOCKED)
                return NULL;
        fi = dir ? engine_snap_file_info(v->snap, i, dir, f->name)
             : f == &v->snap->tree.devs[i].state_file ? &v->snap->info[i].state_info
                                                      : &v->snap->info[i].features_info;
        if (!fi || !fi->blocked)
                return NULL;
        ms = (v->now_ns - fi->started_ns) / 1000000;
        snprintf(buf, size, "%s%s%s: read blocked: no answer for %lld.%llds", dir ? dir : "",
                 dir ? "/" : "", f->name ? f->name : "?", (long long)(ms > 0 ? ms / 1000 : 0),
                 (long long)(ms > 0 ? ms / 100 % 10 : 0));
        return buf;
}

const char *views_error_text(const struct views *v, size_t i, char *buf, size_t size)
{
        const struct tree_dev *d = &v->snap->tree.devs[i];
        const char *t;

        if (d->err)
                return strerror(d->err);
        if (d->state_file.status != DRV_ST_OK && drv_file_msg(&d->state_file)[0]) {
                t = views_blocked_text(v, i, NULL, &d->state_file, buf, size);
                return t ? t : drv_file_msg(&d->state_file);
        }
        for (size_t k = 0; k < d->ndirs; k++)
                for (unsigned j = 0; j < d->dirs[k].nfiles; j++) {
                        const struct drv_file *f = &d->dirs[k].files[j];

                        if ((f->status == DRV_ST_ERROR || f->status == DRV_ST_BLOCKED ||
                             f->status == DRV_ST_NOT_READY) &&
                            drv_file_msg(f)[0]) {
                                t = views_blocked_text(v, i, d->dirs[k].name, f, buf, size);
                                return t ? t : drv_file_msg(f);
                        }
                }
        return "";
}

static bool views_match_filter(const struct views *v, const struct tree_dev *d)
{
        if (!v->filter[0])
                return true;
        return strcasestr(d->name, v->filter) || strcasestr(fsm_state_name(d->state), v->filter) ||
               strcasestr(views_driver(d), v->filter);
}

static int views_cmp_i64(int64_t a, int64_t b)
{
        return a < b ? -1 : a > b;
}

static int views_cmp(const void *pa, const void *pb, void *ctx)
{
        const struct views *v = ctx;
        size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
        const struct tree_dev *da = &v->snap->tree.devs[a], *db = &v->snap->tree.devs[b];
        int r = 0;

        switch (v->sort) {
        case VIEWS_SORT_STATE:
                r = strcmp(fsm_state_name(da->state), fsm_state_name(db->state));
                break;
        case VIEWS_SORT_AGE: /* longest in its state first */
                r = views_cmp_i64(v->snap->info[a].state_since_ns, v->snap->info[b].state_since_ns);
                break;
        case VIEWS_SORT_CHANGES: /* busiest first */
                r = -views_cmp_i64((int64_t)v->snap->info[a].transitions,
                                   (int64_t)v->snap->info[b].transitions);
                break;
        case VIEWS_SORT_DRIVER:
                r = strcmp(views_driver(da), views_driver(db));
                break;
        default:
                break;
        }
        return r ? r : strcmp(da->name, db->name);
}

static void views_find_sel(struct views *v)
{
        if (!v->sel_name[0])
                return;
        for (size_t k = 0; k < v->norder; k++)
                if (strcmp(v->snap->tree.devs[v->order[k]].name, v->sel_name) == 0) {
                        v->sel = k;
                        return;
                }
}

int views_rebuild(struct views *v)
{
        size_t n = v->snap ? v->snap->tree.ndevs : 0;

        if (n > v->order_cap) {
                size_t *o = realloc(v->order, n * sizeof(*o));

                if (!o)
                        return -ENOMEM;
                v->order = o;
                v->order_cap = n;
        }
        v->norder = 0;
        for (size_t i = 0; i < n; i++)
                if (views_match_filter(v, &v->snap->tree.devs[i]))
                        v->order[v->norder++] = i;
        if (v->norder > 1)
                qsort_r(v->order, v->norder, sizeof(*v->order), views_cmp, v);
        views_find_sel(v);
        if (v->sel >= v->norder)
                v->sel = v->norder ? v->norder - 1 : 0;
        return 0;
}

long views_selected(const struct views *v)
{
        return v->sel < v->norder ? (long)v->order[v->sel] : -1;
}

size_t views_focus(const struct views *v, int rows, const char **out, size_t max)
{
        long sel = views_selected(v);
        size_t n = 0;

        if (!v->snap)
                return 0;
        /* the selected device and the pair first: a consumer that keeps only the first
           names (an agent's focus holds AP_FOCUS_MAX) keeps them */
        if (sel >= 0 && n < max)
                out[n++] = v->snap->tree.devs[sel].name;
        if (v->src[0] && n < max)
                out[n++] = v->src;
        if (v->dst[0] && n < max)
                out[n++] = v->dst;
        for (int r = 0; r < rows && n < max && v->scroll + (size_t)r < v->norder; r++)
                out[n++] = v->snap->tree.devs[v->order[v->scroll + (size_t)r]].name;
        return n;
}

void views_select(struct views *v, size_t pos)
{
        if (v->norder == 0) {
                v->sel = 0;
                return;
        }
        v->sel = pos < v->norder ? pos : v->norder - 1;
        snprintf(v->sel_name, sizeof(v->sel_name), "%s", v->snap->tree.devs[v->order[v->sel]].name);
}

char views_role(const struct views *v, const char *name)
{
        if (v->src[0] && strcmp(v->src, name) == 0)
                return 'S';
        if (v->dst[0] && strcmp(v->dst, name) == 0)
                return 'D';
        return ' ';
}

bool views_pair(const struct views *v, long *src, long *dst)
{
        if (!v->snap || !v->src[0] || !v->dst[0])
                return false;
        *src = engine_snap_find(v->snap, v->src);
        *dst = engine_snap_find(v->snap, v->dst);
        return *src >= 0 && *dst >= 0;
}

int views_compare(const struct views *v, size_t src, size_t dst, struct pairside_cmp *c)
{
        static const int pci[2] = {-1, -1}; /* the engine's sysfs facts */

        return pairside_compare(v->snap, src, dst, true, pci, c);
}

bool views_pair_verdict(const struct views *v, enum match_verdict *out)
{
        struct pairside_cmp *c;
        long s, d;
        bool ok = false;

        if (!views_pair(v, &s, &d))
                return false;
        c = malloc(sizeof(*c));
        if (c && views_compare(v, (size_t)s, (size_t)d, c) == 0) {
                *out = c->res.dir ? c->res.match.verdict : MATCH_INCOMPLETE;
                ok = true;
        }
        if (c)
                pairside_free(c);
        free(c);
        return ok;
}

bool views_alert(const struct views *v, size_t i, const enum match_verdict *pair_verdict, char *why,
                 size_t size)
{
        const struct tree_dev *d = &v->snap->tree.devs[i];
        const struct kmsg_rec *r = timeline_err_since_change(v->snap, i);
        bool rejected =
            pair_verdict && *pair_verdict == MATCH_REJECT && views_role(v, d->name) == 'D';

        if (why && size)
                snprintf(why, size, "%s: %s%s%s%s%s", d->name,
                         rejected ? "the destination check failed (c compares)" : "",
                         rejected && r ? "; " : "", r ? "kernel " : "",
                         r ? kmsg_level_name(r->level) : "", r ? ": " : "");
        if (why && size && r) {
                size_t n = strlen(why);

                snprintf(why + n, size - n, "%s", r->text);
        }
        return rejected || r;
}

/* The i-th kept state change of a device (suggest_change_fn over engine_dev_info). */
static bool views_suggest_change(const void *ctx, size_t i, enum fsm_state *from,
                                 enum fsm_state *to, int64_t *t_ns)
{
        const struct engine_dev_info *in = ctx;

        if (i >= in->nchanges)
                return false;
        *from = in->changes[i].fsm.from;
        *to = in->changes[i].fsm.to;
        *t_ns = in->changes[i].t_ns;
        return true;
}

bool views_suggest(const struct views *v, long *src, long *dst, char *why, size_t size)
{
        struct suggest_dev *sd;
        struct suggest_result r;
        size_t n;

        *src = *dst = -1;
        if (why && size)
                why[0] = '\0';
        if (!v->snap || !v->snap->tree.ndevs)
                return false;
        n = v->snap->tree.ndevs;
        sd = calloc(n, sizeof(*sd));
        if (!sd)
                return false;
        for (size_t i = 0; i < n; i++) {
                const struct tree_dev *d = &v->snap->tree.devs[i];
                const struct engine_dev_info *in = &v->snap->info[i];
                const struct drv_file *mf;

                sd[i].state = d->state_file.status == DRV_ST_OK ? d->state : FSM_INVALID;
                sd[i].gone = in->gone;
                sd[i].began_ns = -1;
                if (!suggest_is_source(sd[i].state) && sd[i].state != FSM_RESUMING)
                        continue;
                sd[i].began_ns = suggest_began(sd[i].state, in->nchanges, views_suggest_change, in,
                                               &sd[i].began_state);
                /* the header of the last migration file the driver copied (hisi_acc) */
                mf = views_dev_file(d, "migf_data");
                if (mf && mf->status == DRV_ST_OK && mf->bytes && mf->len >= SUGGEST_HDR_LEN)
                        sd[i].hdr = mf->bytes;
        }
        suggest_pair(sd, n, &r);
        if (r.by != SUGGEST_NONE) {
                *src = r.src;
                *dst = r.dst;
                if (why && size)
                        suggest_describe(&r, sd, why, size);
        }
        free(sd);
        return r.by != SUGGEST_NONE;
}

void views_layout(struct views *v, enum layout_view lv, struct layout *out)
{
        struct layout_in in = {
            .rows = v->rows,
            .cols = v->cols,
            .view = lv,
            .ndev = v->norder,
            .selected = v->sel,
            .scroll = v->scroll,
            .want = v->cols_want,
            .nwant = v->ncols_want,
            .page = v->page,
            .host_rows = v->host_rows,
        };
        int w = 0;

        for (size_t k = 0; lv == LAYOUT_VIEW_LIST && k < v->norder; k++) {
                int l = (int)strlen(v->snap->tree.devs[v->order[k]].name) + 2;

                w = l > w ? l : w;
        }
        in.name_w = w;
        memcpy(in.full_w, v->col_full, sizeof(in.full_w));
        memcpy(in.short_w, v->col_short, sizeof(in.short_w));
        layout_compute(&in, out);
        if (lv == LAYOUT_VIEW_LIST) {
                v->scroll = out->scroll;
                v->sel = out->selected;
        }
        if (lv == LAYOUT_VIEW_COMPARE_DECODED || lv == LAYOUT_VIEW_COMPARE_HEX)
                v->page = out->page;
}

static const char *views_view_name(enum views_view view)
{
        switch (view) {
        case VIEWS_DETAIL:
                return "detail";
        case VIEWS_COMPARE:
                return "compare";
        default:
                return "list";
        }
}

/* --host: the device's host and whether its data is stale, as the batch JSON has them. */
static void views_export_host(struct remote *rem, struct json_object *dj, int64_t now)
{
        struct json_object *name;

        if (rem && dj && json_object_object_get_ex(dj, "name", &name))
                remote_json_dev(rem, json_object_get_string(name), now, dj);
}

static int64_t views_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct json_object *views_export_json(const struct views *v, struct remote *rem,
                                             enum views_view view)
{
        long i = views_selected(v), s, d;
        int64_t now = views_mono_ns();
        struct json_object *o, *devs;

        if (view == VIEWS_DETAIL && i >= 0) {
                o = jout_dev(&v->snap->tree.devs[i]);
                views_export_host(rem, o, now);
                if (o && rem)
                        json_object_object_add(o, "hosts", remote_json_hosts(rem, now));
                return o;
        }
        if (view == VIEWS_COMPARE && views_pair(v, &s, &d)) {
                struct pairside_cmp *c = malloc(sizeof(*c));

                o = NULL;
                if (c && views_compare(v, (size_t)s, (size_t)d, c) == 0)
                        o = jout_compare(v->src, v->dst, &c->res, &c->side[0], &c->side[1]);
                if (c)
                        pairside_free(c);
                free(c);
                return o;
        }
        o = jout_tree(&v->snap->tree);
        if (o && rem && json_object_object_get_ex(o, "devices", &devs)) {
                for (size_t k = 0; k < json_object_array_length(devs); k++)
                        views_export_host(rem, json_object_array_get_idx(devs, k), now);
                json_object_object_add(o, "hosts", remote_json_hosts(rem, now));
        }
        return o;
}

static int views_write_all(int fd, const char *s, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, s, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                s += n;
                len -= (size_t)n;
        }
        return 0;
}

int views_export(const struct views *v, struct remote *rem, char *path, size_t size)
{
        enum views_view view = v->view == VIEWS_HELP ? v->below_help : v->view;
        struct json_object *o;
        char *text, stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        int fd, err;

        if (!v->snap)
                return -EAGAIN;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        snprintf(path, size, "migtop-%s-%s.json", views_view_name(view), stamp);
        o = views_export_json(v, rem, view);
        text = o ? jout_string(o, 1) : NULL;
        json_object_put(o);
        if (!text)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
                free(text);
                return -errno;
        }
        err = views_write_all(fd, text, strlen(text));
        if (!err)
                err = views_write_all(fd, "\n", 1);
        if (close(fd) < 0 && !err)
                err = -errno;
        free(text);
        return err;
}
