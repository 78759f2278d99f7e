/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tree: one pass over <root>/<dev>/migration/.  Each file is read once and keeps its own
 * status, so one failing file (or a device removed while it is being read) never hides
 * the others: reads that fail after the listing simply give ENOENT and status absent.
 */
#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#define TREE_DEBUGFS_MAGIC 0x64626720 /* DEBUGFS_MAGIC, include/uapi/linux/magic.h */

int tree_path(char *buf, size_t size, const char *dev, const char *dir, const char *file)
{
        int n;

        if (dir && file)
                n = snprintf(buf, size, "%s/migration/%s/%s", dev, dir, file);
        else if (dir || file)
                n = snprintf(buf, size, "%s/migration/%s", dev, dir ? dir : file);
        else
                n = snprintf(buf, size, "%s/migration", dev);
        if (n < 0 || (size_t)n >= size)
                return -ENAMETOOLONG;
        return 0;
}

/* Read path and return it as a src_read; a path that does not fit gives ENAMETOOLONG. */
static int tree_read_file(struct src *s, const char *dev, const char *dir, const char *file,
                          struct src_read *r)
{
        char path[512];

        if (tree_path(path, sizeof(path), dev, dir, file) < 0) {
                memset(r, 0, sizeof(*r));
                r->err = ENAMETOOLONG;
                return 0;
        }
        return src_read(s, path, r);
}

static bool tree_listed(const struct src_list *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->names[i], name) == 0)
                        return true;
        return false;
}

static int tree_read_drvdir(struct src *s, const char *dev, struct tree_drvdir *d)
{
        unsigned n = d->ops->nfiles < DRV_MAX_FILES ? d->ops->nfiles : DRV_MAX_FILES;

        d->files = calloc(n ? n : 1, sizeof(*d->files));
        if (!d->files)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                struct src_read r;
                int ret = tree_read_file(s, dev, d->name, d->ops->files[i].name, &r);

                if (ret < 0)
                        return ret;
                ret = drv_file_from_read(d->ops, i, &r, &d->files[i]);
                src_read_free(&r);
                if (ret < 0)
                        return ret;
                d->nfiles = i + 1;
        }
        return 0;
}

/* Whether name under migration/ is a directory (an unknown one is listed to find out). */
static int tree_is_dir(struct src *s, const char *dev, const char *name, bool *isdir)
{
        char path[512];
        struct src_list l;
        int ret;

        *isdir = false;
        if (tree_path(path, sizeof(path), dev, name, NULL) < 0)
                return 0;
        ret = src_list(s, path, &l);
        if (ret < 0)
                return ret;
        *isdir = l.err == 0;
        src_list_free(&l);
        return 0;
}

static int tree_read_dirs(struct src *s, struct tree_dev *out, const struct src_list *mig)
{
        out->dirs = calloc(mig->n ? mig->n : 1, sizeof(*out->dirs));
        if (!out->dirs)
                return -ENOMEM;
        for (size_t i = 0; i < mig->n; i++) {
                const char *name = mig->names[i];
                const struct drv_ops *ops;
                struct tree_drvdir *d;
                bool isdir = true;
                int ret;

                if (strcmp(name, "state") == 0 || strcmp(name, "features") == 0)
                        continue;
                ops = drv_find(name);
                if (!ops) {
                        ret = tree_is_dir(s, out->name, name, &isdir);
                        if (ret < 0)
                                return ret;
                        if (!isdir)
                                continue; /* an unknown file, not a driver directory */
                }
                d = &out->dirs[out->ndirs];
                d->name = strdup(name);
                if (!d->name)
                        return -ENOMEM;
                d->ops = ops;
                out->ndirs++;
                if (ops) {
                        ret = tree_read_drvdir(s, out->name, d);
                        if (ret < 0)
                                return ret;
                }
        }
        return 0;
}

