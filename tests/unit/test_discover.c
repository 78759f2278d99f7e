/* SPDX-License-Identifier: GPL-2.0-only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/discover.h"
#include "fakesys.h"

#define VF    "0000:3b:00.1"
#define PF    "0000:3b:00.0"
#define UUID1 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"

struct fx {
        char root[128];
        struct disc *d;
};

static int setup(void **state)
{
        struct fx *f = calloc(1, sizeof(*f));

        if (!f || fakesys_new(f->root, sizeof(f->root)))
                return -1;
        if (disc_open(f->root, NULL, DISC_F_NO_NAMES, &f->d))
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;

        disc_close(f->d);
        fakesys_remove(f->root);
        free(f);
        return 0;
}

/* ---- the sysfs mapping ------------------------------------------------------------------ */

static void vfio_pci_device_is_listed_with_group_and_node(void **state)
{
        struct fx *f = *state;
        struct disc_list l;
        const struct disc_dev *d;

        assert_int_equal(
            fakesys_pci(f->root, "0000:01:00.0", "vfio-pci", 0x8086, 0x1521, 7, 1, NULL), 0);
        assert_int_equal(disc_scan(f->d, &l), 0);
        assert_int_equal(l.n, 1);
        d = disc_list_find(&l, "0000:01:00.0");
        assert_non_null(d);
        assert_int_equal(d->bus, DISC_BUS_PCI);
        assert_string_equal(d->driver, "vfio-pci");
        assert_int_equal(d->iommu_group, 7);
        assert_int_equal(d->numa_node, 1);
        assert_false(d->is_vf);
        assert_string_equal(d->parent, "");
        assert_true(d->has_ids);
        assert_int_equal(d->vendor, 0x8086);
        assert_int_equal(d->device, 0x1521);
        /* plain vfio-pci has no migration ops */
        assert_int_equal(d->mig, DISC_MIG_NO);
        /* the resolved path is under the root, in the devices tree */
        assert_non_null(strstr(d->syspath, "/sys/devices/pci0000:00/0000:01:00.0"));
        assert_memory_equal(d->syspath, f->root, strlen(f->root));
        disc_list_free(&l);
}

static void hisi_acc_vf_names_its_pf(void **state)
{
        struct fx *f = *state;
        struct disc_list l;
        const struct disc_dev *d;

        assert_int_equal(fakesys_pci(f->root, PF, "hisi_sec2", 0x19e5, 0xa255, 11, 0, NULL), 0);
        assert_int_equal(fakesys_pci(f->root, VF, "hisi_acc_vfio_pci", 0x19e5, 0xa256, 12, 0, PF),
                         0);
        assert_int_equal(disc_scan(f->d, &l), 0);
        /* the PF is bound to its host driver: not a VFIO device */
        assert_int_equal(l.n, 1);
        assert_null(disc_list_find(&l, PF));
        d = disc_list_find(&l, VF);
        assert_non_null(d);
        assert_string_equal(d->driver, "hisi_acc_vfio_pci");
        assert_true(d->is_vf);
        assert_string_equal(d->parent, PF);
        assert_int_equal(d->iommu_group, 12);
        assert_int_equal(d->numa_node, 0);
        assert_int_equal(d->vendor, 0x19e5);
        assert_int_equal(d->device, 0xa256);
        assert_int_equal(d->mig, DISC_MIG_LIKELY);
        /* names are off in this fixture: the hex pair */
        assert_false(d->pci_name_known);
        assert_string_equal(d->pci_name, "19e5:a256");
        disc_list_free(&l);
}

