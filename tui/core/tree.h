/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tree: the vfio debugfs tree as a model, read in one pass through a source:
 *
 *   <root>/<dev>/migration/{state,features,<driver dir>/<files>}
 *
 * root defaults to /sys/kernel/debug/vfio.  <dev> is a PCI address or an mdev UUID.
 * Every file carries its own status; one bad file never hides the others.
 */
#ifndef MIGTOP_CORE_TREE_H
#define MIGTOP_CORE_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "drv.h"
#include "fsm.h"
#include "src.h"

#define TREE_DEFAULT_ROOT "/sys/kernel/debug/vfio"

struct tree_drvdir {
        char *name;                /* "hisi_acc" */
        const struct drv_ops *ops; /* NULL: unknown driver directory (listed, not read) */
        unsigned nfiles;
        struct drv_file *files; /* nfiles of them (malloc'd), in ops->files order */
};

struct tree_dev {
        char *name;         /* directory name under root */
        bool has_migration; /* migration/ exists */
        int err;            /* listing the device failed (positive errno), else 0 */
        struct drv_file state_file;
        enum fsm_state state;
        struct drv_file features_file;
        unsigned features; /* FSM_F_* (FSM_F_ALL when the file is absent) */
        size_t ndirs;
        struct tree_drvdir *dirs;
};

struct tree {
        int err;       /* 0, or the positive errno of listing the root */
        char msg[256]; /* when err: what is wrong and how to fix it (mount debugfs, be root) */
        size_t ndevs;
        struct tree_dev *devs; /* sorted by name */
};

/* Path helpers: "<dev>/migration/state", "<dev>/migration/<dir>/<file>". */
int tree_path(char *buf, size_t size, const char *dev, const char *dir, const char *file);

/*
 * What a failure to open or list the root means and how to fix it (root missing: mount
 * debugfs or build with CONFIG_VFIO_DEBUGFS; EACCES: run as root).  local: root is a
 * local path (lets it check whether the parent is a mounted debugfs).
 */
void tree_root_message(int err, const char *root, bool local, char *msg, size_t size);

/* Read one device.  Returns 0 (see out->err and the files' statuses) or -ENOMEM. */
int tree_read_dev(struct src *s, const char *name, struct tree_dev *out);
/* Read every device under the source's root.  Returns 0 (see out->err) or -ENOMEM. */
int tree_read(struct src *s, struct tree *out);
const struct tree_dev *tree_find(const struct tree *t, const char *name);
/* Files of every device (core and known driver files) whose status is st. */
size_t tree_count_status(const struct tree *t, enum drv_status st);
/* The parsed file, or NULL ("hisi_acc", "dev_data"). */
const struct drv_file *tree_dev_file(const struct tree_dev *d, const char *dir, const char *file);
void tree_dev_free(struct tree_dev *d);
void tree_free(struct tree *t);

#endif
