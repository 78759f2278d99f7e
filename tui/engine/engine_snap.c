// SPDX-License-Identifier: GPL-2.0-only
/*
 * engine_snap: immutable snapshots.  Each device's copy is shared by every snapshot taken
 * while the device did not change; and the copy of a file's kept samples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

/* ---- snapshots ---- */

static int copy_dev(struct tree_dev *dst, const struct eng_dev *d)
{
        const struct tree_dev *s = &d->td;

        memset(dst, 0, sizeof(*dst));
        dst->name = strdup(s->name);
        if (!dst->name)
                return -ENOMEM;
        dst->has_migration = s->has_migration;
        dst->err = s->err;
        dst->state = s->state;
        dst->features = s->features;
        if (drv_file_copy(&dst->state_file, &s->state_file) < 0 ||
            drv_file_copy(&dst->features_file, &s->features_file) < 0)
                return -ENOMEM;
        if (!s->ndirs)
                return 0;
        dst->dirs = calloc(s->ndirs, sizeof(*dst->dirs));
        if (!dst->dirs)
                return -ENOMEM;
        for (size_t i = 0; i < s->ndirs; i++) {
                struct tree_drvdir *o = &dst->dirs[i];

                dst->ndirs++;
                o->name = strdup(s->dirs[i].name);
                if (!o->name)
                        return -ENOMEM;
                o->ops = s->dirs[i].ops;
                if (s->dirs[i].nfiles) {
                        o->files = calloc(s->dirs[i].nfiles, sizeof(*o->files));
                        if (!o->files)
                                return -ENOMEM;
                }
                for (unsigned j = 0; j < s->dirs[i].nfiles; j++) {
                        if (drv_file_copy(&o->files[j], &s->dirs[i].files[j]) < 0)
                                return -ENOMEM;
                        o->nfiles++;
                }
        }
        return 0;
}

static void free_dev_copy(struct tree_dev *t)
{
        free(t->name);
        drv_file_free(&t->state_file);
        drv_file_free(&t->features_file);
        for (size_t i = 0; i < t->ndirs; i++) {
                for (unsigned j = 0; j < t->dirs[i].nfiles; j++)
                        drv_file_free(&t->dirs[i].files[j]);
                free(t->dirs[i].files);
                free(t->dirs[i].name);
        }
        free(t->dirs);
}

void eng_sys_put(struct eng_sys *s)
{
        if (s && atomic_fetch_sub(&s->refs, 1) == 1)
                free(s);
}

static const struct engine_sys eng_sys_none = {
    .known = false, .iommu_group = -1, .numa_node = -1, .pci_device = -1};

const struct engine_sys *engine_dev_sys(const struct engine_dev_info *in)
{
        return in && in->sys ? in->sys : &eng_sys_none;
}

void eng_devcopy_put(struct devcopy *c)
{
        if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
                return;
        eng_sys_put(c->sys);
        free_dev_copy(&c->td);
        free((void *)c->info.changes);
        free((void *)c->info.dir_info);
        free((void *)c->info.klog);
        free(c);
}

static void snap_destroy(struct snap_priv *p)
{
        struct engine_snap *s = &p->pub;

        for (size_t i = 0; p->dc && i < s->tree.ndevs; i++)
                eng_devcopy_put(p->dc[i]);
        free(p->dc);
        free(s->tree.devs);
        free(s->info);
        free(p);
}

void engine_snap_put(const struct engine_snap *s)
{
        struct snap_priv *p = (struct snap_priv *)s;

        if (p && atomic_fetch_sub(&p->refs, 1) == 1)
                snap_destroy(p);
}

static void file_info(const struct eng_file *f, struct engine_file_info *out)
{
        *out = f->info;
        out->in_flight = f->sch.in_flight;
        out->blocked = f->blocked && !f->dev->gone;
        out->started_ns = f->sch.in_flight ? f->sch.started_ns : 0;
}