static void mdev_has_parent_and_type(void **state)
{
        struct fx *f = *state;
        struct disc_list l;
        const struct disc_dev *d;

        assert_int_equal(
            fakesys_mdev(f->root, UUID1, "migtop_acc", "migtop_acc", "migtop_acc-q16", "q16\n", 3),
            0);
        assert_int_equal(disc_scan(f->d, &l), 0);
        assert_int_equal(l.n, 1);
        d = disc_list_find(&l, UUID1);
        assert_non_null(d);
        assert_int_equal(d->bus, DISC_BUS_MDEV);
        assert_string_equal(d->driver, "migtop_acc");
        assert_string_equal(d->parent, "migtop_acc");
        assert_false(d->is_vf);
        assert_string_equal(d->mdev_type, "migtop_acc-q16");
        assert_string_equal(d->mdev_type_name, "q16");
        assert_int_equal(d->iommu_group, 3);
        /* a virtual parent has no NUMA node */
        assert_int_equal(d->numa_node, -1);
        assert_false(d->has_ids);
        assert_int_equal(d->mig, DISC_MIG_LIKELY);
        disc_list_free(&l);
}

static void mdev_of_pci_parent_takes_its_numa_node(void **state)
{
        struct fx *f = *state;
        struct disc_dev d;
        char rel[256];

        /* a vGPU-like mdev below a PCI parent: the mdev dir is a child of the PCI device */
        assert_int_equal(
            fakesys_pci(f->root, "0000:af:00.0", "nvidia", 0x10de, 0x1eb8, 20, 1, NULL), 0);
        snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/0000:af:00.0/%s/uevent", UUID1);
        assert_int_equal(fakesys_file(f->root, rel, ""), 0);
        snprintf(rel, sizeof(rel), "sys/bus/mdev/devices/%s", UUID1);
        assert_int_equal(
            fakesys_link(f->root, rel, "../../../devices/pci0000:00/0000:af:00.0/" UUID1), 0);
        assert_int_equal(disc_lookup(f->d, UUID1, &d), 0);
        assert_int_equal(d.bus, DISC_BUS_MDEV);
        assert_string_equal(d.parent, "0000:af:00.0");
        assert_int_equal(d.numa_node, 1);
        /* not bound: no driver, no migration */
        assert_string_equal(d.driver, "");
        assert_int_equal(d.mig, DISC_MIG_NO);
}

