// SPDX-License-Identifier: GPL-2.0-only
/*
 * engine_dev: the engine's device table (sorted by name): listing the root, setting up
 * each device's files from its migration/ directory, devices vanishing and coming back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

/* "a/b/c/d" from the parts that are not NULL. */
static char *path_join(const char *a, const char *b, const char *c, const char *d)
{
        const char *parts[4] = {a, b, c, d};
        size_t len = 1, off = 0;
        char *s;

        for (int i = 0; i < 4; i++)
                if (parts[i])
                        len += strlen(parts[i]) + 1;
        s = malloc(len);
        if (!s)
                return NULL;
        for (int i = 0; i < 4; i++) {
                size_t n;

                if (!parts[i])
                        continue;
                if (off)
                        s[off++] = '/';
                n = strlen(parts[i]);
                memcpy(s + off, parts[i], n);
                off += n;
        }
        s[off] = '\0';
        return s;
}

/* ---- files ---- */

static void file_set_unread(struct drv_file *df, const char *name)
{
        memset(df, 0, sizeof(*df));
        df->name = name;
        df->status = DRV_ST_UNREAD;
        drv_file_set_msg(df, "not read yet");
}

static int file_init(struct engine *e, struct eng_file *f, struct eng_dev *d, enum ef_kind kind,
                     const char *dir, const char *name, int period_ms, int64_t now)
{
        enum sched_mode mode = SCHED_PERIODIC;

        memset(f, 0, sizeof(*f));
        f->dev = d;
        f->kind = kind;
        f->period_ms = period_ms;
        if (dir)
                f->path = path_join(d->td.name, "migration", dir, name);
        else
                f->path = path_join(d->td.name, "migration", name, NULL);
        if (!f->path)
                return -ENOMEM;
        /* "<dev>/migration/" + the label */
        f->label = f->path + strlen(d->td.name) + strlen("/migration/");
        if (period_ms == ENGINE_ONCE)
                mode = SCHED_ONCE;
        else if (period_ms <= 0)
                mode = SCHED_DEMAND;
        sched_init(&f->sch, mode, (int64_t)(period_ms > 0 ? period_ms : 0) * MS_NS,
                   (int64_t)e->o.deadline_ms * MS_NS, now);
        return hist_samples_init(&f->samples, e->o.hist_samples, e->o.hist_bytes);
}

static void file_release(struct eng_file *f)
{
        free(f->path);
        hist_samples_free(&f->samples);
        f->path = NULL;
        f->label = NULL;
}

struct drv_file *eng_file_model(struct eng_file *f)
{
        struct tree_dev *td = &f->dev->td;

        switch (f->kind) {
        case EF_STATE:
                return &td->state_file;
        case EF_FEATURES:
                return &td->features_file;
        default:
                return &td->dirs[f->dir].files[f->idx];
        }
}

/* ---- devices ---- */

static void dev_free_dirs(struct engine *e, struct eng_dev *d)
{
        bool busy = false;

        for (size_t i = 0; i < d->ndfiles; i++)
                busy |= d->dfiles[i].sch.in_flight;
        for (size_t i = 0; i < d->ndfiles; i++)
                file_release(&d->dfiles[i]);
        if (busy && d->dfiles) {
                struct graveyard *g = calloc(1, sizeof(*g));

                if (g) {
                        g->files = d->dfiles;
                        g->n = d->ndfiles;
                        g->next = e->grave;
                        e->grave = g;
                }
                /* without memory for the list, leak rather than free what a read points at */
        } else {
                free(d->dfiles);
        }
        d->dfiles = NULL;
        d->ndfiles = 0;
        for (size_t i = 0; i < d->td.ndirs; i++) {
                for (unsigned j = 0; j < d->td.dirs[i].nfiles; j++)
                        drv_file_free(&d->td.dirs[i].files[j]);
                free(d->td.dirs[i].files);
                free(d->td.dirs[i].name);
        }
        free(d->td.dirs);
        d->td.dirs = NULL;
        d->td.ndirs = 0;
}

