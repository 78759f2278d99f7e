// SPDX-License-Identifier: GPL-2.0-only
#include "engine/engine.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reader.h"
#include "engine/sched.h"

#define MS_NS     1000000LL
#define COLLECT_N 64

enum ef_kind { EF_STATE, EF_FEATURES, EF_DRV };

struct eng_dev;

struct eng_file {
        struct eng_dev *dev;
        enum ef_kind kind;
        unsigned dir, idx; /* EF_DRV: td.dirs[dir].files[idx] */
        char *path;        /* relative to the source root */
        char *label;       /* for the log: "state", "hisi_acc/dev_data" */
        bool costly;       /* takes driver locks: held back during a migration */
        bool migf;         /* holds the last migration's data: read when one ends */
        int period_ms;     /* the cadence it was set up with */
        struct sched_item sch;
        bool blocked;
        struct hist_samples samples;
        struct engine_file_info info;
};

struct eng_dev {
        struct tree_dev td; /* the engine's current view of the device */
        struct engine_sys sys;
        struct eng_file state, features;
        struct eng_file *dfiles; /* td.ndirs * DRV_MAX_FILES, only nfiles of each used */
        size_t ndfiles;
        struct hist_states hist;
        bool gone;
        int64_t seen_ns, gone_ns;
        uint64_t ver;         /* bumped on every change a snapshot shows */
        struct devcopy *copy; /* the last snapshot copy, while ver matches */
};

/* A device as snapshots show it; shared by every snapshot taken while it did not change. */
struct devcopy {
        atomic_uint refs;
        uint64_t ver;
        struct tree_dev td;          /* deep copy */
        struct engine_dev_info info; /* changes and dir_info owned here */
};

/* Arrays of files retired while a read may still point at them (freed at the end). */
struct graveyard {
        struct eng_file *files;
        size_t n;
        struct graveyard *next;
};

struct snap_priv {
        struct engine_snap pub; /* first: engine_snap_put() converts back */
        atomic_uint refs;
        struct devcopy **dc; /* pub.tree.devs[i] and pub.info[i] are shallow copies of dc[i] */
};

struct engine {
        struct engine_opts o;
        struct reader *rd;
        struct src *src;       /* owned by rd */
        struct eng_dev **devs; /* sorted by name */
        size_t ndevs, capdevs;
        struct graveyard *grave;
        int root_err;
        char root_msg[256]; /* what is wrong with the root and how to fix it */
        bool rescan_now;
        int64_t next_rescan_ns;
        int64_t next_ns;   /* earliest planned work after the last engine_process() */
        uint64_t seq;      /* bumped on every change a snapshot shows */
        unsigned inflight; /* reads submitted and not yet returned */
        unsigned pending;  /* ... of which not blocked (and not of a vanished device) */
        /* due files held back while max_inflight reads were out, started as reads return */
        struct eng_file **backlog;
        size_t nbacklog, backlog_pos, capbacklog;
        struct snap_priv *snap; /* the current snapshot (when its seq is current) */
};

static int64_t mono_default(void *ctx)
{
        (void)ctx;
        return reader_mono_ns();
}

static int64_t eng_now(const struct engine *e)
{
        return e->o.now(e->o.now_ctx);
}

void engine_opts_default(struct engine_opts *o)
{
        memset(o, 0, sizeof(*o));
        o->state_ms = 250;
        o->features_ms = ENGINE_ONCE;
        o->costly_ms = 5000;
        o->migf_ms = ENGINE_ONCE;
        o->other_ms = 5000;
        o->deadline_ms = 1000;
        o->rescan_ms = 2000;
        o->quiet_in_migration = true;
        o->max_workers = 8;
        o->max_inflight = 32;
        o->hist_changes = 256;
        o->hist_samples = 32;
        o->hist_bytes = 64 * 1024;
}

static bool in_migration(enum fsm_state s)
{
        return s == FSM_STOP_COPY || s == FSM_RESUMING || s == FSM_PRE_COPY ||
               s == FSM_PRE_COPY_P2P;
}

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