static void non_vfio_and_unbound_devices_are_excluded(void **state)
{
        struct fx *f = *state;
        struct disc_list l;
        struct disc_dev d;

        assert_int_equal(fakesys_pci(f->root, "0000:00:19.0", "e1000e", 0x8086, 0x15b8, 1, 0, NULL),
                         0);
        assert_int_equal(fakesys_pci(f->root, "0000:00:1f.0", NULL, 0x8086, 0xa305, 2, 0, NULL), 0);
        assert_int_equal(fakesys_pci(f->root, "0000:5e:00.2", "mlx5_vfio_pci", 0x15b3, 0x101e, 40,
                                     0, "0000:5e:00.0"),
                         0);
        assert_int_equal(disc_scan(f->d, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.devs[0].name, "0000:5e:00.2");
        assert_int_equal(l.devs[0].mig, DISC_MIG_LIKELY);
        disc_list_free(&l);
        /* a lookup by name still maps any device */
        assert_int_equal(disc_lookup(f->d, "0000:00:19.0", &d), 0);
        assert_string_equal(d.driver, "e1000e");
        assert_int_equal(d.mig, DISC_MIG_NO);
        assert_int_equal(disc_lookup(f->d, "0000:00:1f.0", &d), 0);
        assert_string_equal(d.driver, "");
}

static void vanished_device_is_skipped(void **state)
{
        struct fx *f = *state;
        struct disc_list l;
        struct disc_dev d;

        assert_int_equal(
            fakesys_pci(f->root, "0000:02:00.0", "vfio-pci", 0x1af4, 0x1041, 5, 0, NULL), 0);
        /* listed by the bus, gone from the devices tree (hot-unplug between the two) */
        assert_int_equal(fakesys_link(f->root, "sys/bus/pci/devices/0000:04:00.0",
                                      "../../../devices/pci0000:00/0000:04:00.0"),
                         0);
        assert_int_equal(disc_scan(f->d, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.devs[0].name, "0000:02:00.0");
        disc_list_free(&l);
        assert_int_equal(disc_lookup(f->d, "0000:04:00.0", &d), -ENOENT);
}

static void missing_numa_node_and_group_read_as_minus_one(void **state)
{
        struct fx *f = *state;
        struct disc_dev d;

        assert_int_equal(fakesys_pci(f->root, "0000:06:00.0", "vfio-pci", 0x1234, 0x1111,
                                     FAKESYS_NONE, FAKESYS_NONE, NULL),
                         0);
        assert_int_equal(disc_lookup(f->d, "0000:06:00.0", &d), 0);
        assert_int_equal(d.numa_node, -1);
        assert_int_equal(d.iommu_group, -1);
        assert_string_equal(d.driver, "vfio-pci");
        /* the kernel writes -1 when the platform has no node: same answer */
        assert_int_equal(
            fakesys_file(f->root, "sys/devices/pci0000:00/0000:06:00.0/numa_node", "-1\n"), 0);
        assert_int_equal(disc_lookup(f->d, "0000:06:00.0", &d), 0);
        assert_int_equal(d.numa_node, -1);
        /* garbage in an attribute is not a node number */
        assert_int_equal(
            fakesys_file(f->root, "sys/devices/pci0000:00/0000:06:00.0/numa_node", "zero\n"), 0);
        assert_int_equal(disc_lookup(f->d, "0000:06:00.0", &d), 0);
        assert_int_equal(d.numa_node, -1);
}

static void lookup_rejects_names_that_escape_the_bus(void **state)
{
        struct fx *f = *state;
        struct disc_dev d;

        assert_int_equal(disc_lookup(f->d, "", &d), -EINVAL);
        assert_int_equal(disc_lookup(f->d, "..", &d), -EINVAL);
        assert_int_equal(disc_lookup(f->d, "../../devices", &d), -EINVAL);
        assert_int_equal(disc_lookup(f->d, "0000:99:00.0", &d), -ENOENT);
}

static void scan_without_sysfs_fails_with_enoent(void **state)
{
        struct disc *d;
        struct disc_list l;

        (void)state;
        assert_int_equal(disc_open("/nonexistent/migtop-root", NULL, 0, &d), 0);
        assert_int_equal(disc_scan(d, &l), -ENOENT);
        assert_int_equal(l.n, 0);
        disc_close(d);
}

static void scan_is_sorted_and_mixes_buses(void **state)
{
        struct fx *f = *state;
        struct disc_list l;

        assert_int_equal(fakesys_pci(f->root, "0000:81:00.1", "qat_vfio_pci", 0x8086, 0x4941, 9, 1,
                                     "0000:81:00.0"),
                         0);
        assert_int_equal(fakesys_pci(f->root, "0000:01:00.1", "pds_vfio_pci", 0x1dd8, 0x1003, 8, 0,
                                     "0000:01:00.0"),
                         0);
        assert_int_equal(fakesys_mdev(f->root, UUID1, "mtty", "mtty", "mtty-2", NULL, 4), 0);
        assert_int_equal(disc_scan(f->d, &l), 0);
        assert_int_equal(l.n, 3);
        assert_string_equal(l.devs[0].name, "0000:01:00.1");
        assert_string_equal(l.devs[1].name, "0000:81:00.1");
        assert_string_equal(l.devs[2].name, UUID1);
        assert_string_equal(l.devs[2].mdev_type_name, "");
        disc_list_free(&l);
}

/* ---- the migration heuristic ---------------------------------------------------------- */

static void driver_heuristic(void **state)
{
        (void)state;
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, "hisi_acc_vfio_pci"), DISC_MIG_LIKELY);
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, "virtio_vfio_pci"), DISC_MIG_LIKELY);
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, "vfio-pci"), DISC_MIG_NO);
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, "nvgrace_gpu_vfio_pci"), DISC_MIG_NO);
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, "future_vfio_pci"), DISC_MIG_UNKNOWN);
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, "e1000e"), DISC_MIG_NO);
        assert_int_equal(disc_driver_mig(DISC_BUS_PCI, ""), DISC_MIG_NO);
        assert_int_equal(disc_driver_mig(DISC_BUS_MDEV, "mtty"), DISC_MIG_LIKELY);
        assert_int_equal(disc_driver_mig(DISC_BUS_MDEV, "mdpy"), DISC_MIG_NO);
        assert_int_equal(disc_driver_mig(DISC_BUS_MDEV, "vendor_vgpu"), DISC_MIG_UNKNOWN);
        assert_string_equal(disc_mig_name(DISC_MIG_LIKELY), "likely");
}

