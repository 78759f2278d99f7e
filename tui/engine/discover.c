/* SPDX-License-Identifier: GPL-2.0-only */
#include "engine/discover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libudev.h>
#include <pci/pci.h>

struct disc {
        char *root; /* without trailing '/': "" for "/" */
        char *pci_ids;
        unsigned flags;
        struct pci_access *pacc; /* loaded on first name lookup */
        bool names_broken;       /* libpci failed (malformed pci.ids): hex only */
        jmp_buf pci_jmp;
        /* recent name lookups: a host has many VFs of few models (hwdb lookups are slow) */
        struct {
                uint32_t id; /* vendor << 16 | device; 0 = empty */
                bool known;
                char name[DISC_PCINAME_MAX];
        } cache[16];
        unsigned cache_next;
        struct udev *udev;
        struct udev_monitor *mon;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static int copy_str(char *dst, size_t n, const char *src)
{
        size_t len = strlen(src);

        if (len >= n)
                return -ENAMETOOLONG;
        memcpy(dst, src, len + 1);
        return 0;
}

static int path_fmt(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int path_fmt(char *buf, size_t n, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vsnprintf(buf, n, fmt, ap);
        va_end(ap);
        if (r < 0 || (size_t)r >= n)
                return -ENAMETOOLONG;
        return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lx = strlen(suffix);

        return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static bool in_table(const char *s, const char *const *tab, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, tab[i]) == 0)
                        return true;
        return false;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A name that can be a single sysfs directory entry. */
static bool name_ok(const char *name)
{
        return name[0] && strlen(name) < DISC_NAME_MAX && !strchr(name, '/') &&
               strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* The last component of a symlink's target under dir. */
static int link_base(const char *dir, const char *link, char *out, size_t n)
{
        char path[DISC_PATH_MAX], target[DISC_PATH_MAX];
        const char *base;
        ssize_t len;
        int err = path_fmt(path, sizeof(path), "%s/%s", dir, link);

        if (err)
                return err;
        len = readlink(path, target, sizeof(target) - 1);
        if (len < 0)
                return -errno;
        target[len] = 0;
        while (len > 1 && target[len - 1] == '/')
                target[--len] = 0;
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        return copy_str(out, n, base);
}

/* A small sysfs attribute, trailing whitespace removed. */
static int read_attr(const char *dir, const char *attr, char *out, size_t n)
{
        char path[DISC_PATH_MAX];
        ssize_t len;
        int fd, err = path_fmt(path, sizeof(path), "%s/%s", dir, attr);

        if (err)
                return err;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        len = read(fd, out, n - 1);
        err = len < 0 ? -errno : 0;
        close(fd);
        if (err)
                return err;
        while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
                len--;
        out[len] = 0;
        return 0;
}

static int read_long(const char *dir, const char *attr, int base, long *out)
{
        char buf[64], *end;
        long v;
        int err = read_attr(dir, attr, buf, sizeof(buf));

        if (err)
                return err;
        errno = 0;
        v = strtol(buf, &end, base);
        if (errno || end == buf || *end)
                return -EINVAL;
        *out = v;
        return 0;
}

static int read_id(const char *dir, const char *attr, uint16_t *out)
{
        long v;
        int err = read_long(dir, attr, 16, &v);

        if (err)
                return err;
        if (v < 0 || v > 0xffff)
                return -ERANGE;
        *out = (uint16_t)v;
        return 0;
}

/* ---- the driver heuristic -------------------------------------------------------------- */

static const char *const mig_pci[] = {
    "hisi_acc_vfio_pci", "mlx5_vfio_pci", "pds_vfio_pci", "qat_vfio_pci", "virtio_vfio_pci",
};
static const char *const nomig_pci[] = {"vfio-pci", "nvgrace_gpu_vfio_pci"};
static const char *const mig_mdev[] = {"mtty", "migtop_acc"};
static const char *const nomig_mdev[] = {
    "mdpy", "mbochs", "intel_vgpu_mdev", "vfio_ap_mdev", "vfio_ccw_mdev",
};

static bool vfio_pci_driver(const char *drv)
{
        return strncmp(drv, "vfio", 4) == 0 || ends_with(drv, "_vfio_pci");
}

enum disc_mig disc_driver_mig(enum disc_bus bus, const char *driver)
{
        if (!driver || !driver[0])
                return DISC_MIG_NO;
        switch (bus) {
        case DISC_BUS_PCI:
                if (in_table(driver, mig_pci, ARRAY_SIZE(mig_pci)))
                        return DISC_MIG_LIKELY;
                if (in_table(driver, nomig_pci, ARRAY_SIZE(nomig_pci)))
                        return DISC_MIG_NO;
                return vfio_pci_driver(driver) ? DISC_MIG_UNKNOWN : DISC_MIG_NO;
        case DISC_BUS_MDEV:
                if (in_table(driver, mig_mdev, ARRAY_SIZE(mig_mdev)))
                        return DISC_MIG_LIKELY;
                if (in_table(driver, nomig_mdev, ARRAY_SIZE(nomig_mdev)))
                        return DISC_MIG_NO;
                return DISC_MIG_UNKNOWN;
        case DISC_BUS_OTHER:
                return strncmp(driver, "vfio", 4) == 0 ? DISC_MIG_UNKNOWN : DISC_MIG_NO;
        }
        return DISC_MIG_NO;
}

const char *disc_mig_name(enum disc_mig m)
{
        switch (m) {
        case DISC_MIG_NO:
                return "no";
        case DISC_MIG_UNKNOWN:
                return "unknown";
        case DISC_MIG_LIKELY:
                return "likely";
        }
        return "?";
}

/* ---- libpci names ------------------------------------------------------------------------ */

/*
 * libpci reports a malformed pci.ids through a->error, which must not return (its default
 * calls exit()).  The handler jumps back to disc_pci_name(); it finds the context there
 * through this thread-local pointer, set only for the duration of a lookup.
 */
static _Thread_local struct disc *pci_cur;

static void pci_err(char *msg, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void pci_err(char *msg, ...)
{
        (void)msg;
        if (pci_cur)
                longjmp(pci_cur->pci_jmp, 1);
        abort(); /* cannot happen: libpci only calls it from within a lookup */
}

static void pci_quiet(char *msg, ...) __attribute__((format(printf, 1, 2)));
static void pci_quiet(char *msg, ...)
{
        (void)msg; /* never print below a curses screen */
}

static int pci_setup(struct disc *d)
{
        if (d->pacc)
                return 0;
        d->pacc = pci_alloc();
        if (!d->pacc)
                return -ENOMEM;
        d->pacc->error = pci_err;
        d->pacc->warning = pci_quiet;
        d->pacc->debug = pci_quiet;
        d->pacc->id_lookup_mode = 0; /* no DNS, no ~/.pciids-cache */
        if (d->pci_ids) {
                pci_set_name_list_path(d->pacc, d->pci_ids, 0);
                d->pacc->id_lookup_mode |= PCI_LOOKUP_NO_HWDB;
        }
        return 0;
}

static bool pci_lookup(struct disc *d, uint16_t vendor, uint16_t device, char *buf, size_t n)
{
        /* volatile: read after a longjmp */
        char *volatile r = NULL;
        int size = n > INT_MAX ? INT_MAX : (int)n;

        if (d->names_broken || (d->flags & DISC_F_NO_NAMES) || pci_setup(d))
                return false;
        pci_cur = d;
        if (setjmp(d->pci_jmp) == 0) {
                r = pci_lookup_name(d->pacc, buf, size,
                                    PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
                                    vendor, device);
        } else {
                d->names_broken = true;
                r = NULL;
        }
        pci_cur = NULL;
        /* r may be a libpci constant ("buffer too small") rather than buf */
        return r == buf;
}

bool disc_pci_name(struct disc *d, uint16_t vendor, uint16_t device, char *buf, size_t n)
{
        uint32_t id = (uint32_t)vendor << 16 | device;
        size_t slot;
        bool known;

        if (!n)
                return false;
        for (size_t i = 0; id && n >= DISC_PCINAME_MAX && i < ARRAY_SIZE(d->cache); i++) {
                if (d->cache[i].id == id) {
                        snprintf(buf, n, "%s", d->cache[i].name);
                        return d->cache[i].known;
                }
        }
        known = pci_lookup(d, vendor, device, buf, n);
        if (!known)
                snprintf(buf, n, "%04x:%04x", vendor, device);
        /* only full-size answers are cached: a short buffer may hold a cut name */
        if (id && n >= DISC_PCINAME_MAX) {
                slot = d->cache_next++ % ARRAY_SIZE(d->cache);
                d->cache[slot].id = id;
                d->cache[slot].known = known;
                snprintf(d->cache[slot].name, sizeof(d->cache[slot].name), "%s", buf);
        }
        return known;
}

/* ---- context ----------------------------------------------------------------------------- */

int disc_open(const char *root, const char *pci_ids, unsigned flags, struct disc **out)
{
        struct disc *d = calloc(1, sizeof(*d));
        size_t len;

        *out = NULL;
        if (!d)
                return -ENOMEM;
        if (!root)
                root = "/";
        d->root = strdup(root);
        d->pci_ids = pci_ids ? strdup(pci_ids) : NULL;
        if (!d->root || (pci_ids && !d->pci_ids)) {
                disc_close(d);
                return -ENOMEM;
        }
        len = strlen(d->root);
        while (len > 0 && d->root[len - 1] == '/')
                d->root[--len] = 0;
        d->flags = flags;
        *out = d;
        return 0;
}

void disc_close(struct disc *d)
{
        if (!d)
                return;
        if (d->mon)
                udev_monitor_unref(d->mon);
        if (d->udev)
                udev_unref(d->udev);
        if (d->pacc)
                pci_cleanup(d->pacc);
        free(d->pci_ids);
        free(d->root);
        free(d);
}

/* ---- reading one device -------------------------------------------------------------- */

static void dev_init(struct disc_dev *dev, enum disc_bus bus)
{
        memset(dev, 0, sizeof(*dev));
        dev->bus = bus;
        dev->iommu_group = -1;
        dev->numa_node = -1;
}

static void read_common(const char *dir, struct disc_dev *dev)
{
        char buf[DISC_NAME_MAX];
        long v;

        if (link_base(dir, "driver", dev->driver, sizeof(dev->driver)))
                dev->driver[0] = 0;
        if (link_base(dir, "iommu_group", buf, sizeof(buf)) == 0) {
                char *end;

                errno = 0;
                v = strtol(buf, &end, 10);
                if (!errno && end != buf && !*end && v >= 0 && v <= INT_MAX)
                        dev->iommu_group = (int)v;
        }
        if (read_long(dir, "numa_node", 10, &v) == 0 && v >= -1 && v <= INT_MAX)
                dev->numa_node = (int)v;
}

static void read_pci(struct disc *d, const char *dir, struct disc_dev *dev)
{
        if (link_base(dir, "physfn", dev->parent, sizeof(dev->parent)) == 0)
                dev->is_vf = true;
        else
                dev->parent[0] = 0;
        dev->has_ids =
            read_id(dir, "vendor", &dev->vendor) == 0 && read_id(dir, "device", &dev->device) == 0;
        if (dev->has_ids)
                dev->pci_name_known = disc_pci_name(d, dev->vendor, dev->device, dev->pci_name,
                                                    sizeof(dev->pci_name));
}

static void read_mdev(const char *dir, struct disc_dev *dev)
{
        char parent[DISC_PATH_MAX], *slash;
        long v;

        if (link_base(dir, "mdev_type", dev->mdev_type, sizeof(dev->mdev_type)))
                dev->mdev_type[0] = 0;
        if (read_attr(dir, "mdev_type/name", dev->mdev_type_name, sizeof(dev->mdev_type_name)))
                dev->mdev_type_name[0] = 0;
        /* The mdev's directory is a child of its parent device's directory. */
        if (copy_str(parent, sizeof(parent), dir))
                return;
        slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return;
        *slash = 0;
        slash = strrchr(parent, '/');
        if (copy_str(dev->parent, sizeof(dev->parent), slash ? slash + 1 : parent))
                dev->parent[0] = 0;
        if (dev->numa_node < 0 && read_long(parent, "numa_node", 10, &v) == 0 && v >= -1 &&
            v <= INT_MAX)
                dev->numa_node = (int)v;
}

/*
 * Fill dev from <root>/sys/bus/<bus>/devices/<name>.  -ENOENT when the device is not
 * there (or vanished).
 */
static int read_dev(struct disc *d, const char *busdir, enum disc_bus bus, const char *name,
                    struct disc_dev *dev)
{
        char path[DISC_PATH_MAX], *real;
        int err;

        if (!name_ok(name))
                return -EINVAL;
        err = path_fmt(path, sizeof(path), "%s/sys/bus/%s/devices/%s", d->root, busdir, name);
        if (err)
                return err;
        real = realpath(path, NULL);
        if (!real)
                return errno == ENOMEM ? -ENOMEM : -ENOENT;
        dev_init(dev, bus);
        err = copy_str(dev->syspath, sizeof(dev->syspath), real);
        free(real);
        if (err)
                return err;
        copy_str(dev->name, sizeof(dev->name), name); /* fits: name_ok() */
        read_common(dev->syspath, dev);
        if (bus == DISC_BUS_PCI)
                read_pci(d, dev->syspath, dev);
        else if (bus == DISC_BUS_MDEV)
                read_mdev(dev->syspath, dev);
        dev->mig = disc_driver_mig(bus, dev->driver);
        /* Vanished while we read it: the directory is gone. */
        if (access(dev->syspath, F_OK) != 0)
                return -ENOENT;
        return 0;
}

int disc_lookup(struct disc *d, const char *name, struct disc_dev *out)
{
        static const struct {
                const char *dir;
                enum disc_bus bus;
        } buses[] = {
            {"pci", DISC_BUS_PCI},
            {"mdev", DISC_BUS_MDEV},
            {"platform", DISC_BUS_OTHER},
        };

        if (!name_ok(name))
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(buses); i++) {
                int err = read_dev(d, buses[i].dir, buses[i].bus, name, out);

                if (err != -ENOENT)
                        return err;
        }
        return -ENOENT;
}

/* ---- enumeration ------------------------------------------------------------------------- */

static int list_push(struct disc_list *l, size_t *cap, const struct disc_dev *dev)
{
        if (l->n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 16;
                struct disc_dev *nd = realloc(l->devs, ncap * sizeof(*nd));

                if (!nd)
                        return -ENOMEM;
                l->devs = nd;
                *cap = ncap;
        }
        l->devs[l->n++] = *dev;
        return 0;
}

static bool wanted(enum disc_bus bus, const char *driver)
{
        if (!driver[0])
                return false; /* unbound: not a VFIO device */
        return bus == DISC_BUS_MDEV || vfio_pci_driver(driver);
}

static int scan_bus(struct disc *d, const char *busdir, enum disc_bus bus, struct disc_list *l,
                    size_t *cap)
{
        char path[DISC_PATH_MAX], devdir[DISC_PATH_MAX], drv[DISC_NAME_MAX];
        struct disc_dev *dev;
        struct dirent *de;
        DIR *dir;
        int err = path_fmt(path, sizeof(path), "%s/sys/bus/%s/devices", d->root, busdir);

        if (err)
                return err;
        dir = opendir(path);
        if (!dir)
                return 0; /* no such bus here: no devices */
        dev = malloc(sizeof(*dev));
        if (!dev) {
                closedir(dir);
                return -ENOMEM;
        }
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.' || !name_ok(de->d_name))
                        continue;
                /* Cheap filter first: most PCI devices are not bound to VFIO. */
                if (path_fmt(devdir, sizeof(devdir), "%s/%s", path, de->d_name) ||
                    link_base(devdir, "driver", drv, sizeof(drv)) || !wanted(bus, drv))
                        continue;
                err = read_dev(d, busdir, bus, de->d_name, dev);
                if (err == -ENOMEM)
                        break;
                /* Vanished or rebound meanwhile: skip it; the monitor reports it. */
                if (err || !wanted(bus, dev->driver)) {
                        err = 0;
                        continue;
                }
                err = list_push(l, cap, dev);
                if (err)
                        break;
        }
        free(dev);
        closedir(dir);
        return err;
}

static int dev_cmp(const void *a, const void *b)
{
        return strcmp(((const struct disc_dev *)a)->name, ((const struct disc_dev *)b)->name);
}

int disc_scan(struct disc *d, struct disc_list *out)
{
        char path[DISC_PATH_MAX];
        struct stat st;
        size_t cap = 0;
        int err;

        memset(out, 0, sizeof(*out));
        err = path_fmt(path, sizeof(path), "%s/sys/bus", d->root);
        if (err)
                return err;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
                return -ENOENT;
        err = scan_bus(d, "pci", DISC_BUS_PCI, out, &cap);
        if (!err)
                err = scan_bus(d, "mdev", DISC_BUS_MDEV, out, &cap);
        if (err) {
                disc_list_free(out);
                return err;
        }
        if (out->n > 1)
                qsort(out->devs, out->n, sizeof(*out->devs), dev_cmp);
        return 0;
}

void disc_list_free(struct disc_list *l)
{
        if (!l)
                return;
        free(l->devs);
        l->devs = NULL;
        l->n = 0;
}

const struct disc_dev *disc_list_find(const struct disc_list *l, const char *name)
{
        struct disc_dev key;

        if (!l->n || copy_str(key.name, sizeof(key.name), name))
                return NULL;
        return bsearch(&key, l->devs, l->n, sizeof(*l->devs), dev_cmp);
}

/* ---- rescan (the merge itself: discover_merge.c) ------------------------------------ */

int disc_rescan(struct disc *d, char *const *names, size_t n, int debugfs_err, unsigned flags,
                struct disc_merged *out)
{
        struct disc_list l;
        struct disc_dev *dev;
        size_t cap;
        int err, scan_err;

        memset(out, 0, sizeof(*out));
        scan_err = disc_scan(d, &l);
        if (scan_err == -ENOMEM)
                return scan_err;
        cap = l.n;
        dev = malloc(sizeof(*dev));
        if (!dev) {
                disc_list_free(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; !scan_err && i < n; i++) {
                size_t before = l.n;

                if (disc_list_find(&l, names[i]))
                        continue;
                err = disc_lookup(d, names[i], dev);
                if (err == -ENOMEM || (!err && (err = list_push(&l, &cap, dev)))) {
                        free(dev);
                        disc_list_free(&l);
                        return -ENOMEM;
                }
                /* keep it sorted for disc_list_find() */
                if (l.n > before)
                        qsort(l.devs, l.n, sizeof(*l.devs), dev_cmp);
        }
        free(dev);
        err = disc_merge(names, n, debugfs_err, &l, flags, out);
        disc_list_free(&l);
        return err ? err : scan_err;
}

/* ---- udev monitor ----------------------------------------------------------------------- */

int disc_change_from_uevent(const char *action, const char *subsystem, const char *sysname,
                            struct disc_change *out)
{
        memset(out, 0, sizeof(*out));
        if (!action || !subsystem || !sysname || !name_ok(sysname))
                return -EINVAL;
        if (strcmp(subsystem, "pci") == 0)
                out->bus = DISC_BUS_PCI;
        else if (strcmp(subsystem, "mdev") == 0)
                out->bus = DISC_BUS_MDEV;
        else
                return -EINVAL;
        if (strcmp(action, "add") == 0)
                out->action = DISC_ADDED;
        else if (strcmp(action, "remove") == 0)
                out->action = DISC_REMOVED;
        else
                out->action = DISC_CHANGED;
        copy_str(out->name, sizeof(out->name), sysname); /* fits: name_ok() */
        return 0;
}

int disc_changes_add(struct disc_changes *cs, const struct disc_change *ch)
{
        for (size_t i = 0; i < cs->n; i++) {
                struct disc_change *c = &cs->c[i];

                if (strcmp(c->name, ch->name) != 0)
                        continue;
                if (ch->action == DISC_REMOVED)
                        c->action = DISC_REMOVED;
                else if (c->action == DISC_REMOVED)
                        c->action = ch->action == DISC_ADDED ? DISC_CHANGED : ch->action;
                /* ADDED then CHANGED stays ADDED; CHANGED then ADDED: ADDED */
                else if (ch->action == DISC_ADDED)
                        c->action = DISC_ADDED;
                return 0;
        }
        if (cs->n == cs->cap) {
                size_t ncap = cs->cap ? cs->cap * 2 : 8;
                struct disc_change *nc = realloc(cs->c, ncap * sizeof(*nc));

                if (!nc)
                        return -ENOMEM;
                cs->c = nc;
                cs->cap = ncap;
        }
        cs->c[cs->n++] = *ch;
        return 0;
}

void disc_changes_free(struct disc_changes *cs)
{
        if (!cs)
                return;
        free(cs->c);
        memset(cs, 0, sizeof(*cs));
}

int disc_monitor_start(struct disc *d)
{
        int err;

        if (d->mon)
                return udev_monitor_get_fd(d->mon);
        if (!d->udev) {
                d->udev = udev_new();
                if (!d->udev)
                        return errno ? -errno : -ENOMEM;
        }
        d->mon = udev_monitor_new_from_netlink(
            d->udev, (d->flags & DISC_F_KERNEL_UEVENTS) ? "kernel" : "udev");
        if (!d->mon)
                return errno ? -errno : -ENOMEM;
        err = udev_monitor_filter_add_match_subsystem_devtype(d->mon, "pci", NULL);
        if (err >= 0)
                err = udev_monitor_filter_add_match_subsystem_devtype(d->mon, "mdev", NULL);
        if (err >= 0)
                err = udev_monitor_enable_receiving(d->mon);
        if (err >= 0) {
                int fd = udev_monitor_get_fd(d->mon);
                int fl = fcntl(fd, F_GETFL);

                if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                        err = -errno;
                else
                        return fd;
        }
        udev_monitor_unref(d->mon);
        d->mon = NULL;
        return err < 0 ? err : -EIO;
}

int disc_monitor_fd(const struct disc *d)
{
        return d->mon ? udev_monitor_get_fd(d->mon) : -1;
}

int disc_monitor_process(struct disc *d, struct disc_changes *out)
{
        struct udev_device *ud;
        int nev = 0;

        if (!d->mon)
                return -EBADF;
        /* non-blocking fd: receive_device() returns NULL when the queue is empty */
        while ((ud = udev_monitor_receive_device(d->mon))) {
                struct disc_change ch;
                int err = 0;

                nev++;
                if (disc_change_from_uevent(udev_device_get_action(ud),
                                            udev_device_get_subsystem(ud),
                                            udev_device_get_sysname(ud), &ch) == 0)
                        err = disc_changes_add(out, &ch);
                udev_device_unref(ud);
                if (err)
                        return err;
        }
        return nev;
}