static void devcopy_put(struct devcopy *c);

static void dev_touch(struct engine *e, struct eng_dev *d)
{
        e->seq++;
        d->ver++;
}

/* ---- files ---- */

static void file_set_unread(struct drv_file *df, const char *name)
{
        memset(df, 0, sizeof(*df));
        df->name = name;
        df->status = DRV_ST_NOT_READY;
        snprintf(df->msg, sizeof(df->msg), "not read yet");
}

static int file_init(struct engine *e, struct eng_file *f, struct eng_dev *d, enum ef_kind kind,
                     const char *dir, const char *name, int period_ms, int64_t now)
{
        enum sched_mode mode = SCHED_PERIODIC;

        memset(f, 0, sizeof(*f));
        f->dev = d;
        f->kind = kind;
        f->period_ms = period_ms;
        if (dir) {
                f->path = path_join(d->td.name, "migration", dir, name);
                f->label = path_join(dir, name, NULL, NULL);
        } else {
                f->path = path_join(d->td.name, "migration", name, NULL);
                f->label = strdup(name);
        }
        if (!f->path || !f->label)
                return -ENOMEM;
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
        free(f->label);
        hist_samples_free(&f->samples);
        f->path = NULL;
        f->label = NULL;
}

static struct drv_file *file_model(struct eng_file *f)
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
                free(d->td.dirs[i].name);
        }
        free(d->td.dirs);
        d->td.dirs = NULL;
        d->td.ndirs = 0;
}

