/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fakesys: fake sysfs trees in a temporary directory, for the discovery tests.  Devices
 * live under <root>/sys/devices/..., reached through <root>/sys/bus/<bus>/devices/<name>
 * symlinks, with driver, iommu_group, physfn and mdev_type links as the kernel makes them.
 */
#ifndef MIGTOP_TESTS_FAKESYS_H
#define MIGTOP_TESTS_FAKESYS_H

#include <stddef.h>

#define FAKESYS_NONE (-1000) /* "do not create this attribute/link" */

/* Create an empty root (mkdtemp) with sys/bus/{pci,mdev}/devices.  0 or negative errno. */
int fakesys_new(char *root, size_t n);
/* Remove the whole tree.  0 or negative errno. */
int fakesys_remove(const char *root);

/* A file with text (parent directories created). */
int fakesys_file(const char *root, const char *rel, const char *text);
/* A symlink rel -> target (target used as given; parents of rel created). */
int fakesys_link(const char *root, const char *rel, const char *target);

/*
 * A PCI device <root>/sys/devices/pci0000:00/<name> with its bus link.  driver: NULL for
 * unbound; group, numa: FAKESYS_NONE to leave out; pf: the PF's name for a VF, or NULL.
 */
int fakesys_pci(const char *root, const char *name, const char *driver, unsigned vendor,
                unsigned device, int group, int numa, const char *pf);
/*
 * An mdev <root>/sys/devices/virtual/<parent>/<parent>/<uuid> with its bus link, bound to
 * driver (NULL: unbound), of type directory <type> (with a "name" file when type_name).
 */
int fakesys_mdev(const char *root, const char *uuid, const char *parent, const char *driver,
                 const char *type, const char *type_name, int group);

#endif