/* ---- libpci names ----------------------------------------------------------------------- */

static const char ids_text[] = "# test ids\n"
                               "19e5  Huawei Technologies Co., Ltd.\n"
                               "\ta250  HiSilicon ZIP Engine(Virtual Function)\n"
                               "1af4  Red Hat, Inc.\n";

static void pci_name_from_ids_file_or_hex(void **state)
{
        struct fx *f = *state;
        struct disc *d;
        char ids[256], buf[DISC_PCINAME_MAX];

        assert_int_equal(fakesys_file(f->root, "pci.ids", ids_text), 0);
        snprintf(ids, sizeof(ids), "%s/pci.ids", f->root);
        assert_int_equal(disc_open(f->root, ids, 0, &d), 0);
        assert_true(disc_pci_name(d, 0x19e5, 0xa250, buf, sizeof(buf)));
        assert_string_equal(buf, "Huawei Technologies Co., Ltd. HiSilicon ZIP Engine(Virtual "
                                 "Function)");
        /* asked again (answered from the context's cache): the same name */
        memset(buf, 0, sizeof(buf));
        assert_true(disc_pci_name(d, 0x19e5, 0xa250, buf, sizeof(buf)));
        assert_string_equal(buf, "Huawei Technologies Co., Ltd. HiSilicon ZIP Engine(Virtual "
                                 "Function)");
        /* vendor known, device not: the hex pair */
        assert_false(disc_pci_name(d, 0x19e5, 0xa256, buf, sizeof(buf)));
        assert_string_equal(buf, "19e5:a256");
        assert_false(disc_pci_name(d, 0x19e5, 0xa256, buf, sizeof(buf)));
        assert_string_equal(buf, "19e5:a256");
        /* vendor unknown */
        assert_false(disc_pci_name(d, 0xabcd, 0x0001, buf, sizeof(buf)));
        assert_string_equal(buf, "abcd:0001");
        /* a buffer too small for the name: cut to fit (libpci marks the cut), never
         * overflowing */
        memset(buf, 'x', sizeof(buf));
        if (disc_pci_name(d, 0x19e5, 0xa250, buf, 8))
                assert_string_equal(buf, "Huaw...");
        else
                assert_string_equal(buf, "19e5:a2");
        assert_int_equal(buf[8], 'x');
        disc_close(d);
}

static void pci_name_fills_scanned_devices(void **state)
{
        struct fx *f = *state;
        struct disc *d;
        struct disc_list l;
        char ids[256];

        assert_int_equal(fakesys_file(f->root, "pci.ids", ids_text), 0);
        snprintf(ids, sizeof(ids), "%s/pci.ids", f->root);
        assert_int_equal(
            fakesys_pci(f->root, "0000:3b:00.2", "hisi_acc_vfio_pci", 0x19e5, 0xa250, 1, 0, NULL),
            0);
        assert_int_equal(disc_open(f->root, ids, 0, &d), 0);
        assert_int_equal(disc_scan(d, &l), 0);
        assert_int_equal(l.n, 1);
        assert_true(l.devs[0].pci_name_known);
        assert_non_null(strstr(l.devs[0].pci_name, "HiSilicon ZIP Engine"));
        disc_list_free(&l);
        disc_close(d);
}