static void dev_free(struct engine *e, struct eng_dev *d)
{
        dev_free_dirs(e, d);
        file_release(&d->state);
        file_release(&d->features);
        drv_file_free(&d->td.state_file);
        drv_file_free(&d->td.features_file);
        hist_states_free(&d->hist);
        devcopy_put(d->copy);
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

        if (!nd)
                return -ENOMEM;
        d->td.dirs = nd;
        dir = &nd[d->td.ndirs];
        memset(dir, 0, sizeof(*dir));
        dir->name = strdup(name);
        if (!dir->name)
                return -ENOMEM;
        dir->ops = ops;
        dir->nfiles = ops ? (ops->nfiles < DRV_MAX_FILES ? ops->nfiles : DRV_MAX_FILES) : 0;
        for (unsigned j = 0; j < dir->nfiles; j++)
                file_set_unread(&dir->files[j], ops->files[j].name);
        d->td.ndirs++;
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
        d->dfiles = calloc(d->td.ndirs ? d->td.ndirs * DRV_MAX_FILES : 1, sizeof(*d->dfiles));
        if (!d->dfiles)
                return -ENOMEM;
        d->ndfiles = d->td.ndirs * DRV_MAX_FILES;
        for (size_t i = 0; i < d->td.ndirs; i++) {
                const struct tree_drvdir *dir = &d->td.dirs[i];

                for (unsigned j = 0; j < dir->nfiles; j++) {
                        struct eng_file *f = &d->dfiles[i * DRV_MAX_FILES + j];
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
                dev_free(e, d);
                return ret;
        }
        *out = d;
        return 0;
}

static void log_device(struct engine *e, const struct eng_dev *d, const char *action,
                       const char *reason)
{
        if (e->o.log)
                evlog_device(e->o.log, src_now_ns(), d->td.name, action, reason);
}

static void dev_mark_gone(struct engine *e, struct eng_dev *d, int64_t now, const char *reason)
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
                snprintf(all[i]->msg, sizeof(all[i]->msg), "device vanished (%s)", reason);
        }
        for (size_t i = 0; i < d->td.ndirs; i++) {
                for (unsigned j = 0; j < d->td.dirs[i].nfiles; j++) {
                        struct drv_file *f = &d->td.dirs[i].files[j];

                        f->status = DRV_ST_GONE;
                        snprintf(f->msg, sizeof(f->msg), "device vanished (%s)", reason);
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

static struct eng_dev *dev_lookup(const struct engine *e, const char *name)
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
        out->iommu_group = out->numa_node = -1;
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
        if (e->o.disc)
                sys_lookup(e->o.disc, name, &d->sys);
        memmove(&e->devs[at + 1], &e->devs[at], (e->ndevs - (size_t)at) * sizeof(*e->devs));
        e->devs[at] = d;
        e->ndevs++;
        e->next_ns = 0;
        dev_touch(e, d);
        log_device(e, d, "added", NULL);
        return 0;
}

/* Whether the device's own directory is still there (ENOENT/ENODEV: it vanished). */
static int dev_dir_err(struct engine *e, const struct eng_dev *d)
{
        struct src_list l;
        int err;

        if (src_list(e->src, d->td.name, &l) < 0)
                return 0;
        err = l.err;
        src_list_free(&l);
        return err;
}

static int rescan(struct engine *e, int64_t now)
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
                        dev_mark_gone(e, d, now, "removed");
        }
        for (size_t i = 0; i < l.n; i++) {
                struct eng_dev *d = dev_lookup(e, l.names[i]);

                if (!d) {
                        ret = dev_insert(e, l.names[i], now);
                } else if (d->gone) {
                        int err = dev_dir_err(e, d);

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

/* ---- results ---- */

static void log_file(struct engine *e, const struct eng_file *f, const struct drv_file *df)
{
        if (e->o.log)
                evlog_file(e->o.log, src_now_ns(), f->dev->td.name, f->label,
                           drv_status_name(df->status), df->err, df->text_len);
}

static void demand_migf(struct eng_dev *d)
{
        for (size_t i = 0; i < d->ndfiles; i++)
                if (d->dfiles[i].migf && d->dfiles[i].path)
                        sched_demand(&d->dfiles[i].sch);
}

/*
 * After a state change, read the costly files once so that what they show (e.g. "not
 * opened" before the VMM opened the device) is not stale for a whole slow period; not
 * while data moves (STOP_COPY, PRE_COPY[_P2P]), where the read would slow the migration.
 */
static void demand_costly(struct eng_dev *d, enum fsm_state to)
{
        if (to == FSM_STOP_COPY || to == FSM_PRE_COPY || to == FSM_PRE_COPY_P2P)
                return;
        for (size_t i = 0; i < d->ndfiles; i++)
                if (d->dfiles[i].costly && d->dfiles[i].path)
                        sched_demand(&d->dfiles[i].sch);
}

static void state_observe(struct engine *e, struct eng_dev *d, enum fsm_state st, int64_t now)
{
        const struct hist_change *c;

        if (hist_states_observe(&d->hist, now, st, d->td.features) != 1)
                return;
        c = hist_states_at(&d->hist, d->hist.n - 1);
        if (e->o.log)
                evlog_state(e->o.log, src_now_ns(), d->td.name, &c->fsm);
        if (in_migration(c->fsm.from) && !in_migration(c->fsm.to))
                demand_migf(d);
        demand_costly(d, c->fsm.to);
        e->next_ns = 0;
        dev_touch(e, d);
}

static int parse(struct eng_file *f, const struct src_read *r, struct drv_file *out,
                 enum fsm_state *st, unsigned *features)
{
        const struct tree_drvdir *dir;

        switch (f->kind) {
        case EF_STATE:
                return drv_state_from_read(r, out, st);
        case EF_FEATURES:
                return drv_features_from_read(r, out, features);
        default:
                dir = &f->dev->td.dirs[f->dir];
                return drv_file_from_read(dir->ops, f->idx, r, out);
        }
}

static int file_take(struct engine *e, struct eng_file *f, struct src_read *r, int64_t now)
{
        struct eng_dev *d = f->dev;
        struct drv_file *cur, nf;
        enum fsm_state st = FSM_INVALID;
        unsigned features = FSM_F_ALL;
        bool was_blocked = f->blocked, first = !f->info.read_once;
        enum drv_status old_status;
        int ret, stored;

        sched_finish(&f->sch, now);
        e->inflight--;
        if (!was_blocked)
                e->pending--;
        f->blocked = false;
        f->info.reads++;
        f->info.last_ns = now;
        if (sched_wakeup(&f->sch, now) < e->next_ns)
                e->next_ns = sched_wakeup(&f->sch, now);
        if (d->gone || !f->path)
                return 0;
        if (f->kind == EF_STATE && (r->err == ENOENT || r->err == ENODEV || r->err == EIO)) {
                int err = dev_dir_err(e, d);

                if (err == ENOENT || err == ENODEV) {
                        dev_mark_gone(e, d, now, src_errno_name(err));
                        return 0;
                }
                if (r->err != EIO)
                        e->rescan_now = true;
        }
        cur = file_model(f);
        stored = hist_samples_observe(&f->samples, now, r->err, r->data, r->len);
        if (stored == 0 && !first && !was_blocked) {
                /* same bytes or errno as last time: nothing to parse again */
                cur->t_start = r->t_start;
                cur->t_end = r->t_end;
                if (f->kind == EF_STATE && cur->status == DRV_ST_OK)
                        hist_states_observe(&d->hist, now, d->td.state, d->td.features);
                return 0;
        }
        ret = parse(f, r, &nf, &st, &features);
        if (ret < 0)
                return ret;
        old_status = cur->status;
        drv_file_free(cur);
        *cur = nf;
        f->info.read_once = true;
        f->info.changes++;
        dev_touch(e, d);
        if (f->kind == EF_FEATURES) {
                d->td.features = cur->status == DRV_ST_OK ? features : FSM_F_ALL;
        } else if (f->kind == EF_STATE) {
                d->td.state = st;
                if (cur->status == DRV_ST_OK)
                        state_observe(e, d, st, now);
        }
        /* state content changes are logged as state events; its failures as file events */
        if (!first && (f->kind != EF_STATE || old_status != cur->status || was_blocked))
                log_file(e, f, cur);
        return 0;
}

static int collect(struct engine *e, int64_t now)
{
        struct reader_done done[COLLECT_N];
        size_t n;
        int ret = 0;

        while ((n = reader_collect(e->rd, done, COLLECT_N)) > 0) {
                for (size_t i = 0; i < n; i++) {
                        int r = file_take(e, done[i].user, &done[i].res, now);

                        if (r < 0 && !ret)
                                ret = r;
                        free(done[i].path);
                        src_read_free(&done[i].res);
                }
        }
        return ret;
}

/* ---- scheduling ---- */

typedef int (*file_fn)(struct engine *e, struct eng_file *f, int64_t now);

static int file_submit(struct engine *e, struct eng_file *f, int64_t now)
{
        int ret = reader_submit(e->rd, f->path, f);

        if (ret < 0)
                return ret;
        sched_start(&f->sch, now);
        e->inflight++;
        e->pending++;
        return 0;
}

static int for_each_file(struct engine *e, file_fn fn, int64_t now)
{
        int ret;

        for (size_t i = 0; i < e->ndevs; i++) {
                struct eng_dev *d = e->devs[i];

                if (d->gone)
                        continue;
                if (d->td.has_migration) {
                        ret = fn(e, &d->state, now);
                        if (!ret)
                                ret = fn(e, &d->features, now);
                        if (ret)
                                return ret;
                }
                for (size_t j = 0; j < d->ndfiles; j++) {
                        if (!d->dfiles[j].path)
                                continue;
                        ret = fn(e, &d->dfiles[j], now);
                        if (ret)
                                return ret;
                }
        }
        return 0;
}

static int check_blocked(struct engine *e, struct eng_file *f, int64_t now)
{
        struct drv_file *df;
        int64_t age;

        if (f->blocked || !sched_blocked(&f->sch, now, &age))
                return 0;
        f->blocked = true;
        e->pending--;
        df = file_model(f);
        df->status = DRV_ST_BLOCKED;
        df->err = 0;
        snprintf(df->msg, sizeof(df->msg), "read blocked: no answer for %lld ms",
                 (long long)(age / MS_NS));
        dev_touch(e, f->dev);
        log_file(e, f, df);
        return 0;
}

static int submit_due(struct engine *e, struct eng_file *f, int64_t now)
{
        if (!sched_due(&f->sch, now))
                return 0;
        if (f->costly && !f->sch.demanded && e->o.quiet_in_migration &&
            in_migration(f->dev->td.state)) {
                /* not now: this read would wait on the locks the migration holds */
                int64_t ms = f->period_ms > 0 ? f->period_ms : e->o.state_ms;

                f->sch.next_ns = now + (ms > 0 ? ms : 250) * MS_NS;
                return 0;
        }
        if (e->pending >= e->o.max_inflight) {
                if (e->nbacklog == e->capbacklog) {
                        size_t ncap = e->capbacklog ? e->capbacklog * 2 : 256;
                        struct eng_file **nb = realloc(e->backlog, ncap * sizeof(*nb));

                        if (!nb)
                                return -ENOMEM;
                        e->backlog = nb;
                        e->capbacklog = ncap;
                }
                e->backlog[e->nbacklog++] = f;
                return 0;
        }
        return file_submit(e, f, now);
}

static int plan_next(struct engine *e, struct eng_file *f, int64_t now)
{
        int64_t w = sched_wakeup(&f->sch, now);

        /* in the backlog: started when reads return, not on a timer */
        if (w <= now && e->backlog_pos < e->nbacklog)
                return 0;
        if (w < e->next_ns)
                e->next_ns = w;
        return 0;
}

/* Start backlogged reads as far as max_inflight allows. */
static int drain_backlog(struct engine *e, int64_t now)
{
        int ret = 0;

        reader_hold(e->rd);
        while (!ret && e->backlog_pos < e->nbacklog && e->pending < e->o.max_inflight) {
                struct eng_file *f = e->backlog[e->backlog_pos++];

                if (!f->path || f->dev->gone || !sched_due(&f->sch, now))
                        continue;
                ret = file_submit(e, f, now);
                if (!ret && sched_wakeup(&f->sch, now) < e->next_ns)
                        e->next_ns = sched_wakeup(&f->sch, now);
        }
        if (reader_release(e->rd) < 0 && !ret)
                ret = -EAGAIN;
        return ret;
}

int engine_process(struct engine *e)
{
        int64_t now = eng_now(e);
        uint64_t seq0 = e->seq;
        bool rescanned = false;
        int ret, r2, r3;

        ret = collect(e, now);
        if (e->rescan_now || (e->o.rescan_ms > 0 && now >= e->next_rescan_ns)) {
                e->rescan_now = false;
                e->next_rescan_ns =
                    now + (int64_t)(e->o.rescan_ms > 0 ? e->o.rescan_ms : 0) * MS_NS;
                r2 = rescan(e, now);
                if (r2 < 0 && !ret)
                        ret = r2;
                rescanned = true;
        }
        /* the passes over every file only when something is due (see plan_next) */
        if (rescanned || now >= e->next_ns) {
                e->nbacklog = e->backlog_pos = 0;
                if (e->inflight)
                        for_each_file(e, check_blocked, now);
                reader_hold(e->rd);
                r2 = for_each_file(e, submit_due, now);
                r3 = reader_release(e->rd);
                if (r3 < 0 && !r2)
                        r2 = r3;
                if (r2 < 0 && !ret)
                        ret = r2;
                e->next_ns = e->o.rescan_ms > 0 ? e->next_rescan_ns : SCHED_NEVER;
                for_each_file(e, plan_next, now);
        } else if (e->backlog_pos < e->nbacklog) {
                r2 = drain_backlog(e, now);
                if (r2 < 0 && !ret)
                        ret = r2;
        }
        if (ret < 0)
                return ret;
        return e->seq != seq0;
}

int engine_next_timeout_ms(const struct engine *e)
{
        int64_t now = eng_now(e), d, g;

        if (e->rescan_now)
                return 0;
        /* reads queued behind stuck workers: come back when another worker may start */
        g = reader_grow_check_ns(e->rd);
        if (e->next_ns == SCHED_NEVER && g < 0)
                return -1;
        d = e->next_ns == SCHED_NEVER ? INT64_MAX : e->next_ns - now;
        if (g >= 0 && g < d)
                d = g;
        if (d <= 0)
                return 0;
        d = (d + MS_NS - 1) / MS_NS;
        return d > INT_MAX ? INT_MAX : (int)d;
}

int engine_fd(const struct engine *e)
{
        return reader_fd(e->rd);
}

void engine_wait(struct engine *e, int timeout_ms)
{
        reader_wait(e->rd, reader_mono_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * MS_NS);
}

unsigned engine_pending(const struct engine *e)
{
        return e->pending;
}

int engine_settle(struct engine *e, int timeout_ms)
{
        int64_t end = reader_mono_ns() + (int64_t)timeout_ms * MS_NS;

        for (;;) {
                int ret = engine_process(e), t;
                int64_t left;

                if (ret < 0)
                        return ret;
                if (engine_pending(e) == 0)
                        return 0;
                left = end - reader_mono_ns();
                if (left <= 0)
                        return -ETIMEDOUT;
                t = engine_next_timeout_ms(e);
                if (t < 0 || (int64_t)t * MS_NS > left)
                        t = (int)((left + MS_NS - 1) / MS_NS);
                engine_wait(e, t);
        }
}

int engine_run_for(struct engine *e, int ms)
{
        int64_t end = reader_mono_ns() + (int64_t)(ms > 0 ? ms : 0) * MS_NS;
        struct pollfd pfd = {.fd = reader_fd(e->rd), .events = POLLIN};

        for (;;) {
                int ret = engine_process(e), t;
                int64_t left = end - reader_mono_ns();

                if (ret < 0)
                        return ret;
                if (left <= 0)
                        return 0;
                t = engine_next_timeout_ms(e);
                if (t < 0 || (int64_t)t * MS_NS > left)
                        t = (int)((left + MS_NS - 1) / MS_NS);
                if (poll(&pfd, 1, t) < 0 && errno == EINTR)
                        return -EINTR;
        }
}

void engine_rescan(struct engine *e)
{
        e->rescan_now = true;
}

static int request_file(struct eng_file *f)
{
        if (!f->path)
                return -ENOENT;
        sched_demand(&f->sch);
        return 0;
}

int engine_request(struct engine *e, const char *dev, const char *dir, const char *file)
{
        struct eng_dev *d = dev_lookup(e, dev);
        int found = 0;

        if (!d)
                return -ENOENT;
        if (d->gone)
                return -ENODEV;
        if (!dir || !*dir) {
                if (d->td.has_migration && (!file || strcmp(file, "state") == 0))
                        found += request_file(&d->state) == 0;
                if (d->td.has_migration && (!file || strcmp(file, "features") == 0))
                        found += request_file(&d->features) == 0;
        }
        for (size_t i = 0; i < d->td.ndirs; i++) {
                const struct tree_drvdir *td = &d->td.dirs[i];

                if (dir && *dir && strcmp(td->name, dir) != 0)
                        continue;
                if (file && (!dir || !*dir))
                        continue;
                for (unsigned j = 0; j < td->nfiles; j++) {
                        if (file && strcmp(td->files[j].name, file) != 0)
                                continue;
                        found += request_file(&d->dfiles[i * DRV_MAX_FILES + j]) == 0;
                }
        }
        if (found)
                e->next_ns = 0;
        return found ? 0 : -ENOENT;
}

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
                free(t->dirs[i].name);
        }
        free(t->dirs);
}