void eng_dev_free(struct engine *e, struct eng_dev *d)
{
        dev_free_dirs(e, d);
        file_release(&d->state);
        file_release(&d->features);
        drv_file_free(&d->td.state_file);
        drv_file_free(&d->td.features_file);
        hist_states_free(&d->hist);
        klog_ring_free(&d->klog);
        eng_devcopy_put(d->copy);
        eng_sys_put(d->sys);
        free(d->td.name);
        free(d);
}

static int period_for(const struct engine *e, const struct drv_file_desc *desc)
{
        if (strcmp(desc->name, "migf_data") == 0)
                return e->o.migf_ms;
        return desc->costly ? e->o.costly_ms : e->o.other_ms;
}

/* A name under migration/ that is not a core file: a driver directory, known or not. */
static int dev_add_dir(struct engine *e, struct eng_dev *d, const char *name,
                       const struct drv_ops *ops)
{
        struct tree_drvdir *nd = realloc(d->td.dirs, (d->td.ndirs + 1) * sizeof(*nd));
        struct tree_drvdir *dir;
        unsigned n;

        if (!nd)
                return -ENOMEM;
        d->td.dirs = nd;
        dir = &nd[d->td.ndirs];
        memset(dir, 0, sizeof(*dir));
        dir->name = strdup(name);
        if (!dir->name)
                return -ENOMEM;
        dir->ops = ops;
        d->td.ndirs++; /* freed with the device from here on */
        n = ops ? (ops->nfiles < DRV_MAX_FILES ? ops->nfiles : DRV_MAX_FILES) : 0;
        if (n) {
                dir->files = calloc(n, sizeof(*dir->files));
                if (!dir->files)
                        return -ENOMEM;
        }
        dir->nfiles = n;
        for (unsigned j = 0; j < n; j++)
                file_set_unread(&dir->files[j], ops->files[j].name);
        return 0;
}

/* List <dev>/migration and set up the driver directories' files. */
static int dev_discover(struct engine *e, struct eng_dev *d, int64_t now)
{
        struct src_list l;
        char *path = path_join(d->td.name, "migration", NULL, NULL);
        int ret;

        if (!path)
                return -ENOMEM;
        ret = src_list(e->src, path, &l);
        if (ret < 0) {
                free(path);
                return ret;
        }
        dev_free_dirs(e, d);
        d->td.has_migration = l.err == 0;
        d->td.err = l.err == ENOENT ? 0 : l.err;
        for (size_t i = 0; ret == 0 && i < l.n; i++) {
                const char *n = l.names[i];
                const struct drv_ops *ops;
                char *sub;
                struct src_list sl;

                if (strcmp(n, "state") == 0 || strcmp(n, "features") == 0)
                        continue;
                ops = drv_find(n);
                if (!ops) {
                        /* an unknown name: shown when it is a directory, never read */
                        sub = path_join(path, n, NULL, NULL);
                        if (!sub) {
                                ret = -ENOMEM;
                                break;
                        }
                        ret = src_list(e->src, sub, &sl);
                        free(sub);
                        if (ret < 0)
                                break;
                        if (sl.err) {
                                src_list_free(&sl);
                                continue;
                        }
                        src_list_free(&sl);
                }
                ret = dev_add_dir(e, d, n, ops);
        }
        src_list_free(&l);
        free(path);
        if (ret < 0)
                return ret;
        for (size_t i = 0; i < d->td.ndirs; i++)
                d->ndfiles += d->td.dirs[i].nfiles;
        d->dfiles = calloc(d->ndfiles ? d->ndfiles : 1, sizeof(*d->dfiles));
        if (!d->dfiles) {
                d->ndfiles = 0;
                return -ENOMEM;
        }
        for (size_t i = 0; i < d->td.ndirs; i++) {
                const struct tree_drvdir *dir = &d->td.dirs[i];

                for (unsigned j = 0; j < dir->nfiles; j++) {
                        struct eng_file *f = eng_dfile(d, i, j);
                        const struct drv_file_desc *desc = &dir->ops->files[j];

                        ret = file_init(e, f, d, EF_DRV, dir->name, desc->name, period_for(e, desc),
                                        now);
                        if (ret < 0)
                                return ret;
                        f->dir = (unsigned)i;
                        f->idx = j;
                        f->costly = desc->costly;
                        f->migf = strcmp(desc->name, "migf_data") == 0;
                }
        }
        return 0;
}

