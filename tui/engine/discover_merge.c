// SPDX-License-Identifier: GPL-2.0-only
/*
 * discover_merge: the pure half of discovery (engine/discover.h): the debugfs names merged
 * with the sysfs devices into one list, with the reason for every device seen on one side
 * only, and the texts of the reasons and of a device's sysfs facts.  No I/O: discover.c
 * reads sysfs and udev.
 */
#include "engine/discover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int entry_cmp(const void *a, const void *b)
{
        return strcmp(((const struct disc_entry *)a)->name, ((const struct disc_entry *)b)->name);
}

static enum disc_reason sysfs_only_reason(int debugfs_err)
{
        switch (debugfs_err) {
        case 0:
                return DISC_R_NOT_IN_DEBUGFS;
        case ENOENT:
        case ENOTDIR:
                return DISC_R_NO_DEBUGFS;
        case EACCES:
        case EPERM:
                return DISC_R_DEBUGFS_DENIED;
        default:
                return DISC_R_DEBUGFS_ERROR;
        }
}

int disc_merge(char *const *names, size_t n, int debugfs_err, const struct disc_list *sysfs,
               unsigned flags, struct disc_merged *out)
{
        size_t max = n + (sysfs ? sysfs->n : 0), ndebug;
        struct disc_entry *e;

        memset(out, 0, sizeof(*out));
        if (!max)
                return 0;
        e = calloc(max, sizeof(*e));
        if (!e)
                return -ENOMEM;
        out->e = e;
        /* debugfs names first; sorted, so that duplicates and sysfs matches are found */
        for (size_t i = 0; i < n; i++) {
                struct disc_entry *x = &e[out->n];

                if (strlen(names[i]) >= sizeof(x->name))
                        continue; /* longer than any device name: not a device */
                strcpy(x->name, names[i]);
                x->in_debugfs = true;
                out->n++;
        }
        qsort(e, out->n, sizeof(*e), entry_cmp);
        ndebug = 0;
        for (size_t i = 0; i < out->n; i++)
                if (!ndebug || strcmp(e[ndebug - 1].name, e[i].name) != 0)
                        e[ndebug++] = e[i];
        out->n = ndebug;
        for (size_t i = 0; i < ndebug; i++) {
                const struct disc_dev *dev = sysfs ? disc_list_find(sysfs, e[i].name) : NULL;

                if (dev) {
                        e[i].in_sysfs = true;
                        e[i].dev = *dev;
                        e[i].reason = DISC_R_NONE;
                } else {
                        e[i].reason = DISC_R_NOT_IN_SYSFS;
                }
        }
        for (size_t i = 0; sysfs && i < sysfs->n; i++) {
                const struct disc_dev *dev = &sysfs->devs[i];
                struct disc_entry key, *x;

                memcpy(key.name, dev->name, sizeof(key.name));
                if (bsearch(&key, e, ndebug, sizeof(*e), entry_cmp))
                        continue;
                if (dev->mig != DISC_MIG_LIKELY && !(flags & DISC_MERGE_ALL_VFIO))
                        continue;
                x = &e[out->n++];
                memset(x, 0, sizeof(*x)); /* may hold a moved-away duplicate */
                memcpy(x->name, dev->name, sizeof(x->name));
                x->in_sysfs = true;
                x->dev = *dev;
                x->reason = sysfs_only_reason(debugfs_err);
        }
        qsort(e, out->n, sizeof(*e), entry_cmp);
        return 0;
}

void disc_merged_free(struct disc_merged *m)
{
        if (!m)
                return;
        free(m->e);
        m->e = NULL;
        m->n = 0;
}

const char *disc_reason_text(enum disc_reason r)
{
        switch (r) {
        case DISC_R_NONE:
                return "";
        case DISC_R_NO_DEBUGFS:
                return "no debugfs: kernel built without CONFIG_VFIO_DEBUGFS, or debugfs not "
                       "mounted";
        case DISC_R_DEBUGFS_DENIED:
                return "debugfs not readable: run as root";
        case DISC_R_DEBUGFS_ERROR:
                return "debugfs could not be listed";
        case DISC_R_NOT_IN_DEBUGFS:
                return "not in debugfs: no vfio debugfs directory for this device (yet)";
        case DISC_R_NOT_IN_SYSFS:
                return "not found in sysfs: driver, group and parent unknown";
        }
        return "?";
}

const char *disc_reason_key(enum disc_reason r)
{
        switch (r) {
        case DISC_R_NONE:
                return "none";
        case DISC_R_NO_DEBUGFS:
                return "no_debugfs";
        case DISC_R_DEBUGFS_DENIED:
                return "debugfs_denied";
        case DISC_R_DEBUGFS_ERROR:
                return "debugfs_error";
        case DISC_R_NOT_IN_DEBUGFS:
                return "not_in_debugfs";
        case DISC_R_NOT_IN_SYSFS:
                return "not_in_sysfs";
        }
        return "?";
}

int disc_format_dev(const struct disc_dev *dev, char *buf, size_t n)
{
        char group[24] = "no group", node[24] = "", parent[DISC_NAME_MAX + 16] = "";
        char ids[DISC_PCINAME_MAX + 16] = "", type[2 * DISC_NAME_MAX + 8] = "";

        if (dev->iommu_group >= 0)
                snprintf(group, sizeof(group), "group %d", dev->iommu_group);
        if (dev->numa_node >= 0)
                snprintf(node, sizeof(node), " node %d", dev->numa_node);
        if (dev->parent[0])
                snprintf(parent, sizeof(parent), " %s %s", dev->is_vf ? "VF of" : "parent",
                         dev->parent);
        if (dev->has_ids && dev->pci_name_known)
                snprintf(ids, sizeof(ids), " [%04x:%04x %s]", dev->vendor, dev->device,
                         dev->pci_name);
        else if (dev->has_ids)
                snprintf(ids, sizeof(ids), " [%04x:%04x]", dev->vendor, dev->device);
        if (dev->mdev_type[0] && dev->mdev_type_name[0])
                snprintf(type, sizeof(type), " type %s (%s)", dev->mdev_type, dev->mdev_type_name);
        else if (dev->mdev_type[0])
                snprintf(type, sizeof(type), " type %s", dev->mdev_type);
        return snprintf(buf, n, "%s %s%s%s%s%s", dev->driver[0] ? dev->driver : "(no driver)",
                        group, node, parent, type, ids);
}