static void devcopy_put(struct devcopy *c)
{
        if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
                return;
        free_dev_copy(&c->td);
        free((void *)c->info.changes);
        free((void *)c->info.dir_info);
        free(c);
}

static void snap_destroy(struct snap_priv *p)
{
        struct engine_snap *s = &p->pub;

        for (size_t i = 0; p->dc && i < s->tree.ndevs; i++)
                devcopy_put(p->dc[i]);
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

        o->sys = d->sys;
        o->gone = d->gone;
        o->seen_ns = d->seen_ns;
        o->gone_ns = d->gone_ns;
        o->have_state = d->hist.have_state;
        o->state_since_ns = d->hist.cur_since_ns;
        o->transitions = d->hist.total;
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
                fi = calloc(d->ndfiles, sizeof(*fi));
                if (!fi)
                        return -ENOMEM;
                for (size_t k = 0; k < d->ndfiles; k++)
                        if (d->dfiles[k].path)
                                file_info(&d->dfiles[k], &fi[k]);
                o->dir_info = fi;
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
        if (copy_dev(&c->td, d) < 0 || info_dev(&c->info, d) < 0) {
                devcopy_put(c);
                return NULL;
        }
        devcopy_put(d->copy);
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
        s->realtime_ns = src_now_ns();
        s->tree.err = e->root_err;
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
        for (size_t k = 0; k < d->ndirs; k++) {
                if (strcmp(d->dirs[k].name, dir) != 0)
                        continue;
                for (unsigned j = 0; j < d->dirs[k].nfiles; j++)
                        if (strcmp(d->dirs[k].files[j].name, file) == 0 && s->info[i].dir_info)
                                return &s->info[i].dir_info[k * DRV_MAX_FILES + j];
        }
        return NULL;
}