static int info_dev(struct engine_dev_info *o, const struct eng_dev *d)
{
        struct hist_change *ch;
        struct engine_file_info *fi;

        o->sys = d->sys ? &d->sys->pub : NULL;
        o->gone = d->gone;
        o->seen_ns = d->seen_ns;
        o->gone_ns = d->gone_ns;
        o->have_state = d->hist.have_state;
        o->state_since_ns = d->hist.cur_since_ns;
        o->transitions = d->hist.total;
        memcpy(o->transitions_by_class, d->hist.by_class, sizeof(o->transitions_by_class));
        file_info(&d->state, &o->state_info);
        file_info(&d->features, &o->features_info);
        if (d->hist.n) {
                ch = malloc(d->hist.n * sizeof(*ch));
                if (!ch)
                        return -ENOMEM;
                for (size_t k = 0; k < d->hist.n; k++)
                        ch[k] = *hist_states_at(&d->hist, k);
                o->changes = ch;
                o->nchanges = d->hist.n;
        }
        if (d->ndfiles) {
                /* one slot per file, each directory's in turn (engine.h), as d->dfiles */
                fi = calloc(d->ndfiles, sizeof(*fi));
                if (!fi)
                        return -ENOMEM;
                for (size_t k = 0; k < d->ndfiles; k++)
                        if (d->dfiles[k].path)
                                file_info(&d->dfiles[k], &fi[k]);
                o->dir_info = fi;
        }
        o->klog_total = d->klog.total;
        memcpy(o->klog_by_level, d->klog.by_level, sizeof(o->klog_by_level));
        if (d->klog.n) {
                struct kmsg_rec *kr = malloc(d->klog.n * sizeof(*kr));

                if (!kr)
                        return -ENOMEM;
                for (size_t k = 0; k < d->klog.n; k++)
                        kr[k] = *klog_ring_at(&d->klog, k);
                o->klog = kr;
                o->nklog = d->klog.n;
        }
        return 0;
}

/* The device's copy for snapshots: the previous one when nothing changed since. */
static struct devcopy *dev_copy(struct eng_dev *d)
{
        struct devcopy *c;

        if (d->copy && d->copy->ver == d->ver)
                return d->copy;
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        atomic_init(&c->refs, 1);
        c->ver = d->ver;
        if (d->sys) {
                c->sys = d->sys;
                atomic_fetch_add(&d->sys->refs, 1);
        }
        if (copy_dev(&c->td, d) < 0 || info_dev(&c->info, d) < 0) {
                eng_devcopy_put(c);
                return NULL;
        }
        eng_devcopy_put(d->copy);
        d->copy = c;
        return c;
}

static struct snap_priv *snap_build(struct engine *e)
{
        struct snap_priv *p = calloc(1, sizeof(*p));
        struct engine_snap *s;
        int64_t now = eng_now(e);

        if (!p)
                return NULL;
        atomic_init(&p->refs, 1);
        s = &p->pub;
        s->seq = e->seq;
        s->now_ns = now;
        s->realtime_ns = eng_realtime(e);
        s->tree.err = e->root_err;
        s->klog = e->kst;
        if (e->root_err)
                snprintf(s->tree.msg, sizeof(s->tree.msg), "%s", e->root_msg);
        if (e->ndevs) {
                s->tree.devs = calloc(e->ndevs, sizeof(*s->tree.devs));
                s->info = calloc(e->ndevs, sizeof(*s->info));
                p->dc = calloc(e->ndevs, sizeof(*p->dc));
                if (!s->tree.devs || !s->info || !p->dc)
                        goto fail;
        }
        for (size_t i = 0; i < e->ndevs; i++) {
                struct devcopy *c = dev_copy(e->devs[i]);

                if (!c)
                        goto fail;
                atomic_fetch_add(&c->refs, 1);
                p->dc[i] = c;
                s->tree.ndevs++;
                s->tree.devs[i] = c->td;
                s->info[i] = c->info;
                if (s->info[i].have_state && now > s->info[i].state_since_ns)
                        s->info[i].state_age_ns = now - s->info[i].state_since_ns;
                s->info[i].stuck = s->info[i].have_state && !s->info[i].gone &&
                                   stuck_eval(&e->o.stuck, e->devs[i]->hist.cur,
                                              s->info[i].state_age_ns, &s->info[i].stuck_for_ms);
                s->info[i].stuck_threshold_ms =
                    s->info[i].have_state && e->devs[i]->hist.cur < FSM_NSTATES
                        ? e->o.stuck.ms[e->devs[i]->hist.cur]
                        : 0;
        }
        return p;
fail:
        snap_destroy(p);
        return NULL;
}