static void malformed_ids_file_falls_back_to_hex(void **state)
{
        struct fx *f = *state;
        struct disc *d;
        char ids[256], buf[DISC_PCINAME_MAX];

        /* libpci's parser reports this through a callback that must not return */
        assert_int_equal(fakesys_file(f->root, "bad.ids", "19e5  Huawei\n\tzzzz  broken\n"), 0);
        snprintf(ids, sizeof(ids), "%s/bad.ids", f->root);
        assert_int_equal(disc_open(f->root, ids, 0, &d), 0);
        assert_false(disc_pci_name(d, 0x19e5, 0xa256, buf, sizeof(buf)));
        assert_string_equal(buf, "19e5:a256");
        /* and keeps answering */
        assert_false(disc_pci_name(d, 0x1af4, 0x1041, buf, sizeof(buf)));
        assert_string_equal(buf, "1af4:1041");
        disc_close(d);
}

static void missing_ids_file_falls_back_to_hex(void **state)
{
        struct fx *f = *state;
        struct disc *d;
        char ids[256], buf[DISC_PCINAME_MAX];

        snprintf(ids, sizeof(ids), "%s/absent.ids", f->root);
        assert_int_equal(disc_open(f->root, ids, 0, &d), 0);
        assert_false(disc_pci_name(d, 0x19e5, 0xa256, buf, sizeof(buf)));
        assert_string_equal(buf, "19e5:a256");
        disc_close(d);
}

static void system_pci_ids_names_hisilicon_vf(void **state)
{
        struct disc *d;
        char buf[DISC_PCINAME_MAX];

        (void)state;
        if (access("/usr/share/misc/pci.ids", R_OK) != 0)
                skip();
        assert_int_equal(disc_open(NULL, "/usr/share/misc/pci.ids", 0, &d), 0);
        assert_true(disc_pci_name(d, 0x19e5, 0xa256, buf, sizeof(buf)));
        assert_non_null(strstr(buf, "HiSilicon"));
        /* default lookup (hwdb, then pci.ids) answers a name or the hex pair */
        disc_close(d);
        assert_int_equal(disc_open(NULL, NULL, 0, &d), 0);
        if (!disc_pci_name(d, 0x19e5, 0xa256, buf, sizeof(buf)))
                assert_string_equal(buf, "19e5:a256");
        else
                assert_non_null(strstr(buf, "HiSilicon"));
        disc_close(d);
}

/* ---- merge -------------------------------------------------------------------------- */

static struct disc_dev mkdev(const char *name, const char *driver, enum disc_bus bus)
{
        struct disc_dev d;

        memset(&d, 0, sizeof(d));
        snprintf(d.name, sizeof(d.name), "%s", name);
        snprintf(d.driver, sizeof(d.driver), "%s", driver);
        d.bus = bus;
        d.iommu_group = -1;
        d.numa_node = -1;
        d.mig = disc_driver_mig(bus, driver);
        return d;
}

static void merge_both_debugfs_only_and_sysfs_only(void **state)
{
        struct disc_dev devs[4];
        struct disc_list l = {.n = 4, .devs = devs};
        char *names[] = {"0000:3b:00.2", "0000:3b:00.1", "0000:3b:00.1", UUID1};
        struct disc_merged m;

        (void)state;
        /* sysfs lists are sorted by name */
        devs[0] = mkdev("0000:3b:00.1", "hisi_acc_vfio_pci", DISC_BUS_PCI);
        devs[1] = mkdev("0000:3b:00.2", "hisi_acc_vfio_pci", DISC_BUS_PCI);
        devs[2] = mkdev("0000:3b:00.3", "hisi_acc_vfio_pci", DISC_BUS_PCI);
        devs[3] = mkdev("0000:5e:00.0", "vfio-pci", DISC_BUS_PCI);
        devs[1].iommu_group = 14;

        assert_int_equal(disc_merge(names, 4, 0, &l, 0, &m), 0);
        assert_int_equal(m.n, 4);
        assert_string_equal(m.e[0].name, "0000:3b:00.1");
        assert_true(m.e[0].in_debugfs && m.e[0].in_sysfs);
        assert_int_equal(m.e[0].reason, DISC_R_NONE);
        assert_string_equal(m.e[1].name, "0000:3b:00.2");
        assert_int_equal(m.e[1].dev.iommu_group, 14);
        /* migration-capable, but its debugfs directory is missing */
        assert_string_equal(m.e[2].name, "0000:3b:00.3");
        assert_false(m.e[2].in_debugfs);
        assert_true(m.e[2].in_sysfs);
        assert_int_equal(m.e[2].reason, DISC_R_NOT_IN_DEBUGFS);
        /* debugfs only: shown, sysfs facts unknown */
        assert_string_equal(m.e[3].name, UUID1);
        assert_true(m.e[3].in_debugfs);
        assert_false(m.e[3].in_sysfs);
        assert_int_equal(m.e[3].reason, DISC_R_NOT_IN_SYSFS);
        /* plain vfio-pci without a debugfs directory is not listed */
        disc_merged_free(&m);

        assert_int_equal(disc_merge(names, 4, 0, &l, DISC_MERGE_ALL_VFIO, &m), 0);
        assert_int_equal(m.n, 5);
        assert_string_equal(m.e[3].name, "0000:5e:00.0");
        disc_merged_free(&m);
}