/* ---- history ---- */

static struct eng_file *file_lookup(struct engine *e, const char *dev, const char *dir,
                                    const char *file)
{
        struct eng_dev *d = dev_lookup(e, dev);

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
                                return &d->dfiles[i * DRV_MAX_FILES + j];
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

/* ---- life cycle ---- */

int engine_new(struct src *s, const struct engine_opts *o, struct engine **out)
{
        struct engine *e = calloc(1, sizeof(*e));
        int ret;

        *out = NULL;
        if (!e) {
                src_close(s);
                return -ENOMEM;
        }
        if (o)
                e->o = *o;
        else
                engine_opts_default(&e->o);
        if (!e->o.now)
                e->o.now = mono_default;
        if (!e->o.hist_samples)
                e->o.hist_samples = 1;
        if (!e->o.max_inflight)
                e->o.max_inflight = 32;
        ret = reader_new(s, e->o.max_workers ? e->o.max_workers : 8, &e->rd);
        if (ret < 0) {
                src_close(s);
                free(e);
                return ret;
        }
        e->src = s;
        e->rescan_now = true;
        e->next_ns = 0;
        *out = e;
        return 0;
}

void engine_free(struct engine *e)
{
        if (!e)
                return;
        /* first: no completion can reach the files freed below */
        reader_free(e->rd);
        for (size_t i = 0; i < e->ndevs; i++)
                dev_free(e, e->devs[i]);
        free(e->devs);
        while (e->grave) {
                struct graveyard *g = e->grave;

                e->grave = g->next;
                free(g->files);
                free(g);
        }
        if (e->snap)
                engine_snap_put(&e->snap->pub);
        free(e->backlog);
        free(e);
}

int engine_set_state_period(struct engine *e, int ms)
{
        if (ms <= 0)
                return -EINVAL;
        e->o.state_ms = ms;
        for (size_t i = 0; i < e->ndevs; i++) {
                struct eng_file *f = &e->devs[i]->state;

                f->period_ms = ms;
                f->sch.period_ns = (int64_t)ms * MS_NS;
                /* the new cadence applies from now: never later than one new period */
                if (!f->sch.in_flight && f->sch.next_ns > eng_now(e) + f->sch.period_ns)
                        f->sch.next_ns = eng_now(e) + f->sch.period_ns;
        }
        e->next_ns = 0;
        return 0;
}