const struct engine_snap *engine_snapshot(struct engine *e)
{
        if (!e->snap || e->snap->pub.seq != e->seq) {
                struct snap_priv *p = snap_build(e);

                if (!p)
                        return NULL;
                if (e->snap)
                        engine_snap_put(&e->snap->pub);
                e->snap = p;
        }
        atomic_fetch_add(&e->snap->refs, 1);
        return &e->snap->pub;
}

int64_t engine_snap_stuck_ms(const struct engine_snap *s, size_t i, int64_t now_ns)
{
        if (i >= s->tree.ndevs || !s->info || !s->info[i].stuck)
                return -1;
        return s->info[i].stuck_for_ms + (now_ns > s->now_ns ? (now_ns - s->now_ns) / MS_NS : 0);
}

long engine_snap_find(const struct engine_snap *s, const char *dev)
{
        for (size_t i = 0; i < s->tree.ndevs; i++)
                if (strcmp(s->tree.devs[i].name, dev) == 0)
                        return (long)i;
        return -1;
}

const struct engine_file_info *engine_snap_file_info(const struct engine_snap *s, size_t i,
                                                     const char *dir, const char *file)
{
        const struct tree_dev *d;

        if (i >= s->tree.ndevs || !file)
                return NULL;
        d = &s->tree.devs[i];
        if (!dir || !*dir) {
                if (strcmp(file, "state") == 0)
                        return &s->info[i].state_info;
                if (strcmp(file, "features") == 0)
                        return &s->info[i].features_info;
                return NULL;
        }
        for (size_t k = 0, base = 0; k < d->ndirs; base += d->dirs[k].nfiles, k++) {
                if (strcmp(d->dirs[k].name, dir) != 0)
                        continue;
                for (unsigned j = 0; j < d->dirs[k].nfiles; j++)
                        if (strcmp(d->dirs[k].files[j].name, file) == 0 && s->info[i].dir_info)
                                return &s->info[i].dir_info[base + j];
        }
        return NULL;
}

/* ---- history ---- */

static struct eng_file *file_lookup(struct engine *e, const char *dev, const char *dir,
                                    const char *file)
{
        struct eng_dev *d = eng_dev_lookup(e, dev);

        if (!d || !file)
                return NULL;
        if (!dir || !*dir) {
                if (strcmp(file, "state") == 0)
                        return &d->state;
                if (strcmp(file, "features") == 0)
                        return &d->features;
                return NULL;
        }
        for (size_t i = 0; i < d->td.ndirs; i++) {
                if (strcmp(d->td.dirs[i].name, dir) != 0)
                        continue;
                for (unsigned j = 0; j < d->td.dirs[i].nfiles; j++)
                        if (strcmp(d->td.dirs[i].files[j].name, file) == 0)
                                return eng_dfile(d, i, j);
        }
        return NULL;
}

void engine_samples_free(struct hist_sample *s, size_t n)
{
        for (size_t i = 0; s && i < n; i++)
                free(s[i].data);
        free(s);
}

int engine_file_samples(struct engine *e, const char *dev, const char *dir, const char *file,
                        struct hist_sample **out, size_t *n)
{
        struct eng_file *f = file_lookup(e, dev, dir, file);
        struct hist_sample *v;

        *out = NULL;
        *n = 0;
        if (!f || !f->path)
                return -ENOENT;
        if (!f->samples.n)
                return 0;
        v = calloc(f->samples.n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < f->samples.n; i++) {
                const struct hist_sample *s = hist_samples_at(&f->samples, i);

                v[i] = *s;
                v[i].data = NULL;
                v[i].ref = NULL;
                if (s->len) {
                        v[i].data = malloc(s->len);
                        if (!v[i].data) {
                                engine_samples_free(v, i);
                                return -ENOMEM;
                        }
                        memcpy(v[i].data, s->data, s->len);
                }
        }
        *out = v;
        *n = f->samples.n;
        return 0;
}