/* The state and features files when migration/ cannot be read: absent or the error. */
static void tree_no_migration(struct tree_dev *out, int err, const char *why)
{
        char msg[DRV_MSG_MAX];

        out->state_file.name = "state";
        out->features_file.name = "features";
        out->state = FSM_INVALID;
        out->features = FSM_F_ALL;
        out->state_file.status = drv_errno_generic(err, msg, sizeof(msg));
        out->features_file.status = out->state_file.status;
        out->state_file.err = err;
        out->features_file.err = err;
        drv_file_set_msg(&out->state_file, "%s", why ? why : msg);
        drv_file_set_msg(&out->features_file, "%s", why ? why : msg);
}

int tree_read_dev(struct src *s, const char *name, struct tree_dev *out)
{
        struct src_list mig, dev;
        struct src_read r;
        char path[512];
        int ret;

        memset(out, 0, sizeof(*out));
        out->name = strdup(name);
        if (!out->name)
                return -ENOMEM;
        if (tree_path(path, sizeof(path), name, NULL, NULL) < 0) {
                out->err = ENAMETOOLONG;
                tree_no_migration(out, ENAMETOOLONG, NULL);
                return 0;
        }
        ret = src_list(s, path, &mig);
        if (ret < 0)
                goto fail;
        if (mig.err) {
                int err = mig.err;

                src_list_free(&mig);
                if (err != ENOENT) {
                        out->err = err;
                        tree_no_migration(out, err, NULL);
                        return 0;
                }
                /* no migration/: a device without migration support, or gone */
                ret = src_list(s, name, &dev);
                if (ret < 0)
                        goto fail;
                out->err = dev.err;
                src_list_free(&dev);
                tree_no_migration(out, ENOENT,
                                  out->err ? "the device vanished while being read"
                                           : "the device's driver has no migration support");
                return 0;
        }
        out->has_migration = true;

        ret = tree_read_file(s, name, NULL, "state", &r);
        if (ret < 0)
                goto fail_mig;
        ret = drv_state_from_read(&r, &out->state_file, &out->state);
        src_read_free(&r);
        if (ret < 0)
                goto fail_mig;

        if (tree_listed(&mig, "features")) {
                ret = tree_read_file(s, name, NULL, "features", &r);
                if (ret < 0)
                        goto fail_mig;
        } else {
                memset(&r, 0, sizeof(r));
                r.err = ENOENT; /* not listed: not read, absent as before 6.18 */
        }
        ret = drv_features_from_read(&r, &out->features_file, &out->features);
        src_read_free(&r);
        if (ret < 0)
                goto fail_mig;
        if (out->features_file.status != DRV_ST_OK)
                out->features = FSM_F_ALL;

        ret = tree_read_dirs(s, out, &mig);
        if (ret < 0)
                goto fail_mig;
        src_list_free(&mig);
        return 0;
fail_mig:
        src_list_free(&mig);
fail:
        tree_dev_free(out);
        return ret;
}

/* Whether path is inside a mounted debugfs (local sources only). */
static bool tree_on_debugfs(const char *path)
{
        struct statfs st;

        return statfs(path, &st) == 0 && (unsigned long)st.f_type == TREE_DEBUGFS_MAGIC;
}

void tree_root_message(int err, const char *root, bool local, char *msg, size_t size)
{
        char parent[256];
        const char *slash;

        if (!root)
                root = TREE_DEFAULT_ROOT;
        switch (err) {
        case 0:
                snprintf(msg, size, "%s", "");
                return;
        case EACCES:
        case EPERM:
                snprintf(msg, size,
                         "%s: permission denied: debugfs is readable by root only, run as root",
                         root);
                return;
        case ENOTDIR:
                snprintf(msg, size, "%s is not a directory", root);
                return;
        case ENOENT:
                break;
        default:
                snprintf(msg, size, "%s: %s (%s)", root, strerrordesc_np(err),
                         src_errno_name(err) ? src_errno_name(err) : "?");
                return;
        }
        slash = strrchr(root, '/');
        if (local && slash && slash != root && (size_t)(slash - root) < sizeof(parent)) {
                memcpy(parent, root, (size_t)(slash - root));
                parent[slash - root] = '\0';
                if (tree_on_debugfs(parent)) {
                        snprintf(msg, size,
                                 "%s does not exist: no vfio directory in debugfs; the kernel "
                                 "needs CONFIG_VFIO_DEBUGFS=y (many distribution kernels, "
                                 "Debian's included, build without it) and the vfio module",
                                 root);
                        return;
                }
                if (strcmp(root, TREE_DEFAULT_ROOT) == 0) {
                        snprintf(msg, size,
                                 "%s does not exist: debugfs not mounted? "
                                 "mount -t debugfs none /sys/kernel/debug",
                                 root);
                        return;
                }
        }
        snprintf(msg, size, "%s does not exist", root);
}