static void dev_restart_core(struct eng_dev *d, int64_t now)
{
        struct eng_file *core[2] = {&d->state, &d->features};

        for (int i = 0; i < 2; i++) {
                struct sched_item *s = &core[i]->sch;

                if (s->in_flight)
                        continue;
                if (s->mode != SCHED_DEMAND)
                        s->next_ns = now;
        }
}

static int dev_new(struct engine *e, const char *name, int64_t now, struct eng_dev **out)
{
        struct eng_dev *d = calloc(1, sizeof(*d));
        int ret;

        *out = NULL;
        if (!d)
                return -ENOMEM;
        d->td.name = strdup(name);
        d->td.state = FSM_INVALID;
        d->td.features = FSM_F_ALL;
        d->seen_ns = now;
        file_set_unread(&d->td.state_file, "state");
        file_set_unread(&d->td.features_file, "features");
        klog_ring_init(&d->klog, e->o.klog_per_dev);
        ret = d->td.name ? 0 : -ENOMEM;
        if (!ret)
                ret = hist_states_init(&d->hist, e->o.hist_changes ? e->o.hist_changes : 1);
        if (!ret)
                ret = file_init(e, &d->state, d, EF_STATE, NULL, "state", e->o.state_ms, now);
        if (!ret)
                ret = file_init(e, &d->features, d, EF_FEATURES, NULL, "features", e->o.features_ms,
                                now);
        if (!ret)
                ret = dev_discover(e, d, now);
        if (ret) {
                eng_dev_free(e, d);
                return ret;
        }
        *out = d;
        return 0;
}

static void log_device(struct engine *e, const struct eng_dev *d, const char *action,
                       const char *reason)
{
        if (e->o.log)
                evlog_device(e->o.log, eng_realtime(e), d->td.name, action, reason);
}

void eng_dev_mark_gone(struct engine *e, struct eng_dev *d, int64_t now, const char *reason)
{
        struct drv_file *all[2] = {&d->td.state_file, &d->td.features_file};

        if (d->gone)
                return;
        d->gone = true;
        d->gone_ns = now;
        /* reads still out on it count no more: their results will be dropped */
        for (size_t i = 0; i < d->ndfiles + 2; i++) {
                struct eng_file *f = i == 0 ? &d->state : i == 1 ? &d->features : &d->dfiles[i - 2];

                if (f->sch.in_flight && !f->blocked) {
                        f->blocked = true;
                        e->pending--;
                }
        }
        for (int i = 0; i < 2; i++) {
                all[i]->status = DRV_ST_GONE;
                drv_file_set_msg(all[i], "device vanished (%s)", reason);
        }
        for (size_t i = 0; i < d->td.ndirs; i++) {
                for (unsigned j = 0; j < d->td.dirs[i].nfiles; j++) {
                        struct drv_file *f = &d->td.dirs[i].files[j];

                        f->status = DRV_ST_GONE;
                        drv_file_set_msg(f, "device vanished (%s)", reason);
                }
        }
        dev_touch(e, d);
        log_device(e, d, "removed", reason);
}

