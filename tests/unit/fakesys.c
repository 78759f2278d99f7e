/* SPDX-License-Identifier: GPL-2.0-only */
#include "fakesys.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdirs(char *path)
{
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = 0;
                if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                        *p = '/';
                        return -errno;
                }
                *p = '/';
        }
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int mkparent(const char *path)
{
        char buf[1024];
        char *slash;

        if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
                return -ENAMETOOLONG;
        slash = strrchr(buf, '/');
        if (!slash || slash == buf)
                return 0;
        *slash = 0;
        return mkdirs(buf);
}

static int mkdir_rel(const char *root, const char *rel)
{
        char buf[1024];

        if (snprintf(buf, sizeof(buf), "%s/%s", root, rel) >= (int)sizeof(buf))
                return -ENAMETOOLONG;
        return mkdirs(buf);
}

int fakesys_new(char *root, size_t n)
{
        int err;

        if (snprintf(root, n, "/tmp/migtop-fakesys-XXXXXX") >= (int)n)
                return -ENAMETOOLONG;
        if (!mkdtemp(root))
                return -errno;
        err = mkdir_rel(root, "sys/bus/pci/devices");
        if (!err)
                err = mkdir_rel(root, "sys/bus/mdev/devices");
        return err;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path) ? -1 : 0;
}

int fakesys_remove(const char *root)
{
        return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

int fakesys_file(const char *root, const char *rel, const char *text)
{
        char path[1024];
        FILE *f;
        int err;

        if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        err = mkparent(path);
        if (err)
                return err;
        f = fopen(path, "w");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) ? -errno : 0;
}

int fakesys_link(const char *root, const char *rel, const char *target)
{
        char path[1024];
        int err;

        if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        err = mkparent(path);
        if (err)
                return err;
        unlink(path);
        return symlink(target, path) ? -errno : 0;
}

/* Bind dir (relative) to <bus>'s driver, and put it into an IOMMU group. */
static int bind_and_group(const char *root, const char *dir, const char *bus, const char *driver,
                          int group)
{
        char rel[512], target[1024];
        int err = 0;

        if (driver) {
                snprintf(rel, sizeof(rel), "sys/bus/%s/drivers/%s", bus, driver);
                err = mkdir_rel(root, rel);
                snprintf(rel, sizeof(rel), "%s/driver", dir);
                snprintf(target, sizeof(target), "%s/sys/bus/%s/drivers/%s", root, bus, driver);
                if (!err)
                        err = fakesys_link(root, rel, target);
        }
        if (!err && group != FAKESYS_NONE) {
                snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d", group);
                err = mkdir_rel(root, rel);
                snprintf(rel, sizeof(rel), "%s/iommu_group", dir);
                snprintf(target, sizeof(target), "%s/sys/kernel/iommu_groups/%d", root, group);
                if (!err)
                        err = fakesys_link(root, rel, target);
        }
        return err;
}

int fakesys_pci(const char *root, const char *name, const char *driver, unsigned vendor,
                unsigned device, int group, int numa, const char *pf)
{
        char dir[256], rel[512], text[32], target[1024];
        int err;

        snprintf(dir, sizeof(dir), "sys/devices/pci0000:00/%s", name);
        err = mkdir_rel(root, dir);
        snprintf(rel, sizeof(rel), "%s/vendor", dir);
        snprintf(text, sizeof(text), "0x%04x\n", vendor);
        if (!err)
                err = fakesys_file(root, rel, text);
        snprintf(rel, sizeof(rel), "%s/device", dir);
        snprintf(text, sizeof(text), "0x%04x\n", device);
        if (!err)
                err = fakesys_file(root, rel, text);
        if (!err && numa != FAKESYS_NONE) {
                snprintf(rel, sizeof(rel), "%s/numa_node", dir);
                snprintf(text, sizeof(text), "%d\n", numa);
                err = fakesys_file(root, rel, text);
        }
        if (!err && pf) {
                snprintf(rel, sizeof(rel), "%s/physfn", dir);
                snprintf(target, sizeof(target), "../%s", pf);
                err = fakesys_link(root, rel, target);
        }
        if (!err)
                err = bind_and_group(root, dir, "pci", driver, group);
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", name);
        snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", name);
        if (!err)
                err = fakesys_link(root, rel, target);
        return err;
}

int fakesys_mdev(const char *root, const char *uuid, const char *parent, const char *driver,
                 const char *type, const char *type_name, int group)
{
        char pdir[256], dir[384], rel[512], target[1024];
        int err;

        snprintf(pdir, sizeof(pdir), "sys/devices/virtual/%s/%s", parent, parent);
        snprintf(dir, sizeof(dir), "%s/%s", pdir, uuid);
        err = mkdir_rel(root, dir);
        snprintf(rel, sizeof(rel), "%s/mdev_supported_types/%s", pdir, type);
        if (!err)
                err = mkdir_rel(root, rel);
        if (!err && type_name) {
                snprintf(rel, sizeof(rel), "%s/mdev_supported_types/%s/name", pdir, type);
                err = fakesys_file(root, rel, type_name);
        }
        snprintf(rel, sizeof(rel), "%s/mdev_type", dir);
        snprintf(target, sizeof(target), "../mdev_supported_types/%s", type);
        if (!err)
                err = fakesys_link(root, rel, target);
        if (!err)
                err = bind_and_group(root, dir, "mdev", driver, group);
        snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", uuid);
        snprintf(target, sizeof(target), "%s/%s", root, dir);
        if (!err)
                err = fakesys_link(root, rel, target);
        return err;
}