static int tree_dev_cmp(const void *a, const void *b)
{
        return strcmp(((const struct tree_dev *)a)->name, ((const struct tree_dev *)b)->name);
}

int tree_read(struct src *s, struct tree *out)
{
        struct src_list l;
        int ret;

        memset(out, 0, sizeof(*out));
        ret = src_list(s, "", &l);
        if (ret < 0)
                return ret;
        if (l.err) {
                out->err = l.err;
                tree_root_message(l.err, s->root,
                                  s->ops->kind && strcmp(s->ops->kind, "local") == 0, out->msg,
                                  sizeof(out->msg));
                return 0;
        }
        out->devs = calloc(l.n ? l.n : 1, sizeof(*out->devs));
        if (!out->devs) {
                src_list_free(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l.n; i++) {
                ret = tree_read_dev(s, l.names[i], &out->devs[out->ndevs]);
                if (ret < 0) {
                        src_list_free(&l);
                        tree_free(out);
                        return ret;
                }
                out->ndevs++;
        }
        src_list_free(&l);
        if (out->ndevs > 1)
                qsort(out->devs, out->ndevs, sizeof(*out->devs), tree_dev_cmp);
        return 0;
}

const struct tree_dev *tree_find(const struct tree *t, const char *name)
{
        for (size_t i = 0; i < t->ndevs; i++)
                if (strcmp(t->devs[i].name, name) == 0)
                        return &t->devs[i];
        return NULL;
}

size_t tree_count_status(const struct tree *t, enum drv_status st)
{
        size_t n = 0;

        for (size_t i = 0; i < t->ndevs; i++) {
                const struct tree_dev *d = &t->devs[i];

                n += (d->state_file.status == st) + (d->features_file.status == st);
                for (size_t k = 0; k < d->ndirs; k++)
                        for (unsigned j = 0; j < d->dirs[k].nfiles; j++)
                                n += d->dirs[k].files[j].status == st;
        }
        return n;
}

const struct drv_file *tree_dev_file(const struct tree_dev *d, const char *dir, const char *file)
{
        if (!dir) {
                if (strcmp(file, "state") == 0)
                        return &d->state_file;
                if (strcmp(file, "features") == 0)
                        return &d->features_file;
                return NULL;
        }
        for (size_t i = 0; i < d->ndirs; i++) {
                const struct tree_drvdir *dd = &d->dirs[i];
                int idx;

                if (strcmp(dd->name, dir) != 0 || !dd->ops)
                        continue;
                idx = drv_file_index(dd->ops, file);
                if (idx < 0 || (unsigned)idx >= dd->nfiles)
                        return NULL;
                return &dd->files[idx];
        }
        return NULL;
}

void tree_dev_free(struct tree_dev *d)
{
        if (!d)
                return;
        for (size_t i = 0; i < d->ndirs; i++) {
                for (unsigned k = 0; k < d->dirs[i].nfiles; k++)
                        drv_file_free(&d->dirs[i].files[k]);
                free(d->dirs[i].files);
                free(d->dirs[i].name);
        }
        free(d->dirs);
        drv_file_free(&d->state_file);
        drv_file_free(&d->features_file);
        free(d->name);
        memset(d, 0, sizeof(*d));
}

void tree_free(struct tree *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->ndevs; i++)
                tree_dev_free(&t->devs[i]);
        free(t->devs);
        t->devs = NULL;
        t->ndevs = 0;
}