static void merge_reason_follows_the_debugfs_error(void **state)
{
        struct disc_dev devs[1];
        struct disc_list l = {.n = 1, .devs = devs};
        struct disc_merged m;

        (void)state;
        devs[0] = mkdev("0000:3b:00.1", "hisi_acc_vfio_pci", DISC_BUS_PCI);
        assert_int_equal(disc_merge(NULL, 0, ENOENT, &l, 0, &m), 0);
        assert_int_equal(m.n, 1);
        assert_int_equal(m.e[0].reason, DISC_R_NO_DEBUGFS);
        assert_string_equal(disc_reason_text(m.e[0].reason),
                            "no debugfs: kernel built without CONFIG_VFIO_DEBUGFS, or debugfs "
                            "not mounted");
        assert_string_equal(disc_reason_key(m.e[0].reason), "no_debugfs");
        disc_merged_free(&m);
        assert_int_equal(disc_merge(NULL, 0, EACCES, &l, 0, &m), 0);
        assert_int_equal(m.e[0].reason, DISC_R_DEBUGFS_DENIED);
        assert_non_null(strstr(disc_reason_text(m.e[0].reason), "root"));
        disc_merged_free(&m);
        assert_int_equal(disc_merge(NULL, 0, EIO, &l, 0, &m), 0);
        assert_int_equal(m.e[0].reason, DISC_R_DEBUGFS_ERROR);
        disc_merged_free(&m);
        /* nothing at all */
        assert_int_equal(disc_merge(NULL, 0, ENOENT, NULL, 0, &m), 0);
        assert_int_equal(m.n, 0);
        disc_merged_free(&m);
}

static void rescan_looks_up_debugfs_devices_the_filter_missed(void **state)
{
        struct fx *f = *state;
        char *names[] = {VF, "0000:07:00.0", "0000:99:00.0"};
        struct disc_merged m;

        assert_int_equal(fakesys_pci(f->root, VF, "hisi_acc_vfio_pci", 0x19e5, 0xa256, 12, 0, PF),
                         0);
        /* a VFIO driver whose name the enumeration filter does not know */
        assert_int_equal(
            fakesys_pci(f->root, "0000:07:00.0", "acme-migrate", 0x1234, 0x5678, 30, 0, NULL), 0);
        assert_int_equal(
            fakesys_mdev(f->root, UUID1, "migtop_acc", "migtop_acc", "migtop_acc-q8", "q8", 4), 0);
        assert_int_equal(disc_rescan(f->d, names, 3, 0, 0, &m), 0);
        assert_int_equal(m.n, 4);
        assert_string_equal(m.e[0].name, "0000:07:00.0");
        assert_true(m.e[0].in_sysfs);
        assert_string_equal(m.e[0].dev.driver, "acme-migrate");
        assert_int_equal(m.e[0].dev.iommu_group, 30);
        assert_string_equal(m.e[1].name, VF);
        assert_true(m.e[1].in_sysfs && m.e[1].in_debugfs);
        assert_string_equal(m.e[2].name, "0000:99:00.0");
        assert_int_equal(m.e[2].reason, DISC_R_NOT_IN_SYSFS);
        assert_string_equal(m.e[3].name, UUID1);
        assert_int_equal(m.e[3].reason, DISC_R_NOT_IN_DEBUGFS);
        disc_merged_free(&m);
}