/* A vanished device is back (same name): read it afresh, keep its history. */
static int dev_revive(struct engine *e, struct eng_dev *d, int64_t now)
{
        int ret = dev_discover(e, d, now);

        if (ret < 0)
                return ret;
        d->gone = false;
        d->seen_ns = now;
        drv_file_free(&d->td.state_file);
        file_set_unread(&d->td.state_file, "state");
        drv_file_free(&d->td.features_file);
        file_set_unread(&d->td.features_file, "features");
        /*
         * Their next reads are first reads again: parsed even when they return the bytes
         * read before the device vanished (else the model, reset above, stayed unread).
         */
        d->state.info.read_once = false;
        d->features.info.read_once = false;
        dev_restart_core(d, now);
        e->next_ns = 0;
        dev_touch(e, d);
        log_device(e, d, "added", "seen again");
        return 0;
}

static long dev_index(const struct engine *e, const char *name, bool *found)
{
        size_t lo = 0, hi = e->ndevs;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(e->devs[mid]->td.name, name);

                if (c == 0) {
                        *found = true;
                        return (long)mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return (long)lo;
}

struct eng_dev *eng_dev_lookup(const struct engine *e, const char *name)
{
        bool found;
        long i = dev_index(e, name, &found);

        return found ? e->devs[i] : NULL;
}

/* The sysfs facts of a debugfs device name (a few small sysfs reads, once per device). */
static void sys_lookup(struct disc *disc, const char *name, struct engine_sys *out)
{
        struct disc_dev *dd = calloc(1, sizeof(*dd));

        memset(out, 0, sizeof(*out));
        out->iommu_group = out->numa_node = out->pci_device = -1;
        if (!dd)
                return;
        if (disc_lookup(disc, name, dd) == 0) {
                out->known = true;
                snprintf(out->driver, sizeof(out->driver), "%s", dd->driver);
                snprintf(out->name, sizeof(out->name), "%s",
                         dd->mdev_type_name[0] ? dd->mdev_type_name
                         : dd->mdev_type[0]    ? dd->mdev_type
                                               : dd->pci_name);
                snprintf(out->parent, sizeof(out->parent), "%s", dd->parent);
                out->iommu_group = dd->iommu_group;
                out->numa_node = dd->numa_node;
                if (dd->bus == DISC_BUS_PCI && dd->has_ids)
                        out->pci_device = dd->device;
        }
        free(dd);
}

static int dev_insert(struct engine *e, const char *name, int64_t now)
{
        struct eng_dev *d;
        bool found;
        long at = dev_index(e, name, &found);
        int ret;

        if (found)
                return 0;
        if (e->ndevs == e->capdevs) {
                size_t ncap = e->capdevs ? e->capdevs * 2 : 16;
                struct eng_dev **nd = realloc(e->devs, ncap * sizeof(*nd));

                if (!nd)
                        return -ENOMEM;
                e->devs = nd;
                e->capdevs = ncap;
        }
        ret = dev_new(e, name, now, &d);
        if (ret)
                return ret;
        if (e->o.disc) {
                /* without memory for them, the device is shown without its sysfs facts */
                d->sys = malloc(sizeof(*d->sys));
                if (d->sys) {
                        atomic_init(&d->sys->refs, 1);
                        sys_lookup(e->o.disc, name, &d->sys->pub);
                }
        }
        memmove(&e->devs[at + 1], &e->devs[at], (e->ndevs - (size_t)at) * sizeof(*e->devs));
        e->devs[at] = d;
        e->ndevs++;
        e->next_ns = 0;
        dev_touch(e, d);
        log_device(e, d, "added", NULL);
        eng_klog_adopt(e, d);
        return 0;
}

/* Whether the device's own directory is still there (ENOENT/ENODEV: it vanished). */
int eng_dev_dir_err(struct engine *e, const struct eng_dev *d)
{
        struct src_list l;
        int err;

        if (src_list(e->src, d->td.name, &l) < 0)
                return 0;
        err = l.err;
        src_list_free(&l);
        return err;
}

int eng_rescan(struct engine *e, int64_t now)
{
        struct src_list l;
        int ret = src_list(e->src, "", &l);
        size_t k = 0;

        if (ret < 0)
                return ret;
        if (e->root_err != l.err) {
                e->seq++;
                e->root_msg[0] = '\0';
                if (l.err)
                        tree_root_message(l.err, e->src->root,
                                          e->src->ops->kind &&
                                              strcmp(e->src->ops->kind, "local") == 0,
                                          e->root_msg, sizeof(e->root_msg));
        }
        e->root_err = l.err;
        if (l.err && l.err != ENOENT) {
                /* EACCES, ...: say why and keep what was seen */
                src_list_free(&l);
                return 0;
        }
        /* l.names is sorted like e->devs: one merge pass finds what vanished */
        for (size_t i = 0; i < e->ndevs; i++) {
                struct eng_dev *d = e->devs[i];
                int c = 1;

                while (k < l.n && (c = strcmp(l.names[k], d->td.name)) < 0)
                        k++;
                if (k >= l.n || c != 0)
                        eng_dev_mark_gone(e, d, now, "removed");
        }
        for (size_t i = 0; i < l.n; i++) {
                struct eng_dev *d = eng_dev_lookup(e, l.names[i]);

                if (!d) {
                        ret = dev_insert(e, l.names[i], now);
                } else if (d->gone) {
                        int err = eng_dev_dir_err(e, d);

                        if (err != ENOENT && err != ENODEV)
                                ret = dev_revive(e, d, now);
                } else if (!d->td.has_migration) {
                        /* migration/ may appear late (driver bound after the device) */
                        bool had = d->td.has_migration;

                        ret = dev_discover(e, d, now);
                        if (ret == 0 && had != d->td.has_migration) {
                                e->next_ns = 0;
                                dev_touch(e, d);
                        }
                }
                if (ret < 0)
                        break;
        }
        src_list_free(&l);
        return ret;
}

/* No read of the device is out: nothing points at its files any more. */
static bool dev_idle(const struct eng_dev *d)
{
        if (d->state.sch.in_flight || d->features.sch.in_flight)
                return false;
        for (size_t i = 0; i < d->ndfiles; i++)
                if (d->dfiles[i].sch.in_flight)
                        return false;
        return true;
}

static void dev_drop(struct engine *e, size_t i)
{
        struct eng_dev *d = e->devs[i];

        memmove(&e->devs[i], &e->devs[i + 1], (e->ndevs - i - 1) * sizeof(*e->devs));
        e->ndevs--;
        /* reads held back may name its files: the next pass over the files plans anew */
        e->nbacklog = e->backlog_pos = 0;
        e->next_ns = 0;
        /* its records stay with it: the orphan ring is for devices not seen yet */
        eng_dev_free(e, d);
        e->seq++;
}

void eng_prune_gone(struct engine *e, int64_t now)
{
        int64_t keep = (int64_t)(e->o.gone_keep_ms > 0 ? e->o.gone_keep_ms : 0) * MS_NS;
        size_t ngone = 0;

        for (size_t i = 0; i < e->ndevs;) {
                struct eng_dev *d = e->devs[i];

                if (d->gone && now - d->gone_ns >= keep && dev_idle(d)) {
                        dev_drop(e, i);
                        continue;
                }
                ngone += d->gone;
                i++;
        }
        while (ngone > e->o.gone_max) {
                size_t oldest = e->ndevs;

                for (size_t i = 0; i < e->ndevs; i++) {
                        const struct eng_dev *d = e->devs[i];

                        if (d->gone && dev_idle(d) &&
                            (oldest == e->ndevs || d->gone_ns < e->devs[oldest]->gone_ns))
                                oldest = i;
                }
                if (oldest == e->ndevs)
                        break; /* the rest have reads out: dropped at a later rescan */
                dev_drop(e, oldest);
                ngone--;
        }
}
