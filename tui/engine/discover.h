/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * discover: which VFIO devices exist, from sysfs, and what they are.
 *
 * The debugfs tree (core/tree) names devices by dev_name(): a PCI address
 * ("0000:3b:00.1") or an mdev UUID.  This module maps such a name to its sysfs facts
 * (driver, IOMMU group, NUMA node, PF or mdev parent, vendor/device IDs and names, mdev
 * type), enumerates devices bound to VFIO drivers, merges that list with the debugfs
 * names, and watches udev for devices coming and going.
 *
 * Every sysfs read goes through a root directory ("/" on a live system, a fake tree in
 * tests): the enumeration walks <root>/sys/bus/pci/devices and <root>/sys/bus/mdev/devices
 * with plain readlink()/read() calls, because libudev cannot be re-rooted.  libudev is
 * used for the monitor only (it adds nothing to a sysfs walk for enumeration); libpci for
 * the names (pci.ids, or udev's hwdb when no pci.ids path is given).
 *
 * A struct disc holds no hidden global state; use one context from one thread at a time.
 */
#ifndef MIGTOP_ENGINE_DISCOVER_H
#define MIGTOP_ENGINE_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISC_NAME_MAX    64  /* device, driver, mdev type names (with NUL) */
#define DISC_PATH_MAX    512 /* resolved sysfs path (with NUL) */
#define DISC_PCINAME_MAX 192 /* "Vendor Device" from pci.ids, or "19e5:a256" */

enum disc_bus {
        DISC_BUS_PCI,
        DISC_BUS_MDEV,
        DISC_BUS_OTHER, /* found under another bus (platform...) by disc_lookup() */
};

/*
 * Whether the bound driver supports migration.  A HEURISTIC from the driver's name:
 * sysfs does not say whether a device has migration ops (only debugfs's migration/
 * directory, or the VFIO_DEVICE_FEATURE_MIGRATION ioctl on an opened device, do).
 *  LIKELY:  a variant/mdev driver known to implement migration on some kernel version:
 *           hisi_acc_vfio_pci, mlx5_vfio_pci, pds_vfio_pci, qat_vfio_pci,
 *           virtio_vfio_pci (6.13+), the mtty sample, migtop_acc.  The device itself may
 *           still lack it (a PF, firmware without the capability).
 *  NO:      a VFIO driver known to have no migration (vfio-pci, nvgrace_gpu_vfio_pci,
 *           mdpy, mbochs, intel_vgpu_mdev, vfio_ap_mdev, vfio_ccw_mdev).
 *  UNKNOWN: any other VFIO driver (a newer variant driver, an out-of-tree mdev driver).
 */
enum disc_mig {
        DISC_MIG_NO,
        DISC_MIG_UNKNOWN,
        DISC_MIG_LIKELY,
};

struct disc_dev {
        char name[DISC_NAME_MAX]; /* dev_name: "0000:3b:00.1", mdev UUID */
        enum disc_bus bus;
        char syspath[DISC_PATH_MAX]; /* resolved, including the root prefix */
        char driver[DISC_NAME_MAX];  /* bound driver, "" when unbound */
        int iommu_group;             /* -1: no iommu_group link */
        int numa_node; /* -1: none or unknown (mdev: the parent's node when it has one) */
        char parent[DISC_NAME_MAX]; /* a VF's PF (physfn), an mdev's parent device; "" */
        bool is_vf;                 /* PCI device with a physfn link */
        bool has_ids;               /* vendor/device were read */
        uint16_t vendor;
        uint16_t device;
        bool pci_name_known;                /* pci_name came from the ID database */
        char pci_name[DISC_PCINAME_MAX];    /* "Vendor Device", hex "19e5:a256"; "" */
        char mdev_type[DISC_NAME_MAX];      /* type directory: "migtop_acc-q16"; "" */
        char mdev_type_name[DISC_NAME_MAX]; /* mdev_type/name, when the driver has one */
        enum disc_mig mig;
};

struct disc_list {
        size_t n;
        struct disc_dev *devs; /* sorted by name */
};

/* Flags for disc_open(). */
#define DISC_F_NO_NAMES       (1u << 0) /* do not load pci.ids/hwdb: pci_name stays hex */
#define DISC_F_KERNEL_UEVENTS (1u << 1) /* monitor kernel uevents, not udevd's (no udevd) */

struct disc;

/*
 * A discovery context.  root: the directory holding sys/ ("/" or NULL for the live
 * system).  pci_ids: a pci.ids file to read names from (the hwdb is then not consulted),
 * or NULL for libpci's defaults (udev hwdb, then /usr/share/misc/pci.ids).
 * Returns 0 or a negative errno (-ENOMEM).  The root is not checked here: disc_scan()
 * reports a missing sysfs.
 */
int disc_open(const char *root, const char *pci_ids, unsigned flags, struct disc **out);
void disc_close(struct disc *d);

/*
 * Every PCI device bound to a VFIO driver (a name starting with "vfio" or ending in
 * "_vfio_pci") and every bound mdev.  A device that vanishes while being read is skipped.
 * Missing bus directories (no PCI, mdev not loaded) give no devices, not an error.
 * Returns 0, -ENOENT when <root>/sys/bus does not exist (sysfs not mounted, wrong root),
 * or -ENOMEM.  Free with disc_list_free().
 */
int disc_scan(struct disc *d, struct disc_list *out);
void disc_list_free(struct disc_list *l);
const struct disc_dev *disc_list_find(const struct disc_list *l, const char *name);

/*
 * The sysfs facts of one device by its debugfs directory name, whatever its driver:
 * tried under sys/bus/pci, sys/bus/mdev, then sys/bus/platform.  Returns 0, -EINVAL for a
 * name that cannot be a device ("", "..", containing '/'), -ENOENT when no bus has it.
 */
int disc_lookup(struct disc *d, const char *name, struct disc_dev *out);

/* The migration heuristic for a bound driver (see enum disc_mig). */
enum disc_mig disc_driver_mig(enum disc_bus bus, const char *driver);
const char *disc_mig_name(enum disc_mig m); /* "no", "unknown", "likely" */

/*
 * "Vendor Device" from the ID database into buf; when the database lacks the vendor or
 * the device (or names are off, or the database is unusable), the hex pair "19e5:a256".
 * Returns true when the name came from the database.
 */
bool disc_pci_name(struct disc *d, uint16_t vendor, uint16_t device, char *buf, size_t n);

/* ---- merging the debugfs view with the sysfs view ---------------------------------- */

enum disc_reason {
        DISC_R_NONE,           /* in debugfs (and in sysfs, or looked up there) */
        DISC_R_NO_DEBUGFS,     /* sysfs only; debugfs vfio/ missing */
        DISC_R_DEBUGFS_DENIED, /* sysfs only; debugfs not readable (not root) */
        DISC_R_DEBUGFS_ERROR,  /* sysfs only; listing debugfs failed otherwise */
        DISC_R_NOT_IN_DEBUGFS, /* sysfs only; vfio/ listed but this device is not in it */
        DISC_R_NOT_IN_SYSFS,   /* debugfs only: sysfs facts unknown */
};

struct disc_entry {
        char name[DISC_NAME_MAX];
        bool in_debugfs;
        bool in_sysfs;
        struct disc_dev dev; /* valid when in_sysfs */
        enum disc_reason reason;
};

struct disc_merged {
        size_t n;
        struct disc_entry *e; /* sorted by name */
};

/* Flags for disc_merge()/disc_rescan(). */
#define DISC_MERGE_ALL_VFIO (1u << 0) /* list sysfs-only devices whatever their disc_mig */

/*
 * Merge debugfs directory names (names[0..n), any order; duplicates ignored) with a
 * sysfs list.  debugfs_err: 0 when the debugfs vfio/ root was listed, else the positive
 * errno of listing it (ENOENT, EACCES...), which picks the reason given to sysfs-only
 * devices.  A sysfs-only device is listed when its driver is DISC_MIG_LIKELY (all
 * VFIO devices with DISC_MERGE_ALL_VFIO).  Pure: no I/O.  Returns 0 or -ENOMEM.
 */
int disc_merge(char *const *names, size_t n, int debugfs_err, const struct disc_list *sysfs,
               unsigned flags, struct disc_merged *out);
/*
 * disc_scan(), then disc_lookup() of every debugfs name the scan did not find (a device
 * bound to a driver the filter does not know), then disc_merge().  Returns 0, or the
 * negative errno of disc_scan() (-ENOENT: no sysfs; the debugfs names are still merged
 * into *out) or -ENOMEM.
 */
int disc_rescan(struct disc *d, char *const *names, size_t n, int debugfs_err, unsigned flags,
                struct disc_merged *out);
void disc_merged_free(struct disc_merged *m);

/* The operator's explanation ("" for DISC_R_NONE), and a stable key for JSON. */
const char *disc_reason_text(enum disc_reason r);
const char *disc_reason_key(enum disc_reason r); /* "none", "no_debugfs", ... */

/*
 * One line describing a device, e.g.
 * "hisi_acc_vfio_pci group 12 node 0 VF of 0000:3b:00.0 [19e5:a256 HiSilicon ...]".
 * Returns what snprintf returns.
 */
int disc_format_dev(const struct disc_dev *dev, char *buf, size_t n);

/* ---- the udev monitor ---------------------------------------------------------------- */

enum disc_action {
        DISC_ADDED,
        DISC_REMOVED,
        DISC_CHANGED, /* bind, unbind, change, move...: re-read the device */
};

struct disc_change {
        char name[DISC_NAME_MAX];
        enum disc_bus bus;
        enum disc_action action;
};

struct disc_changes {
        size_t n;
        struct disc_change *c; /* one entry per name, in order of first event */
        size_t cap;
};

/*
 * Start a udev monitor (netlink "udev", or "kernel" with DISC_F_KERNEL_UEVENTS) filtered
 * on the pci and mdev subsystems.  It watches the live system whatever the root.
 * Returns the non-blocking fd to poll for POLLIN, or a negative errno.  Calling it again
 * returns the same fd.
 */
int disc_monitor_start(struct disc *d);
int disc_monitor_fd(const struct disc *d); /* -1 when not started */
/*
 * Drain every pending event into out (appended; coalesced per name).  Returns the
 * number of events read (0: nothing pending), or a negative errno (-ENOMEM, -EBADF when
 * not started).  out must be zeroed before first use and freed with disc_changes_free().
 */
int disc_monitor_process(struct disc *d, struct disc_changes *out);

/*
 * One uevent as a change: action "add", "remove", "bind", ...; subsystem "pci"/"mdev".
 * Returns 0, or -EINVAL for events migtop ignores (other subsystems, bad names).
 */
int disc_change_from_uevent(const char *action, const char *subsystem, const char *sysname,
                            struct disc_change *out);
/*
 * Add a change, coalescing with an earlier one for the same name: removed wins; added
 * then changed stays added; removed then added becomes changed.  0 or -ENOMEM.
 */
int disc_changes_add(struct disc_changes *cs, const struct disc_change *ch);
void disc_changes_free(struct disc_changes *cs);

#endif