static void rescan_without_sysfs_still_lists_debugfs(void **state)
{
        struct disc *d;
        char *names[] = {VF};
        struct disc_merged m;

        (void)state;
        assert_int_equal(disc_open("/nonexistent/migtop-root", NULL, 0, &d), 0);
        assert_int_equal(disc_rescan(d, names, 1, 0, 0, &m), -ENOENT);
        assert_int_equal(m.n, 1);
        assert_int_equal(m.e[0].reason, DISC_R_NOT_IN_SYSFS);
        disc_merged_free(&m);
        disc_close(d);
}

static void format_dev_line(void **state)
{
        struct disc_dev d = mkdev(VF, "hisi_acc_vfio_pci", DISC_BUS_PCI);
        char buf[512];

        (void)state;
        d.iommu_group = 12;
        d.numa_node = 0;
        d.is_vf = true;
        snprintf(d.parent, sizeof(d.parent), "%s", PF);
        d.has_ids = true;
        d.vendor = 0x19e5;
        d.device = 0xa256;
        snprintf(d.pci_name, sizeof(d.pci_name), "19e5:a256");
        disc_format_dev(&d, buf, sizeof(buf));
        assert_string_equal(buf, "hisi_acc_vfio_pci group 12 node 0 VF of 0000:3b:00.0 "
                                 "[19e5:a256]");
        d = mkdev(UUID1, "", DISC_BUS_MDEV);
        snprintf(d.mdev_type, sizeof(d.mdev_type), "mtty-1");
        disc_format_dev(&d, buf, sizeof(buf));
        assert_string_equal(buf, "(no driver) no group type mtty-1");
}

/* ---- uevents and the monitor ----------------------------------------------------------- */

static void uevents_map_to_changes(void **state)
{
        struct disc_change c;

        (void)state;
        assert_int_equal(disc_change_from_uevent("add", "pci", VF, &c), 0);
        assert_int_equal(c.action, DISC_ADDED);
        assert_int_equal(c.bus, DISC_BUS_PCI);
        assert_string_equal(c.name, VF);
        assert_int_equal(disc_change_from_uevent("remove", "mdev", UUID1, &c), 0);
        assert_int_equal(c.action, DISC_REMOVED);
        assert_int_equal(c.bus, DISC_BUS_MDEV);
        assert_int_equal(disc_change_from_uevent("bind", "pci", VF, &c), 0);
        assert_int_equal(c.action, DISC_CHANGED);
        assert_int_equal(disc_change_from_uevent("unbind", "pci", VF, &c), 0);
        assert_int_equal(c.action, DISC_CHANGED);
        assert_int_equal(disc_change_from_uevent("add", "usb", "1-1", &c), -EINVAL);
        assert_int_equal(disc_change_from_uevent("add", "pci", "../x", &c), -EINVAL);
        assert_int_equal(disc_change_from_uevent(NULL, "pci", VF, &c), -EINVAL);
}

static void changes_coalesce_per_name(void **state)
{
        struct disc_changes cs = {0};
        struct disc_change c;

        (void)state;
        disc_change_from_uevent("add", "pci", VF, &c);
        assert_int_equal(disc_changes_add(&cs, &c), 0);
        disc_change_from_uevent("bind", "pci", VF, &c);
        assert_int_equal(disc_changes_add(&cs, &c), 0);
        disc_change_from_uevent("unbind", "pci", PF, &c);
        assert_int_equal(disc_changes_add(&cs, &c), 0);
        disc_change_from_uevent("remove", "mdev", UUID1, &c);
        assert_int_equal(disc_changes_add(&cs, &c), 0);
        disc_change_from_uevent("add", "mdev", UUID1, &c);
        assert_int_equal(disc_changes_add(&cs, &c), 0);
        assert_int_equal(cs.n, 3);
        /* added then bound: still new to the engine */
        assert_string_equal(cs.c[0].name, VF);
        assert_int_equal(cs.c[0].action, DISC_ADDED);
        assert_int_equal(cs.c[1].action, DISC_CHANGED);
        /* removed then re-created: re-read it */
        assert_string_equal(cs.c[2].name, UUID1);
        assert_int_equal(cs.c[2].action, DISC_CHANGED);
        /* a removal wins over anything before it */
        disc_change_from_uevent("remove", "pci", VF, &c);
        assert_int_equal(disc_changes_add(&cs, &c), 0);
        assert_int_equal(cs.n, 3);
        assert_int_equal(cs.c[0].action, DISC_REMOVED);
        disc_changes_free(&cs);
        assert_int_equal(cs.n, 0);
}

static void monitor_gives_a_pollable_fd(void **state)
{
        struct fx *f = *state;
        struct disc_changes cs = {0};
        int fd;

        assert_int_equal(disc_monitor_fd(f->d), -1);
        assert_int_equal(disc_monitor_process(f->d, &cs), -EBADF);
        fd = disc_monitor_start(f->d);
        if (fd == -EPERM || fd == -EACCES || fd == -EAFNOSUPPORT || fd == -EPROTONOSUPPORT)
                skip(); /* no netlink in this sandbox */
        assert_true(fd >= 0);
        assert_int_equal(disc_monitor_fd(f->d), fd);
        assert_int_equal(disc_monitor_start(f->d), fd);
        /* non-blocking: returns at once with whatever is pending */
        assert_true(disc_monitor_process(f->d, &cs) >= 0);
        disc_changes_free(&cs);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(vfio_pci_device_is_listed_with_group_and_node, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(hisi_acc_vf_names_its_pf, setup, teardown),
            cmocka_unit_test_setup_teardown(mdev_has_parent_and_type, setup, teardown),
            cmocka_unit_test_setup_teardown(mdev_of_pci_parent_takes_its_numa_node, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(non_vfio_and_unbound_devices_are_excluded, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(vanished_device_is_skipped, setup, teardown),
            cmocka_unit_test_setup_teardown(missing_numa_node_and_group_read_as_minus_one, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(lookup_rejects_names_that_escape_the_bus, setup,
                                            teardown),
            cmocka_unit_test(scan_without_sysfs_fails_with_enoent),
            cmocka_unit_test_setup_teardown(scan_is_sorted_and_mixes_buses, setup, teardown),
            cmocka_unit_test(driver_heuristic),
            cmocka_unit_test_setup_teardown(pci_name_from_ids_file_or_hex, setup, teardown),
            cmocka_unit_test_setup_teardown(pci_name_fills_scanned_devices, setup, teardown),
            cmocka_unit_test_setup_teardown(malformed_ids_file_falls_back_to_hex, setup, teardown),
            cmocka_unit_test_setup_teardown(missing_ids_file_falls_back_to_hex, setup, teardown),
            cmocka_unit_test(system_pci_ids_names_hisilicon_vf),
            cmocka_unit_test(merge_both_debugfs_only_and_sysfs_only),
            cmocka_unit_test(merge_reason_follows_the_debugfs_error),
            cmocka_unit_test_setup_teardown(rescan_looks_up_debugfs_devices_the_filter_missed,
                                            setup, teardown),
            cmocka_unit_test(rescan_without_sysfs_still_lists_debugfs),
            cmocka_unit_test(format_dev_line),
            cmocka_unit_test(uevents_map_to_changes),
            cmocka_unit_test(changes_coalesce_per_name),
            cmocka_unit_test_setup_teardown(monitor_gives_a_pollable_fd, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
